const UNIT_MS: Record<string, number> = {
  w: 604_800_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  min: 60_000,
  s: 1_000,
  ms: 1,
};

/** Units from largest to smallest: compound durations must list them in this order ('2w2h', not '2h2w'). */
const UNIT_ORDER = ['w', 'd', 'h', 'm', 's', 'ms'];

/**
 * Parses a SignalFlow duration such as '10s', '5m', '1h', '1d', '1w', '2w2h', '500ms' or '3min' into milliseconds.
 * A string of digits alone is taken as milliseconds. Throws `RangeError` for anything else.
 */
export function parseDuration(text: string): number {
  const compact = text.replace(/\s+/g, '');
  if (compact === '') throw new RangeError(`Invalid duration '${text}'`);
  if (/^\d+$/.test(compact)) return Number(compact);
  const part = /(\d+)(ms|min|w|d|h|m|s)/y;
  let total = 0;
  let lastRank = -1;
  let offset = 0;
  while (offset < compact.length) {
    part.lastIndex = offset;
    const match = part.exec(compact);
    if (!match) throw new RangeError(`Invalid duration '${text}'`);
    const unit = match[2] as string;
    const rank = UNIT_ORDER.indexOf(unit === 'min' ? 'm' : unit);
    if (rank <= lastRank) throw new RangeError(`Invalid duration '${text}': units must decrease`);
    lastRank = rank;
    total += Number(match[1]) * (UNIT_MS[unit] as number);
    offset = part.lastIndex;
  }
  return total;
}
