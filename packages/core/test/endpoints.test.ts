import { describe, expect, it } from 'vitest';
import { resolveEndpoints, resolveToken, ValidationError } from '../src/index.js';

describe('resolveEndpoints', () => {
  it('defaults to realm us0', () => {
    expect(resolveEndpoints({}, {})).toEqual({
      ingest: 'https://ingest.us0.signalfx.com',
      api: 'https://api.us0.signalfx.com',
      stream: 'https://stream.us0.signalfx.com',
    });
  });

  it('builds the three URLs of a realm', () => {
    expect(resolveEndpoints({ realm: 'EU0' }, {})).toEqual({
      ingest: 'https://ingest.eu0.signalfx.com',
      api: 'https://api.eu0.signalfx.com',
      stream: 'https://stream.eu0.signalfx.com',
    });
  });

  it('lets explicit URLs win and strips trailing slashes', () => {
    const endpoints = resolveEndpoints(
      { realm: 'us1', ingestUrl: 'http://127.0.0.1:9000/', apiUrl: 'http://127.0.0.1:9001/base/' },
      {},
    );
    expect(endpoints).toEqual({
      ingest: 'http://127.0.0.1:9000',
      api: 'http://127.0.0.1:9001/base',
      stream: 'https://stream.us1.signalfx.com',
    });
  });

  it('falls back to SFX_REALM and the SFX_*_URL variables when the caller passes nothing', () => {
    const env = { SFX_REALM: 'jp0', SFX_STREAM_URL: 'http://127.0.0.1:7000' };
    expect(resolveEndpoints({}, env)).toEqual({
      ingest: 'https://ingest.jp0.signalfx.com',
      api: 'https://api.jp0.signalfx.com',
      stream: 'http://127.0.0.1:7000',
    });
    expect(
      resolveEndpoints({}, { SFX_INGEST_URL: 'http://127.0.0.1:1', SFX_API_URL: 'http://127.0.0.1:2' }),
    ).toMatchObject({
      ingest: 'http://127.0.0.1:1',
      api: 'http://127.0.0.1:2',
    });
  });

  it('ignores the environment URLs when the caller names a realm', () => {
    expect(resolveEndpoints({ realm: 'us2' }, { SFX_INGEST_URL: 'http://127.0.0.1:1', SFX_REALM: 'eu0' }).ingest).toBe(
      'https://ingest.us2.signalfx.com',
    );
  });

  it.each([['us 0'], ['../x'], ['us0.evil.com'], ['-us0'], ['']])('rejects the malformed realm %j', (realm) => {
    if (realm === '') {
      expect(resolveEndpoints({ realm }, {}).ingest).toContain('us0');
      return;
    }
    expect(() => resolveEndpoints({ realm }, {})).toThrow(ValidationError);
  });

  it('rejects a malformed SFX_REALM naming the variable', () => {
    const error = (() => {
      try {
        resolveEndpoints({}, { SFX_REALM: 'bad realm' });
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error?.field).toBe('SFX_REALM');
  });

  it.each([['not a url'], ['ftp://127.0.0.1'], ['http://127.0.0.1/?q=1'], ['http://user:pw@127.0.0.1']])(
    'rejects the malformed URL %j',
    (url) => {
      expect(() => resolveEndpoints({ ingestUrl: url }, {})).toThrow(ValidationError);
    },
  );
});

describe('resolveToken', () => {
  it('prefers the explicit token, then SFX_TOKEN', () => {
    expect(resolveToken('abc', { SFX_TOKEN: 'env' })).toBe('abc');
    expect(resolveToken(undefined, { SFX_TOKEN: 'env' })).toBe('env');
  });

  it('throws ValidationError when there is none', () => {
    expect(() => resolveToken(undefined, {})).toThrow(ValidationError);
    expect(() => resolveToken('  ', {})).toThrow(/SFX_TOKEN/);
  });

  it('rejects a token with line breaks (header injection)', () => {
    expect(() => resolveToken('a\r\nx-evil: 1', {})).toThrow(ValidationError);
  });
});
