import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzip } from 'node:zlib';

/** A problem with a request, answered with `status` and a message saying what is wrong. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** Reads the whole body, refusing more than `limit` bytes (before and after gunzip). */
export async function readBody(
  request: IncomingMessage,
  limit: number,
  sizes?: { wireBytes: number },
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      request.resume();
      throw new RequestError(413, `request body larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks);
  if (sizes) sizes.wireBytes = raw.length;
  const encoding = String(request.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  if (encoding === '' || encoding === 'identity') return raw;
  if (encoding !== 'gzip') throw new RequestError(415, `unsupported Content-Encoding: ${encoding}`);
  return await new Promise<Buffer>((resolve, reject) => {
    gunzip(raw, { maxOutputLength: limit }, (error, result) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ERR_BUFFER_TOO_LARGE') {
        reject(new RequestError(413, `request body inflates to more than ${limit} bytes`));
      } else if (error) reject(new RequestError(400, `invalid gzip body: ${error.message}`));
      else resolve(result);
    });
  });
}

/** Parses a JSON body, with a 400 that says where it fails. */
export function parseJson(body: Buffer, what = 'body'): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') throw new RequestError(400, `${what} is empty; expected JSON`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RequestError(400, `${what} is not valid JSON: ${(error as Error).message}`);
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

export function sendEmpty(response: ServerResponse, status: number): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  response.writeHead(status, { 'content-length': 0 });
  response.end();
}

export function sendText(response: ServerResponse, status: number, text: string): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** The error body the REST API gives: `{ code, message }`. */
export function sendError(response: ServerResponse, status: number, message: string): void {
  sendJson(response, status, { code: status, message });
}

/** The value of a header, whatever its case (node lower-cases names already), joined if repeated. */
export function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(',') : value;
}

/** Media type of the Content-Type header, lower-cased, without parameters; '' when absent. */
export function mediaType(request: IncomingMessage): string {
  return (header(request, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}
