import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Io } from '../src/context.js';
import { type FlowMessage, type FlowMessages, runFlowView } from '../src/flow-view.js';

/** A computation that yields `burst` at once, then waits until `finish()` is called. */
function scriptedComputation(burst: FlowMessage[]): FlowMessages & { finish(): void } {
  let finish = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    resolution: 10_000,
    finish: () => finish(),
    close: async () => finish(),
    async *[Symbol.asyncIterator]() {
      yield* burst;
      await finished;
    },
  };
}

function captureIo(): Io & { text(): string } {
  const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
  let text = '';
  stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stdout, stderr: new PassThrough(), env: {}, text: () => text };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the live view', () => {
  it('draws a burst of values that arrived within one redraw interval, without waiting for more data', async () => {
    vi.useFakeTimers();
    const computation = scriptedComputation([
      { type: 'metadata', tsId: 'A', properties: { sf_key: ['host'], sf_metric: 'cpu', host: 'a' } },
      { type: 'data', logicalTimestampMs: 10_000, data: { A: 1 } },
      { type: 'data', logicalTimestampMs: 20_000, data: { A: 2 } },
      { type: 'data', logicalTimestampMs: 30_000, data: { A: 3 } },
    ]);
    const io = captureIo();
    const view = runFlowView('data("cpu").publish()', computation, { output: 'live' }, io);
    await vi.advanceTimersByTimeAsync(0);
    expect(io.text()).not.toMatch(/cpu\s+a\s+3/); // the burst came within 250 ms of the first frame
    await vi.advanceTimersByTimeAsync(300);
    const frames = io.text().split('\x1b[J');
    expect(frames.at(-1)).toMatch(/cpu\s+a\s+3\s+▁▅█/);
    computation.finish();
    expect(await view).toMatchObject({ timestamps: 3, values: 3, series: 1, interrupted: false, ended: true });
    expect(vi.getTimerCount()).toBe(0); // no redraw left behind
  });
});
