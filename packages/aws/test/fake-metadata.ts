import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';

/**
 * Network guard for every test that imports this module: a socket may connect only to loopback (or a local pipe).
 * Any other host, above all the link-local metadata addresses the code defaults to, fails at once, before a packet
 * leaves, and is recorded here so tests can see what the code tried.
 */
export const blockedHosts: string[] = [];
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  // net passes either its normalized [options, callback] array, or (options | port | path, ...) as given.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host: unknown;
  if (typeof first === 'number') host = typeof args[1] === 'string' ? args[1] : 'localhost';
  else if (typeof first === 'object' && first !== null && !('path' in first && first.path)) {
    host = (first as { host?: unknown }).host ?? 'localhost';
  }
  if (host !== undefined && !LOOPBACK_HOSTS.has(String(host))) {
    blockedHosts.push(String(host));
    throw new Error(`test network guard: connection to ${String(host)} refused (loopback only)`);
  }
  return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

export interface FakeMetadataConfig {
  /** How the EC2 part behaves. */
  ec2?: 'imdsv2-required' | 'imdsv1-only' | 'imdsv2-optional' | 'token-hangs' | 'absent';
  /** The identity document served (raw text), when EC2 is present. */
  identityDocument?: string;
  /** Task ARN served at `/task` (v3/v4) and `/v2/metadata`; `undefined` answers 404 there. */
  ecsTaskArn?: string;
  /** Status answered by `/v2/metadata` when no task ARN is set (the agent says 400 to non-tasks). */
  ecsV2Status?: number;
  /** Never answer anything (the socket stays open). */
  hang?: boolean;
  /** The IMDSv2 token handed out (default a well-formed one). */
  token?: string;
}

export const IDENTITY_DOCUMENT = JSON.stringify({
  accountId: '123456789012',
  instanceId: 'i-0123456789abcdef0',
  region: 'us-west-2',
  availabilityZone: 'us-west-2a',
});
export const EC2_ID = 'i-0123456789abcdef0_us-west-2_123456789012';
const TOKEN = 'AQAEAFake-token==';

export interface FakeMetadataServer {
  url: string;
  server: Server;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A loopback stand-in for IMDS and the ECS task metadata endpoints. */
export async function startFakeMetadata(config: FakeMetadataConfig): Promise<FakeMetadataServer> {
  const requests: RecordedRequest[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    req.resume();
    if (config.hang) {
      hanging.push(res);
      return;
    }
    const send = (status: number, body = ''): void => {
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    };
    const ec2 = config.ec2 ?? 'absent';
    const path = req.url ?? '';
    if (path === '/latest/api/token' && ec2 !== 'absent') {
      if (req.method !== 'PUT') return send(405);
      if (ec2 === 'imdsv1-only') return send(403);
      if (ec2 === 'token-hangs') {
        hanging.push(res);
        return;
      }
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21_600) return send(400);
      return send(200, config.token ?? TOKEN);
    }
    if (path === '/latest/dynamic/instance-identity/document' && ec2 !== 'absent') {
      if (req.method !== 'GET') return send(405);
      const token = req.headers['x-aws-ec2-metadata-token'];
      if (ec2 === 'imdsv2-required' && token !== TOKEN) return send(401);
      if (token !== undefined && token !== TOKEN) return send(401);
      return send(200, config.identityDocument ?? IDENTITY_DOCUMENT);
    }
    if (path.endsWith('/task') || path === '/v2/metadata') {
      if (config.ecsTaskArn) return send(200, JSON.stringify({ TaskARN: config.ecsTaskArn, Family: 'web' }));
      return send(path === '/v2/metadata' ? (config.ecsV2Status ?? 404) : 404);
    }
    send(404);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening on it. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
