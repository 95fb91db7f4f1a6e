// Streams a SignalFlow computation and prints each value with the metadata of its series.
import { SignalFx, type SignalFxOptions } from '@sfx/sdk';
import { runMain } from './run-main.js';

export interface StreamedValue {
  timestampMs: number;
  host: string | undefined;
  metric: string | undefined;
  value: number | null;
}

export async function streamComputation(
  program: string,
  execute: { start?: number; stop?: number; resolution?: number } = {},
  options: SignalFxOptions = {},
  token?: string,
  maxTimestamps = 10,
): Promise<StreamedValue[]> {
  const flow = new SignalFx(options).signalflow(token);
  const values: StreamedValue[] = [];
  const computation = flow.execute(program, execute);
  let timestamps = 0;
  try {
    for await (const message of computation) {
      if (message.type !== 'data') continue;
      for (const [tsId, value] of Object.entries(message.data)) {
        // Metadata arrives before the first value of a series; the computation keeps it by tsId.
        const properties = computation.getMetadata(tsId) ?? {};
        values.push({
          timestampMs: message.logicalTimestampMs,
          host: properties.host as string | undefined,
          metric: (properties.sf_originatingMetric ?? properties.sf_metric) as string | undefined,
          value,
        });
      }
      if (++timestamps >= maxTimestamps) break; // leaving the loop detaches from the computation
    }
  } finally {
    await computation.close();
    await flow.close();
  }
  return values;
}

runMain(import.meta.url, async () => {
  // The last five minutes, 10 s apart: with a stop in the past, the computation ends by itself.
  const stop = Math.floor(Date.now() / 10_000) * 10_000;
  const values = await streamComputation(
    "data('cpu.utilization').mean(by=['host']).publish()",
    { start: stop - 5 * 60_000, stop, resolution: 10_000 },
    {},
    undefined,
    31,
  );
  for (const v of values) console.log(new Date(v.timestampMs).toISOString(), v.host, v.metric, v.value);
});
