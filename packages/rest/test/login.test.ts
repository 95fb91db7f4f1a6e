import { AuthError, HttpError, ValidationError } from '@sfx/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LoginOptions, RestClient } from '../src/index.js';
import { type Recorder, startRecorder } from './recorder.js';

const PASSWORD = 'correct horse battery staple';
const SESSION_TOKEN = 'session-token-from-login';

describe('RestClient.login', () => {
  let server: Recorder;

  beforeAll(async () => {
    server = await startRecorder((req) => {
      if (req.method === 'POST' && req.rawPath === '/v2/session') {
        const body = req.body as { email?: string; password?: string };
        if (body.email === 'ada@example.com' && body.password === PASSWORD) {
          return {
            body: {
              accessToken: SESSION_TOKEN,
              sessionType: 'ORG_USER',
              email: body.email,
              organizationId: 'ORG',
              expiryMs: 1,
              somethingNew: 42,
            },
          };
        }
        // A careless server echoing the password back.
        return { status: 401, body: { type: 'error', status: 401, message: `bad credentials for ${body.password}` } };
      }
      if (req.headers['x-sf-token'] !== SESSION_TOKEN) return { status: 401, body: { message: 'unknown token' } };
      return { body: { id: 'ORG', organizationName: 'Acme' } };
    });
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.requests.length = 0;
  });

  it('returns a session token that a client can use', async () => {
    const session = await RestClient.login({
      email: 'ada@example.com',
      password: PASSWORD,
      organizationId: 'ORG',
      endpoint: server.url,
    });
    expect(session.accessToken).toBe(SESSION_TOKEN);
    expect(session.somethingNew).toBe(42);
    const login = server.requests[0]!;
    expect(login.method).toBe('POST');
    expect(login.rawPath).toBe('/v2/session');
    expect(login.headers['x-sf-token']).toBeUndefined();
    expect(login.headers['content-type']).toBe('application/json');
    expect(login.body).toEqual({ email: 'ada@example.com', password: PASSWORD, organizationId: 'ORG' });

    const rest = new RestClient({ token: session.accessToken, endpoint: server.url });
    try {
      await expect(rest.organization.get()).resolves.toEqual({ id: 'ORG', organizationName: 'Acme' });
      expect(server.requests[1]!.headers['x-sf-token']).toBe(SESSION_TOKEN);
    } finally {
      await rest.close();
    }
  });

  it('rejects bad credentials with AuthError, once, without the password', async () => {
    const error = await RestClient.login({
      email: 'ada@example.com',
      password: PASSWORD.toUpperCase(),
      endpoint: server.url,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    const auth = error as AuthError;
    expect(auth.status).toBe(401);
    expect(auth.message).not.toContain(PASSWORD.toUpperCase());
    expect(auth.body).not.toContain(PASSWORD.toUpperCase());
    expect(auth.message).toContain('bad credentials');
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a login that failed on the server', async () => {
    const flaky = await startRecorder((req) => ({ status: 503, body: { message: `down, ${req.rawBody}` } }));
    try {
      const error = (await RestClient.login({
        email: 'a@b.c',
        password: PASSWORD,
        endpoint: flaky.url,
        retry: { initialDelayMs: 1 },
      }).catch((e: unknown) => e)) as HttpError;
      expect(error).toBeInstanceOf(HttpError);
      expect(error.status).toBe(503);
      expect(error.message).toContain('down');
      expect(`${error.message} ${error.body}`).not.toContain(PASSWORD);
      expect(flaky.requests).toHaveLength(1);
    } finally {
      await flaky.close();
    }
  });

  it('keeps the password out of the log lines of a failed login', async () => {
    const flaky = await startRecorder((req) => ({ status: 503, body: { message: `down, ${req.rawBody}` } }));
    const lines: string[] = [];
    const logger = {
      debug: (fields: object | string, message?: string) => lines.push(JSON.stringify([fields, message])),
    };
    try {
      await expect(
        RestClient.login({ email: 'a@b.c', password: PASSWORD, endpoint: flaky.url, logger }),
      ).rejects.toBeInstanceOf(HttpError);
      await expect(
        RestClient.login({ email: 'a@b.c', password: PASSWORD, endpoint: server.url, logger }),
      ).rejects.toBeInstanceOf(AuthError);
    } finally {
      await flaky.close();
    }
    // One line per failed request: core's for the 503, ours for the 401 it hands back.
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('HTTP 503');
    expect(lines[1]).toContain('HTTP 401');
    expect(lines.join('\n')).not.toContain(PASSWORD);
  });

  it('reports a login answer without an accessToken as a bad response', async () => {
    const odd = await startRecorder(() => ({ body: { sessionType: 'ORG_USER' } }));
    try {
      const error = await RestClient.login({ email: 'a@b.c', password: PASSWORD, endpoint: odd.url }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).message).toMatch(/POST .*\/v2\/session returned a body that is not a session/);
    } finally {
      await odd.close();
    }
  });

  it('checks its arguments before sending', async () => {
    await expect(RestClient.login(undefined as unknown as LoginOptions)).rejects.toMatchObject({ field: 'options' });
    await expect(RestClient.login({ email: '', password: 'x', endpoint: server.url })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(RestClient.login({ email: 'a@b.c', password: '', endpoint: server.url })).rejects.toMatchObject({
      field: 'password',
    });
    await expect(RestClient.login({ email: 'a@b.c', password: 'x', realm: 'not a realm' })).rejects.toMatchObject({
      field: 'realm',
    });
    expect(server.requests).toHaveLength(0);
  });
});
