/**
 * Whole-string match of a pattern whose only special character is `*` (any run of characters, also none).
 * Greedy with one backtrack point, so O(pattern × value) at worst: a client-sent pattern cannot stall the
 * server the way a backtracking regular expression could.
 */
export function matchesWildcard(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  let p = 0;
  let v = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (v < value.length) {
    if (p < pattern.length && pattern[p] === '*') {
      starAt = p++;
      resumeAt = v;
    } else if (p < pattern.length && pattern[p] === value[v]) {
      p++;
      v++;
    } else if (starAt !== -1) {
      p = starAt + 1;
      v = ++resumeAt;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
