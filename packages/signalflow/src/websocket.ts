import { AuthError, ClosedError, ConnectionError, type Logger, proxyForUrl, redactUrl, TimeoutError } from '@sfx/core';
import WebSocket from 'ws';
import { decodeFrameInto, type JsonFrame } from './codec.js';
import { type Computation, type ComputationDriver, newComputation } from './computation.js';
import { type FrameDecodeError, UnsupportedFrameError } from './errors.js';
import type { AttachRequest, ClientRequest, ExecuteRequest, ServerMessage } from './messages.js';
import { ConnectProxyAgent } from './proxy-agent.js';
import { ReconnectBudget, type TransportSettings } from './reconnect.js';

export interface WebSocketTransportOptions extends TransportSettings {
  /** `ws:` or `wss:` URL of `/v2/signalflow/connect`. */
  url: string;
}

type StreamRequest = Omit<ExecuteRequest, 'channel'> | Omit<AttachRequest, 'channel'>;

interface ChannelEntry {
  computation: Computation;
  request: ExecuteRequest | AttachRequest;
  /** The connection generation the request was last sent on. */
  sentOn: number;
  cleanup: () => void;
}

interface OutboxEntry {
  text: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const MAX_FRAME_BYTES = 256 * 1024 * 1024;

/**
 * One multiplexed WebSocket: connects lazily, authenticates first, routes messages by channel,
 * reconnects with backoff and re-executes running computations from their last complete batch.
 */
export class WebSocketTransport implements ComputationDriver {
  readonly #options: WebSocketTransportOptions;
  readonly #logger: Logger;
  readonly #safeUrl: string;
  readonly #channels = new Map<string, ChannelEntry>();
  readonly #pausedBy = new Set<Computation>();
  #outbox: OutboxEntry[] = [];
  #socket: WebSocket | undefined;
  #generation = 0;
  #authenticated = false;
  #authFailure: string | undefined;
  #closed = false;
  #channelCounter = 0;
  readonly #reconnect: ReconnectBudget;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #authTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #lastTrafficAt = 0;

  constructor(options: WebSocketTransportOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.#safeUrl = redactUrl(options.url);
    this.#reconnect = new ReconnectBudget(options.reconnect);
  }

  /** Connected and authenticated right now. */
  get connected(): boolean {
    return this.#authenticated;
  }

  /** Starts streaming a computation (execute, preflight or attach) on a new channel. */
  open(request: StreamRequest, signal: AbortSignal | undefined): Computation {
    const channel = `ch-${(++this.#channelCounter).toString(36)}`;
    const { computation, cleanup } = newComputation(channel, this, {
      maxBufferedMessages: this.#options.maxBufferedMessages,
      logger: this.#logger,
      closed: this.#closed,
      signal,
    });
    if (cleanup === undefined) return computation;
    const entry: ChannelEntry = {
      computation,
      request: { ...request, channel } as ExecuteRequest | AttachRequest,
      sentOn: 0,
      cleanup,
    };
    this.#channels.set(channel, entry);
    if (this.#authenticated && this.#socket) this.#sendStream(entry);
    else this.#ensureConnected();
    return computation;
  }

  /** Sends a request that has no reply (stop, keepalive) once authenticated. */
  send(request: ClientRequest): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('the SignalFlow client is closed'));
    return new Promise<void>((resolve, reject) => {
      const entry = { text: JSON.stringify(request), resolve, reject };
      if (this.#authenticated && this.#socket) this.#write(entry);
      else {
        this.#outbox.push(entry);
        this.#ensureConnected();
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    for (const entry of [...this.#channels.values()]) {
      this.detach(entry.computation, 'Client closed.');
      entry.computation._complete('closed');
    }
    const outbox = this.#outbox;
    this.#outbox = [];
    for (const entry of outbox) entry.reject(new ClosedError('the SignalFlow client is closed'));
    const socket = this.#socket;
    if (socket === undefined) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.terminate();
        resolve();
      }, 1000);
      timer.unref();
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(1000, 'client closed');
    });
  }

  // ---- ComputationDriver ----

