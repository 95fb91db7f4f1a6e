import { HttpError, type HttpErrorDetails, type SfxErrorOptions } from '@sfx/core';

/** Error codes of `@sfx/rest`, besides those of `@sfx/core`. */
export const RestErrorCode = {
  BadRequest: 'SFX_ERR_BAD_REQUEST',
} as const;

/**
 * 400: the server rejected the request as invalid, e.g. a detector whose program does not compile.
 * `serverMessage` is the server's own explanation, read from the whole body, and is also the end of `message`.
 */
export class BadRequestError extends HttpError {
  readonly serverMessage: string | undefined;

  constructor(details: HttpErrorDetails & { serverMessage?: string | undefined }, options?: SfxErrorOptions) {
    const reason = details.serverMessage ?? details.body ?? 'no reason given';
    super(details, {
      ...options,
      code: RestErrorCode.BadRequest,
      message: `${details.method} ${details.url} was rejected with HTTP ${details.status}: ${reason}`,
    });
    this.serverMessage = details.serverMessage;
  }
}

/**
 * The human message in an error body. The API answers in several shapes: `{code, message}`,
 * `{error: {message}}`, `{type: "error", message}`, `{errors: [{message}]}` or a bare string.
 */
export function serverMessageOf(body: string): string | undefined {
  const text = body.trim();
  if (text === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  return messageIn(parsed, 0) ?? text;
}

function messageIn(value: unknown, depth: number): string | undefined {
  if (depth > 3 || value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (Array.isArray(value)) {
    const messages = value.map((item) => messageIn(item, depth + 1)).filter((m): m is string => m !== undefined);
    return messages.length > 0 ? messages.join('; ') : undefined;
  }
  if (typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  for (const key of ['message', 'error', 'errors', 'details', 'description']) {
    const found = messageIn(record[key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
