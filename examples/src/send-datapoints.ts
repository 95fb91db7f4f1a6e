// Sends gauges, counters and cumulative counters with dimensions, then waits until they are delivered.
// Run it: SFX_TOKEN=... node dist/send-datapoints.js (SFX_REALM or SFX_INGEST_URL pick the endpoint).
import { SignalFx, type SignalFxOptions } from '@sfx/sdk';
import { runMain } from './run-main.js';

export async function sendDatapoints(options: SignalFxOptions = {}, token?: string) {
  const sfx = new SignalFx(options);
  const ingest = sfx.ingest(token, { dimensions: { env: 'example' } }); // on every datapoint
  const now = Date.now();
  ingest.send({
    gauges: [
      { metric: 'cpu.utilization', value: 42.5, timestamp: now, dimensions: { host: 'web-1' } },
      { metric: 'cpu.utilization', value: 17, timestamp: now, dimensions: { host: 'web-2' } },
    ],
    counters: [{ metric: 'http.requests', value: 12, timestamp: now, dimensions: { host: 'web-1', route: '/login' } }],
    cumulativeCounters: [{ metric: 'bytes.sent', value: 1_048_576, timestamp: now, dimensions: { host: 'web-1' } }],
  });
  // send() only queues; flush() resolves once everything queued so far is delivered (or failed).
  const result = await ingest.flush();
  await ingest.close();
  return result; // { sent, failed, dropped }
}

runMain(import.meta.url, async () => {
  console.log(await sendDatapoints());
});
