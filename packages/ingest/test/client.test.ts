import { afterEach, describe, expect, it } from 'vitest';
import { IngestClient } from '../src/index.js';
import { type Sink, startSink } from './helpers/sink.js';

let sink: Sink;
afterEach(async () => {
  await sink?.close();
});

describe('IngestClient smoke', () => {
  it('sends gauges', async () => {
    sink = await startSink();
    const client = new IngestClient({ token: 't', endpoint: sink.url, flushOnExit: false });
    client.send({ gauges: [{ metric: 'a', value: 1, dimensions: { host: 'h' } }] });
    const r = await client.close();
    expect(r).toEqual({ sent: 1, failed: 0, dropped: 0 });
    expect(sink.datapoints()).toHaveLength(1);
    console.log(sink.datapoints(), sink.received[0]?.headers);
  });
});
