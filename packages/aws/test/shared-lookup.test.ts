import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { clearAwsUniqueIdCache, getAwsUniqueId } from '../src/index.js';
import { EC2_ID, type FakeMetadataServer, IDENTITY_DOCUMENT, startFakeMetadata } from './fake-metadata.js';

/** IMDS on loopback whose identity document is held back until `release()`. */
async function heldImds() {
  const held: ServerResponse[] = [];
  let released = false;
  const server = createServer((req, res) => {
    req.resume();
    if (req.url === '/latest/api/token') return void res.writeHead(200).end('held-token');
    if (req.url === '/latest/dynamic/instance-identity/document') {
      if (released) return void res.writeHead(200).end(IDENTITY_DOCUMENT);
      held.push(res);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    release() {
      released = true;
      for (const res of held.splice(0)) if (!res.destroyed) res.writeHead(200).end(IDENTITY_DOCUMENT);
    },
    heldCount: () => held.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  clearAwsUniqueIdCache();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

describe('concurrent lookups with the same options', () => {
  it("one caller's abort does not end another caller's lookup, and the aborting caller is answered at once", async () => {
    const imds = await heldImds();
    const ecs: FakeMetadataServer = await startFakeMetadata({ ecsV2Status: 400 });
    cleanups.push(imds.close, ecs.close);
    const options = { ec2Endpoint: imds.url, ecsV2Endpoint: ecs.url, timeoutMs: 5000 };

    const patient = getAwsUniqueId(options);
    const controller = new AbortController();
    const hasty = getAwsUniqueId({ ...options, signal: controller.signal });
    await waitUntil(() => imds.heldCount() > 0);
    controller.abort();
    // The aborting caller is answered before the document is released.
    expect(await hasty).toBeUndefined();

    imds.release();
    expect(await patient).toBe(EC2_ID);
    expect(await getAwsUniqueId(options)).toBe(EC2_ID);
  });

  it('a caller joining an unsignalled lookup can still abort its own wait', async () => {
    const imds = await heldImds();
    const ecs: FakeMetadataServer = await startFakeMetadata({ ecsV2Status: 400 });
    cleanups.push(imds.close, ecs.close);
    const options = { ec2Endpoint: imds.url, ecsV2Endpoint: ecs.url, timeoutMs: 5000 };

    const first = getAwsUniqueId(options);
    await waitUntil(() => imds.heldCount() > 0);
    const controller = new AbortController();
    const second = getAwsUniqueId({ ...options, signal: controller.signal });
    controller.abort();
    expect(await second).toBeUndefined();

    imds.release();
    expect(await first).toBe(EC2_ID);
  });
});
