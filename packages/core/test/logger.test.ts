import { describe, expect, it } from 'vitest';
import { normalizeLogger, silentLogger } from '../src/index.js';

describe('logger', () => {
  it('is silent by default', () => {
    expect(normalizeLogger(undefined)).toBe(silentLogger);
    expect(() => silentLogger.error('nothing')).not.toThrow();
  });

  it('fills in missing methods and keeps `this` for pino-like loggers', () => {
    const seen: unknown[] = [];
    const pinoLike = {
      prefix: 'p',
      warn(this: { prefix: string }, fields: object | string, message?: string) {
        seen.push([this.prefix, fields, message]);
      },
    };
    const logger = normalizeLogger(pinoLike);
    logger.warn({ status: 503 }, 'retrying');
    logger.debug('dropped');
    expect(seen).toEqual([['p', { status: 503 }, 'retrying']]);
  });
});
