import { describe, expect, it } from 'vitest';
import {
  AbortError,
  AuthError,
  ConnectionError,
  ErrorCode,
  HttpError,
  isSfxError,
  NotFoundError,
  RateLimitError,
  redact,
  redactUrl,
  SfxError,
  TimeoutError,
  ValidationError,
} from '../src/index.js';

describe('errors', () => {
  const details = { status: 429, method: 'GET', url: 'https://api.us0.signalfx.com/v2/x' };

  it('give every class a stable code, a name and the SfxError base', () => {
    const cases: Array<[SfxError, string, string]> = [
      [new HttpError({ ...details, status: 500 }), ErrorCode.Http, 'HttpError'],
      [new AuthError({ ...details, status: 401 }), ErrorCode.Auth, 'AuthError'],
      [new RateLimitError({ ...details, retryAfterMs: 5 }), ErrorCode.RateLimit, 'RateLimitError'],
      [new NotFoundError({ ...details, status: 404 }), ErrorCode.NotFound, 'NotFoundError'],
      [new TimeoutError('t'), ErrorCode.Timeout, 'TimeoutError'],
      [new ConnectionError('c'), ErrorCode.Connection, 'ConnectionError'],
      [new ValidationError('v', { field: 'x' }), ErrorCode.Validation, 'ValidationError'],
      [new AbortError('a'), ErrorCode.Aborted, 'AbortError'],
    ];
    for (const [error, code, name] of cases) {
      expect(error).toBeInstanceOf(SfxError);
      expect(error).toBeInstanceOf(Error);
      expect(isSfxError(error)).toBe(true);
      expect(error.code).toBe(code);
      expect(error.name).toBe(name);
    }
    expect(new AuthError({ ...details, status: 401 })).toBeInstanceOf(HttpError);
    expect(new AuthError({ ...details, status: 401 })).not.toBeInstanceOf(NotFoundError);
    expect(isSfxError(new Error('plain'))).toBe(false);
  });

  it('keep the underlying error in cause', () => {
    const cause = new Error('socket hang up');
    expect(new ConnectionError('failed', { cause }).cause).toBe(cause);
  });

  it('match instanceof across a duplicate copy of the classes', async () => {
    // The built copy is a second module instance, as when two versions of @sfx/core are installed side by side.
    const builtUrl = new URL('../dist/errors.js', import.meta.url).href;
    const copy = (await import(/* @vite-ignore */ builtUrl)) as typeof import('../src/errors.js');
    expect(copy.AuthError).not.toBe(AuthError);
    const foreign = new copy.AuthError({ ...details, status: 403 });
    expect(foreign).toBeInstanceOf(AuthError);
    expect(foreign).toBeInstanceOf(HttpError);
    expect(foreign).toBeInstanceOf(SfxError);
    expect(foreign).not.toBeInstanceOf(NotFoundError);
    expect(isSfxError(foreign)).toBe(true);
  });

  it('redact secrets from text and URLs', () => {
    expect(redact('a sekret1 b sekret1', ['sekret1'])).toBe('a [REDACTED] b [REDACTED]');
    expect(redact('abc', [undefined, ''])).toBe('abc');
    expect(redactUrl('https://u:p@h.example/x?token=abc&q=1')).toBe('https://h.example/x?token=[REDACTED]&q=1');
  });
});
