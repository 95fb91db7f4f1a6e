import { ValidationError } from '@sfx/core';
import { describe, expect, it } from 'vitest';
import { endpointsOf, timeoutOf, tokenOf } from '../src/context.js';
import { ExitCode, exitCodeFor, UsageError } from '../src/errors.js';
import { cleanEnv, runCli } from './helpers.js';

describe('token and endpoints', () => {
  it('takes the token from --token, else SFX_TOKEN, and says how to give one', () => {
    expect(tokenOf({ token: 'flag' }, { SFX_TOKEN: 'env' })).toBe('flag');
    expect(tokenOf({}, { SFX_TOKEN: ' env ' })).toBe('env');
    expect(() => tokenOf({ token: ' ' }, {})).toThrow(UsageError);
    expect(() => tokenOf({}, {})).toThrow('no token: pass --token or set SFX_TOKEN');
  });

  it('takes the realm or URLs from the flags, else from SFX_REALM and the URL variables', () => {
    expect(endpointsOf({}, {})).toEqual({
      ingest: 'https://ingest.us0.signalfx.com',
      api: 'https://api.us0.signalfx.com',
      stream: 'https://stream.us0.signalfx.com',
    });
    expect(endpointsOf({}, { SFX_REALM: 'eu0' }).api).toBe('https://api.eu0.signalfx.com');
    expect(endpointsOf({ realm: 'jp0' }, { SFX_REALM: 'eu0' }).api).toBe('https://api.jp0.signalfx.com');
    const env = { SFX_REALM: 'eu0', SFX_API_URL: 'http://127.0.0.1:1', SFX_STREAM_URL: 'http://127.0.0.1:2' };
    expect(endpointsOf({ streamUrl: 'http://127.0.0.1:3' }, env)).toEqual({
      ingest: 'https://ingest.eu0.signalfx.com',
      api: 'http://127.0.0.1:1',
      stream: 'http://127.0.0.1:3',
    });
  });

  it('rejects a malformed realm, URL or timeout as a usage error', () => {
    for (const bad of [() => endpointsOf({ realm: 'not a realm' }, {}), () => endpointsOf({ apiUrl: 'ftp://x' }, {})]) {
      expect(bad).toThrow(ValidationError);
      try {
        bad();
      } catch (error) {
        expect(exitCodeFor(error)).toBe(ExitCode.Usage);
      }
    }
    expect(timeoutOf({ timeout: '2s' })).toBe(2_000);
    expect(() => timeoutOf({ timeout: '0' })).toThrow('--timeout must be positive');
  });

  it('exits 2 with one line naming the realm when it is malformed', async () => {
    const result = await runCli(['metrics', 'search', 'cpu.*', '--realm', 'not a realm'], cleanEnv({ SFX_TOKEN: 't' }));
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toMatch(/^sfx: .*realm.*\(SFX_ERR_VALIDATION\)$/);
  });
});
