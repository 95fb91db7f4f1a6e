import { Agent, type AgentOptions } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { ConnectionError, redactUrl } from '@sfx/core';

export interface ConnectProxyAgentOptions extends AgentOptions {
  /** Whether the target speaks TLS (wss, https): the tunnel is then wrapped in TLS. */
  secureTarget: boolean;
  /** Time allowed for the proxy to answer CONNECT, ms. Default 10,000. */
  connectTimeoutMs?: number;
  /** Extra CA certificates for the target's TLS. */
  ca?: string | Buffer | Array<string | Buffer>;
}

type ConnectionCallback = (error: Error | null, socket?: Duplex) => void;

/**
 * An `http.Agent` that reaches every target through an HTTP CONNECT tunnel (RFC 9110 §9.3.6), for
 * `ws` and `node:http`, which have no proxy support of their own. The proxy URL may carry
 * `user:password` (sent as Basic `Proxy-Authorization`) and may itself be `https:`.
 */
export class ConnectProxyAgent extends Agent {
  readonly proxy: URL;
  readonly #secureTarget: boolean;
  readonly #timeoutMs: number;
  readonly #ca: ConnectProxyAgentOptions['ca'];

  constructor(proxyUrl: string, options: ConnectProxyAgentOptions) {
    super({ keepAlive: false, ...options });
    this.proxy = new URL(proxyUrl);
    this.#secureTarget = options.secureTarget;
    this.#timeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#ca = options.ca;
    // node:http checks the agent's protocol against the request's (https for wss targets).
    Object.assign(this, {
      protocol: this.#secureTarget ? 'https:' : 'http:',
      defaultPort: this.#secureTarget ? 443 : 80,
    });
  }

  override createConnection(
    options: { host?: string | null; hostname?: string | null; port?: number | string | null; servername?: string },
    callback: ConnectionCallback,
  ): Duplex | undefined {
    const host = (options.hostname ?? options.host ?? 'localhost').replace(/^\[|\]$/g, '');
    const port = Number(options.port ?? (this.#secureTarget ? 443 : 80));
    this.#tunnel(host, port, options.servername).then(
      (socket) => callback(null, socket),
      (error: Error) => callback(error),
    );
    return undefined;
  }

  #tunnel(host: string, port: number, servername: string | undefined): Promise<Duplex> {
    const proxy = this.proxy;
    const proxyPort = Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80));
    const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise<Duplex>((resolve, reject) => {
      const socket: Socket =
        proxy.protocol === 'https:'
          ? tlsConnect({ host: proxy.hostname, port: proxyPort, servername: proxy.hostname })
          : netConnect({ host: proxy.hostname.replace(/^\[|\]$/g, ''), port: proxyPort });
      const safeProxy = redactUrl(proxy);
      let received = Buffer.alloc(0);
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new ConnectionError(`proxy ${safeProxy} did not answer CONNECT within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
      timer.unref();
      socket.once('error', (cause) => fail(new ConnectionError(`proxy ${safeProxy}: ${cause.message}`, { cause })));
      socket.once('connect', () => {
        const headers = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
        if (proxy.username || proxy.password) {
          const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
          headers.push(`Proxy-Authorization: Basic ${Buffer.from(credentials).toString('base64')}`);
        }
        socket.write(`${headers.join('\r\n')}\r\n\r\n`);
      });
      const onData = (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) {
          if (received.length > 16_384) fail(new ConnectionError(`proxy ${safeProxy} sent an oversized response`));
          return;
        }
        socket.off('data', onData);
        clearTimeout(timer);
        const statusLine = received.subarray(0, received.indexOf('\r\n')).toString('latin1');
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
        if (status < 200 || status > 299) {
          fail(new ConnectionError(`proxy ${safeProxy} refused CONNECT ${authority}: ${statusLine}`));
          return;
        }
        socket.removeAllListeners('error');
        const rest = received.subarray(end + 4);
        if (rest.length > 0) socket.unshift(rest);
        if (!this.#secureTarget) {
          resolve(socket);
          return;
        }
        const secure = tlsConnect({ socket, servername: servername ?? host, ...(this.#ca ? { ca: this.#ca } : {}) });
        secure.once('secureConnect', () => resolve(secure));
        secure.once('error', (cause) =>
          reject(new ConnectionError(`TLS to ${authority} through proxy failed: ${cause.message}`, { cause })),
        );
      };
      socket.on('data', onData);
    });
  }
}
