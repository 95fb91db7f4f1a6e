import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProgramError, startComputation } from '../../src/engine/index.js';
import { fragmentProgram } from '../helpers/program-fragments.js';
import { at, MemorySource, T0 } from './helpers.js';

const source = new MemorySource();
source.add(
  'cpu',
  { host: 'a' },
  at([
    [10, 1],
    [20, 2],
    [30, 0],
  ]),
);
source.add(
  'cpu',
  { host: 'b' },
  at([
    [10, 5],
    [30, -3],
  ]),
);

/** Either a computation whose outputs are finite numbers, or a ProgramError: never any other exception. */
function runOrReject(program: string): void {
  try {
    const computation = startComputation(program, { source, start: T0, stop: T0 + 30_000, maxTimestamps: 10_000 });
    for (const output of computation.advance(T0 + 30_000)) {
      for (const publish of output.publishes) {
        for (const { value } of publish.values) expect(Number.isFinite(value)).toBe(true);
      }
    }
  } catch (error) {
    if (!(error instanceof ProgramError)) throw error;
    expect(error.info.line).toBeGreaterThanOrEqual(1);
    expect(error.info.column).toBeGreaterThanOrEqual(1);
  }
}

describe('fuzzing', () => {
  it('arbitrary text is a computation or a ProgramError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), runOrReject), { numRuns: 400 });
  });

  it('programs assembled from real fragments are a computation or a ProgramError', () => {
    fc.assert(fc.property(fragmentProgram, runOrReject), { numRuns: 600 });
  });
});