  pause(computation: Computation): void {
    this.#pausedBy.add(computation);
    if (this.#pausedBy.size === 1 && this.#authenticated) this.#socket?.pause();
  }

  resume(computation: Computation): void {
    if (!this.#pausedBy.delete(computation) || this.#pausedBy.size > 0) return;
    this.#lastTrafficAt = Date.now();
    this.#socket?.resume();
  }

  detach(computation: Computation, reason: string): void {
    const entry = this.#channels.get(computation.channel);
    if (entry?.computation !== computation) return;
    this.#forget(entry);
    if (this.#authenticated && this.#socket && entry.sentOn === this.#generation) {
      this.#socket.send(JSON.stringify({ type: 'detach', channel: computation.channel, reason }));
    }
  }

  release(computation: Computation): void {
    const entry = this.#channels.get(computation.channel);
    if (entry?.computation === computation) this.#forget(entry);
  }

  // ---- connection ----

  #forget(entry: ChannelEntry): void {
    this.#channels.delete(entry.computation.channel);
    entry.cleanup();
  }

  #ensureConnected(): void {
    if (this.#socket !== undefined || this.#reconnectTimer !== undefined || this.#closed) return;
    this.#connect();
  }

  #connect(): void {
    const options = this.#options;
    const generation = ++this.#generation;
    this.#authenticated = false;
    this.#authFailure = undefined;
    const url = new URL(options.url);
    let socket: WebSocket;
    try {
      const proxy = proxyForUrl(url, options.proxy);
      const agent = proxy
        ? new ConnectProxyAgent(proxy, {
            secureTarget: url.protocol === 'wss:',
            connectTimeoutMs: options.connectTimeoutMs,
          })
        : undefined;
      this.#logger.debug({ url: this.#safeUrl, proxy: proxy && redactUrl(proxy), generation }, 'SignalFlow connecting');
      socket = new WebSocket(options.url, {
        perMessageDeflate: false,
        handshakeTimeout: options.connectTimeoutMs,
        maxPayload: MAX_FRAME_BYTES,
        headers: { 'user-agent': options.userAgent },
        ...(agent ? { agent } : {}),
      });
    } catch (error) {
      // A malformed proxy URL: nothing to retry. Fail what waits instead of throwing out of execute().
      this.#failAll(new ConnectionError(`SignalFlow proxy unusable: ${(error as Error).message}`, { cause: error }));
      return;
    }
    this.#socket = socket;
    let failure: Error | undefined;
    socket.on('open', () => {
      this.#lastTrafficAt = Date.now();
      socket.send(JSON.stringify({ type: 'authenticate', token: options.token, userAgent: options.userAgent }));
    });
    socket.on('message', (data, isBinary) => this.#onMessage(socket, data as Buffer, isBinary));
    socket.on('error', (error) => {
      failure = error;
    });
    socket.on('close', (code, reason) => this.#onClose(socket, code, reason.toString('utf8'), failure));
    this.#authTimer = setTimeout(() => {
      if (this.#socket === socket && !this.#authenticated) {
        failure = new TimeoutError(`no SignalFlow authentication within ${options.connectTimeoutMs} ms`, {
          timeoutMs: options.connectTimeoutMs,
        });
        socket.terminate();
      }
    }, options.connectTimeoutMs * 2);
    this.#authTimer.unref();
  }

  #onAuthenticated(socket: WebSocket): void {
    clearTimeout(this.#authTimer);
    this.#authenticated = true;
    this.#reconnect.connected();
    this.#logger.debug({ generation: this.#generation, channels: this.#channels.size }, 'SignalFlow authenticated');
    for (const entry of this.#channels.values()) {
      if (entry.sentOn !== this.#generation) this.#sendStream(entry);
    }
    const outbox = this.#outbox;
    this.#outbox = [];
    for (const entry of outbox) this.#write(entry);
    if (this.#pausedBy.size > 0) socket.pause();
    this.#startIdleWatch(socket);
  }

  #sendStream(entry: ChannelEntry): void {
    const resumeFrom = entry.computation.lastLogicalTimestampMs;
    const request =
      entry.sentOn !== 0 && entry.request.type !== 'attach' && resumeFrom !== undefined
        ? { ...entry.request, start: resumeFrom }
        : entry.request;
    if (entry.sentOn !== 0) {
      this.#logger.info({ channel: entry.request.channel, resumeFrom }, 'SignalFlow resuming computation');
    }
    entry.sentOn = this.#generation;
    this.#socket!.send(JSON.stringify(request));
  }

  #write(entry: OutboxEntry): void {
    const socket = this.#socket!;
    // A socket in its closing handshake sends nothing more: the request waits for the next connection.
    if (socket.readyState !== WebSocket.OPEN) {
      this.#outbox.push(entry);
      return;
    }
    socket.send(entry.text, (error) => {
      if (!error) entry.resolve();
      else if (this.#closed) entry.reject(new ClosedError('the SignalFlow client is closed'));
      else {
        this.#outbox.push(entry);
        this.#ensureConnected();
      }
    });
  }

  #startIdleWatch(socket: WebSocket): void {
    clearInterval(this.#idleTimer);
    const limit = this.#options.idleTimeoutMs;
    this.#idleTimer = setInterval(
      () => {
        if (this.#socket !== socket || this.#pausedBy.size > 0) return;
        if (Date.now() - this.#lastTrafficAt > limit) {
          this.#logger.warn({ idleMs: Date.now() - this.#lastTrafficAt }, 'SignalFlow connection silent: reconnecting');
          socket.terminate();
        }
      },
      Math.max(10, Math.min(5000, Math.floor(limit / 4))),
    );
    this.#idleTimer.unref();
  }

  #onMessage(socket: WebSocket, data: Buffer, isBinary: boolean): void {
    if (socket !== this.#socket) return;
    this.#lastTrafficAt = Date.now();
    if (!isBinary) {
      let message: unknown;
      try {
        message = JSON.parse(data.toString('utf8'));
      } catch {
        this.#logger.warn({ bytes: data.length }, 'SignalFlow text frame is not JSON: skipped');
        return;
      }
      if (typeof message === 'object' && message !== null && !Array.isArray(message)) {
        this.#dispatch(socket, message as ServerMessage, undefined);
      } else {
        this.#logger.warn({ bytes: data.length }, 'SignalFlow text frame is not a JSON object: skipped');
      }
      return;
    }
    let frame: JsonFrame | undefined;
    try {
      frame = decodeFrameInto(data, this.#openData, this.#closeData);
    } catch (error) {
      const channel = (error as FrameDecodeError).channel;
      if (error instanceof UnsupportedFrameError) {
        this.#logger.warn({ channel, error: error.message }, 'SignalFlow frame skipped');
        return;
      }
      const entry = typeof channel === 'string' ? this.#channels.get(channel) : undefined;
      if (entry) entry.computation._failMalformed(error);
      else this.#logger.warn({ channel, error: (error as Error).message }, 'SignalFlow frame undecodable: skipped');
      return;
    }
    if (frame !== undefined)
      this.#dispatch(socket, frame.message as unknown as ServerMessage, frame.channel || undefined);
  }

  /** Routes one message; whatever goes wrong fails its channel and never leaves the socket handler. */
  #dispatch(socket: WebSocket, message: ServerMessage, frameChannel: string | undefined): void {
    try {
      this.#route(socket, message, frameChannel);
    } catch (error) {
      const channel = frameChannel ?? (typeof message.channel === 'string' ? message.channel : undefined);
      const entry = channel === undefined ? undefined : this.#channels.get(channel);
      this.#logger.warn({ channel, type: message.type, error: (error as Error)?.message }, 'SignalFlow message failed');
      entry?.computation._failMalformed(error);
    }
  }

  readonly #openData = (channel: string, timestamp: number, maxDelayMs: number | undefined) =>
    this.#channels.get(channel)?.computation._openData(timestamp, maxDelayMs);

  readonly #closeData = (channel: string): void => {
    this.#channels.get(channel)?.computation._closeData();
  };

