import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Metadata documents are small; anything larger is not one. */
const MAX_BODY_BYTES = 64 * 1024;

export interface MetadataResponse {
  status: number;
  body: string;
}

export interface MetadataRequest {
  method: 'GET' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * One request straight to a metadata endpoint with node:http: no proxy (link-local addresses must
 * never go through one), no keep-alive, no retries, and a hard deadline covering connect, headers and body.
 */
export function metadataRequest(options: MetadataRequest): Promise<MetadataResponse> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let req: ClientRequest | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (error: Error | undefined, response?: MetadataResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) {
        req?.destroy();
        reject(error);
      } else {
        resolve(response as MetadataResponse);
      }
    };
    const onAbort = (): void => finish(new Error('aborted'));
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    // Everything that can throw (a malformed URL, a refused header, a socket that cannot open) ends in `finish`:
    // no timer or listener is left behind.
    try {
      const url = new URL(options.url);
      const send = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined;
      if (!send) throw new Error(`unsupported protocol ${url.protocol}`);
      timer = setTimeout(() => finish(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      req = send(url, { method: options.method, headers: options.headers, agent: false });
      req.on('error', (error) => finish(error));
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            finish(new Error(`response larger than ${MAX_BODY_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (error) => finish(error));
        res.on('end', () =>
          finish(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      });
      req.end();
    } catch (error) {
      finish(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
