import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server saw it. */
export interface Recorded {
  method: string;
  /** The path exactly as sent, still percent-encoded. */
  rawPath: string;
  /** The query string exactly as sent, without `?`. */
  rawQuery: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The body parsed as JSON, or `undefined` when empty. */
  body: unknown;
}

export interface Reply {
  status?: number;
  /** Sent as JSON unless a string. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Answer only once this settles: a request left pending, e.g. to abort it mid-flight. */
  hold?: Promise<unknown>;
}

export type Handler = (request: Recorded) => Reply | undefined;

export interface Recorder {
  url: string;
  requests: Recorded[];
  /** Replaces the handler; unanswered requests get 200 `{}`. */
  handle(handler: Handler): void;
  close(): Promise<void>;
}

/** A loopback HTTP server that records every request and answers through a handler. */
export async function startRecorder(initial?: Handler): Promise<Recorder> {
  const requests: Recorded[] = [];
  let handler: Handler | undefined = initial;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = req.url ?? '/';
      const mark = target.indexOf('?');
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      if (rawBody !== '') {
        try {
          body = JSON.parse(rawBody);
        } catch {
          body = rawBody;
        }
      }
      const recorded: Recorded = {
        method: req.method ?? '',
        rawPath: mark === -1 ? target : target.slice(0, mark),
        rawQuery: mark === -1 ? '' : target.slice(mark + 1),
        query: new URLSearchParams(mark === -1 ? '' : target.slice(mark + 1)),
        headers: req.headers,
        rawBody,
        body,
      };
      requests.push(recorded);
      let reply: Reply | undefined;
      try {
        reply = handler?.(recorded);
      } catch (error) {
        reply = { status: 500, body: { message: String(error) } };
      }
      const status = reply?.status ?? 200;
      const payload = reply && 'body' in reply ? reply.body : status === 204 ? undefined : {};
      const text = payload === undefined ? '' : typeof payload === 'string' ? payload : JSON.stringify(payload);
      const answer = () => {
        if (res.destroyed) return;
        res.writeHead(status, {
          ...(text === '' ? {} : { 'content-type': 'application/json' }),
          ...reply?.headers,
        });
        res.end(text);
      };
      if (reply?.hold) reply.hold.then(answer, answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(next) {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** An envelope page of `total` numbered objects, honouring `offset` and `limit` (default 50). */
export function envelopePage(request: Recorded, total: number, make: (index: number) => object): Reply {
  const offset = Number(request.query.get('offset') ?? 0);
  const limit = Number(request.query.get('limit') ?? 50);
  const results = [];
  for (let i = offset; i < Math.min(total, offset + limit); i++) results.push(make(i));
  return { body: { count: total, results } };
}
