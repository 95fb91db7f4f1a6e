import fc from 'fast-check';

/** Pieces of real SignalFlow (and of broken SignalFlow), to assemble programs that reach deep into the engine. */
const FRAGMENTS = [
  "data('cpu')",
  "data('c*', filter=filter('host', 'a'))",
  'const(2)',
  'A',
  '.sum()',
  ".mean(by='host')",
  ".max(over='20s')",
  '.delta()',
  '.top(1)',
  ".timeshift('10s')",
  '.fill(0)',
  '.publish()',
  ' + ',
  ' / ',
  ' ** ',
  ' > ',
  ' and ',
  'not ',
  '0',
  '1e3',
  '(',
  ')',
  '[',
  ']',
  ',',
  '\n',
  ' = ',
  "'x'",
  'when(',
  'detect(',
  'lambda x: x',
  '#',
  '\\',
];

/** A program over `data('cpu')` assembled from real fragments: most do not parse, many compute. */
export const fragmentProgram = fc
  .array(fc.constantFrom(...FRAGMENTS), { maxLength: 12 })
  .map((parts) => `A = data('cpu')\n${parts.join('')}`);

const METHODS = [
  '.sum()',
  ".mean(by='host')",
  ".max(over='20s')",
  ".percentile(90, over='30s')",
  '.count()',
  '.delta()',
  '.rate()',
  '.top(1)',
  '.bottom(count=1)',
  ".timeshift('10s')",
  '.fill(0)',
  '.abs()',
  '.scale(-2)',
  '.above(3)',
];

/** A well-formed program: data() through a chain of real methods, often combined with `A`, then published. */
export const chainProgram = fc
  .tuple(
    fc.array(fc.constantFrom(...METHODS), { maxLength: 4 }),
    fc.constantFrom('', ' + A', ' / A', ' - A.mean()', ' * 2'),
  )
  .map(([methods, combine]) => `A = data('cpu')\n(data('c*')${methods.join('')}${combine}).publish('X')`);
