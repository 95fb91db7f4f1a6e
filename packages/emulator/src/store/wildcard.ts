const cache = new Map<string, RegExp>();

/** A whole-string matcher for a pattern whose only special character is `*` (any run of characters). */
export function wildcardToRegExp(pattern: string): RegExp {
  let regexp = cache.get(pattern);
  if (!regexp) {
    const source = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    regexp = new RegExp(`^${source}$`, 's');
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, regexp);
  }
  return regexp;
}

export function matchesWildcard(pattern: string, value: string): boolean {
  return pattern.includes('*') ? wildcardToRegExp(pattern).test(value) : pattern === value;
}