  #route(socket: WebSocket, message: ServerMessage, frameChannel: string | undefined): void {
    const type = message.type;
    if (type === 'authenticated') {
      this.#onAuthenticated(socket);
      return;
    }
    if (type === 'control-message' && message.event === 'KEEP_ALIVE') return;
    const channel = frameChannel ?? (typeof message.channel === 'string' ? message.channel : undefined);
    if (channel === undefined || channel === '') {
      if (type === 'error' && !this.#authenticated) {
        this.#authFailure = typeof message.message === 'string' ? message.message : 'authentication failed';
        socket.close(1000);
      } else {
        this.#logger.debug({ type }, 'SignalFlow message without a channel ignored');
      }
      return;
    }
    const entry = this.#channels.get(channel);
    if (entry === undefined) {
      this.#logger.debug({ channel, type }, 'SignalFlow message for an unknown channel dropped');
      return;
    }
    entry.computation._receive(message);
  }

  #onClose(socket: WebSocket, code: number, reason: string, failure: Error | undefined): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    clearTimeout(this.#authTimer);
    clearInterval(this.#idleTimer);
    const wasAuthenticated = this.#authenticated;
    this.#authenticated = false;
    if (this.#closed) return;
    const refusedStatus = /Unexpected server response: (40[13])/.exec(failure?.message ?? '')?.[1];
    if (!wasAuthenticated && (this.#authFailure !== undefined || refusedStatus || code === 1008 || code === 4401)) {
      const detail = this.#authFailure ?? (reason || `close code ${code}`);
      this.#failAll(
        new AuthError(
          { status: Number(refusedStatus ?? 401), method: 'GET', url: this.#safeUrl },
          { message: `SignalFlow refused the token: ${detail}` },
        ),
      );
      return;
    }
    this.#logger.warn(
      { code, reason, error: failure?.message, channels: this.#channels.size },
      'SignalFlow connection closed',
    );
    if (this.#channels.size === 0 && this.#outbox.length === 0) return;
    for (const entry of this.#channels.values()) entry.computation._interrupted();
    const delay = this.#reconnect.nextDelay();
    if (delay === undefined) {
      const why = failure?.message ?? `close code ${code}${reason ? ` (${reason})` : ''}`;
      this.#failAll(new ConnectionError(`SignalFlow connection to ${this.#safeUrl} lost: ${why}`, { cause: failure }));
      return;
    }
    const attempt = this.#reconnect.attempts;
    this.#logger.info({ attempt, delayMs: delay }, 'SignalFlow reconnecting');
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (!this.#closed) this.#connect();
    }, delay);
  }

  #failAll(error: Error): void {
    for (const entry of [...this.#channels.values()]) {
      this.#forget(entry);
      entry.computation._fail(error);
    }
    const outbox = this.#outbox;
    this.#outbox = [];
    for (const entry of outbox) entry.reject(error);
  }
}
