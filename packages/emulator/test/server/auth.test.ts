import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/index.js';
import { RawClient } from '../helpers/ws-client.js';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ tokens: ['good-token'], signalflow: { authTimeoutMs: 2_000 } });
});
afterAll(() => emulator.close());

/** Every endpoint that needs a token, with a method it answers. `POST /v2/session` (login) is the only one without. */
const ENDPOINTS: Array<[string, string]> = [
  ['POST', '/v2/datapoint'],
  ['POST', '/v2/event'],
  ['GET', '/v2/metric'],
  ['GET', '/v2/metric/cpu'],
  ['PUT', '/v2/metric/cpu'],
  ['GET', '/v2/dimension'],
  ['GET', '/v2/dimension/host/a'],
  ['PUT', '/v2/dimension/host/a'],
  ['GET', '/v2/metrictimeseries'],
  ['GET', '/v2/metrictimeseries/AAAAAAAAAAA'],
  ['GET', '/v2/tag'],
  ['GET', '/v2/tag/t'],
  ['PUT', '/v2/tag/t'],
  ['DELETE', '/v2/tag/t'],
  ['GET', '/v2/organization'],
  ['DELETE', '/v2/session'],
  ['GET', '/v2/detector'],
  ['POST', '/v2/detector'],
  ['POST', '/v2/detector/validate'],
  ['GET', '/v2/detector/D1'],
  ['PUT', '/v2/detector/D1'],
  ['DELETE', '/v2/detector/D1'],
  ['PUT', '/v2/detector/D1/disable'],
  ['PUT', '/v2/detector/D1/enable'],
  ['GET', '/v2/detector/D1/events'],
  ['GET', '/v2/detector/D1/incidents'],
  ['GET', '/v2/incident'],
  ['GET', '/v2/incident/I1'],
  ['PUT', '/v2/incident/I1/clear'],
  ['POST', '/v2/signalflow/execute'],
  ['POST', '/v2/signalflow/preflight'],
  ['POST', '/v2/signalflow/start'],
  ['POST', '/v2/signalflow/H1/attach'],
  ['POST', '/v2/signalflow/H1/keepalive'],
  ['POST', '/v2/signalflow/H1/stop'],
];

const BAD_TOKENS: Array<[string, Record<string, string>]> = [
  ['no token', {}],
  ['an empty token', { 'X-SF-Token': '' }],
  ['a wrong token', { 'X-SF-Token': 'good-token2' }],
  ['a token in another header', { Authorization: 'Bearer good-token' }],
];

describe('every request checks the token', () => {
  it.each(ENDPOINTS)('%s %s answers 401 with a message without a valid token', async (method, path) => {
    for (const [, headers] of BAD_TOKENS) {
      const response = await fetch(`${emulator.apiUrl}${path}`, {
        method,
        headers: { 'Content-Type': 'application/json', ...headers },
        ...(method === 'GET' ? {} : { body: "data('cpu').publish()" }),
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ code: 401, message: expect.stringContaining('X-SF-Token') });
    }
  });

  it('the same endpoints do not answer 401 with the token', async () => {
    for (const [method, path] of ENDPOINTS) {
      const response = await fetch(`${emulator.apiUrl}${path}`, {
        method,
        headers: { 'Content-Type': 'application/json', 'X-SF-Token': 'good-token' },
        ...(method === 'GET' ? {} : { body: '{}' }),
        signal: AbortSignal.timeout(5_000),
      });
      expect(response.status, `${method} ${path}`).not.toBe(401);
      expect(response.status, `${method} ${path}`).toBeLessThan(500);
      await response.body?.cancel();
    }
  });

  it('a SignalFlow WebSocket refuses requests before authenticate, and closes on a bad token', async () => {
    const client = await RawClient.connect(emulator.streamUrl);
    try {
      client.send({ type: 'execute', channel: 'c', program: "data('cpu').publish()" });
      await client.waitFor((messages) => messages.some((m) => m.type === 'error'));
      expect(client.messages[0]).toMatchObject({ type: 'error', error: 401, channel: 'c' });
      client.send({ type: 'authenticate', token: 'wrong' });
      await client.waitFor(() => client.closeCode !== undefined);
      expect(client.messages.at(-1)).toMatchObject({ type: 'error', error: 401, errorType: 'AUTHENTICATION_ERROR' });
      expect(client.messages.some((m) => m.type === 'authenticated' || m.type === 'control-message')).toBe(false);
    } finally {
      client.close();
    }
  });
});
