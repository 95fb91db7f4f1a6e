import type { ComputationFactory } from '../../src/context.js';
import type { Computation, ComputationOptions, TimestampOutput } from '../../src/engine/types.js';

export const FAKE_TS_ID = 'AAAAAAobLD0';
export const FAKE_RESOLUTION = 10_000;

/**
 * A stand-in for the engine, to test the protocol layer alone: every logical timestamp T
 * publishes one series with value T / 1000 on each of `labels`. `syntax error` in the program throws
 * a ProgramError-shaped error at line 2, column 5; `detect` adds one event at the first timestamp.
 */
export function fakeEngine(labels: string[] = ['A']): ComputationFactory & { calls: ComputationOptions[] } {
  const calls: ComputationOptions[] = [];
  const factory = (program: string, options: ComputationOptions): Computation => {
    calls.push(options);
    if (program.includes('syntax error')) {
      throw Object.assign(new Error('bad'), {
        info: { errorType: 'ANALYTICS_PROGRAM_SYNTAX_ERROR', message: "unexpected ')'", line: 2, column: 5 },
      });
    }
    const resolution = options.resolutionMs ?? FAKE_RESOLUTION;
    let next = Math.ceil(options.start / resolution) * resolution;
    let first = true;
    let finished = false;
    return {
      resolutionMs: resolution,
      infoMessages: [
        { messageCode: 'FETCH_NUM_TIMESERIES', messageLevel: 'INFO', numInputTimeSeries: 1, contents: {} },
      ],
      publishLabels: labels,
      get finished() {
        return finished;
      },
      advance(upTo: number): TimestampOutput[] {
        const limit = options.stop === undefined ? upTo : Math.min(upTo, options.stop);
        const out: TimestampOutput[] = [];
        while (next <= limit) {
          out.push({
            logicalTimestampMs: next,
            newMetadata: first
              ? labels.map((label, index) => ({
                  tsId: index === 0 ? FAKE_TS_ID : `AAAAAAAAAA${'AEIMQ'[index]}`,
                  properties: { sf_metric: 'cpu', sf_streamLabel: label },
                }))
              : [],
            publishes: labels.map((label, index) => ({
              label,
              values: [{ tsId: index === 0 ? FAKE_TS_ID : `AAAAAAAAAA${'AEIMQ'[index]}`, value: next / 1000 }],
            })),
            events:
              first && program.includes('detect')
                ? [{ tsId: FAKE_TS_ID, timestampMs: next, metadata: {}, properties: { is: 'anomalous' } }]
                : [],
            expired: [],
          });
          first = false;
          next += resolution;
        }
        if (options.stop !== undefined && next > options.stop) finished = true;
        return out;
      },
    };
  };
  return Object.assign(factory, { calls });
}
