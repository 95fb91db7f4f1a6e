import { encodeDataFrame, encodeJsonFrame } from '@sfx/signalflow';
import type { RawData, WebSocket } from 'ws';
import { type EmulatorContext, isApiToken } from '../context.js';
import {
  type ChannelMessage,
  type ChannelSink,
  type DataMessage,
  type JobRegistry,
  programErrorMessage,
} from './job.js';
import { ParameterError, readJobParameters } from './params.js';

const MAX_CHANNEL_BYTES = 16;
/** Unsent bytes on a socket above which jobs pause. */
const CONGESTION_BYTES = 8 * 1024 * 1024;
const MAX_REQUEST_BYTES = 1024 * 1024;

interface OpenChannel {
  sink: WebSocketSink;
  handle: string;
}

class WebSocketSink implements ChannelSink {
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    readonly channel: string,
    private readonly compress: boolean,
    private readonly version: 1 | 2 | 3,
    private readonly onClose: (sink: WebSocketSink) => void,
    readonly eventsOnly: boolean,
    private readonly jsonData: boolean,
  ) {}

  private write(payload: string | Uint8Array): undefined {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(payload);
  }

  send(message: ChannelMessage): undefined {
    const full = { ...message, channel: this.channel };
    if (this.compress) this.write(encodeJsonFrame(this.channel, full, { compress: true }));
    else this.write(JSON.stringify(full));
  }

  sendData(message: DataMessage): undefined {
    if (this.jsonData && !this.compress) {
      this.write(JSON.stringify({ type: 'data', channel: this.channel, ...message }));
      return;
    }
    this.write(
      encodeDataFrame(
        {
          channel: this.channel,
          logicalTimestampMs: message.logicalTimestampMs,
          maxDelayMs: message.maxDelayMs,
          data: message.data,
        },
        { version: this.version, compress: this.compress },
      ),
    );
  }

  close(): undefined {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
  }

  /** Marks the sink gone without calling back (the connection is closing). */
  abandon(): undefined {
    this.closed = true;
  }

  congested(): boolean {
    return this.socket.bufferedAmount > CONGESTION_BYTES;
  }
}

function isAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

/** One WebSocket connection speaking the SignalFlow protocol (signalflow.md §2–§4). */
export class SignalFlowConnection {
  private authenticated = false;
  private readonly channels = new Map<string, OpenChannel>();
  private readonly authTimer: NodeJS.Timeout;
  private keepAliveTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly context: EmulatorContext,
    private readonly jobs: JobRegistry,
    private readonly socket: WebSocket,
  ) {
    this.authTimer = setTimeout(() => {
      if (!this.authenticated) this.fail('Authentication timeout: send an authenticate message first', 1008);
    }, context.signalflow.authTimeoutMs);
    this.authTimer.unref();
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', () => this.onClose());
    socket.on('error', (error) => context.logger.debug({ err: error }, 'emulator: websocket error'));
  }

  private sendJson(message: Record<string, unknown>): undefined {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private error(message: string, status: number, channel?: string, errorType = 'REQUEST_ERROR'): undefined {
    this.sendJson({ type: 'error', ...(channel ? { channel } : {}), error: status, errorType, message });
  }

  private fail(message: string, closeCode: number): undefined {
    this.sendJson({ type: 'error', error: 401, errorType: 'AUTHENTICATION_ERROR', message });
    this.socket.close(closeCode, message.slice(0, 120));
  }

  private onMessage(data: RawData, isBinary: boolean): undefined {
    try {
      const size = Array.isArray(data) ? data.reduce((n, part) => n + part.length, 0) : (data as Buffer).byteLength;
      if (isBinary) return this.error('requests must be JSON text frames', 400);
      if (size > MAX_REQUEST_BYTES) return this.error(`request larger than ${MAX_REQUEST_BYTES} bytes`, 400);
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data as Buffer).toString('utf8');
      let request: unknown;
      try {
        request = JSON.parse(text);
      } catch (error) {
        return this.error(`request is not valid JSON: ${(error as Error).message}`, 400);
      }
      if (typeof request !== 'object' || request === null || Array.isArray(request)) {
        return this.error('request must be a JSON object with a type', 400);
      }
      this.handle(request as Record<string, unknown>);
    } catch (error) {
      this.context.logger.error({ err: error }, 'emulator: failed to handle a SignalFlow request');
      this.error(`internal error: ${error instanceof Error ? error.message : String(error)}`, 500);
    }
  }

  private handle(request: Record<string, unknown>): undefined {
    const type = request.type;
    const channel = typeof request.channel === 'string' ? request.channel : undefined;
    if (type === 'authenticate') return this.authenticate(request);
    if (!this.authenticated) return this.error('not authenticated: send an authenticate message first', 401, channel);
    switch (type) {
      case 'execute':
        return this.execute(request, false);
      case 'preflight':
        return this.execute(request, true);
      case 'start':
        return this.startBackground(request);
      case 'attach':
        return this.attach(request);
      case 'detach':
        return this.detach(request);
      case 'keepalive': {
        const handle = typeof request.handle === 'string' ? request.handle : '';
        this.jobs.get(handle)?.keepalive();
        return;
      }
      case 'stop': {
        const handle = typeof request.handle === 'string' ? request.handle : '';
        const reason = typeof request.reason === 'string' ? request.reason : 'Stopped by client request';
        if (!this.jobs.stop(handle, reason)) this.error(`unknown job handle ${JSON.stringify(handle)}`, 404, channel);
        return;
      }
      default:
        return this.error(`unknown request type ${JSON.stringify(type)}`, 400, channel);
    }
  }

  private authenticate(request: Record<string, unknown>): undefined {
    const token = typeof request.token === 'string' ? request.token : undefined;
    if (!isApiToken(this.context, token)) {
      // An invalid re-authentication also ends the jobs of this connection (signalflow.md §2).
      for (const open of this.channels.values()) this.jobs.stop(open.handle, 'Invalid auth token');
      this.fail('Invalid auth token', 1008);
      return;
    }
    clearTimeout(this.authTimer);
    this.authenticated = true;
    this.sendJson({
      type: 'authenticated',
      userId: this.context.metadata.userId,
      orgId: this.context.metadata.organizationId,
    });
    if (!this.keepAliveTimer) {
      this.keepAliveTimer = setInterval(
        () => this.sendJson({ type: 'control-message', event: 'KEEP_ALIVE', timestampMs: Date.now() }),
        this.context.signalflow.keepAliveIntervalMs,
      );
      this.keepAliveTimer.unref();
    }
  }

  /** Checks a request's channel: present, ASCII, at most 16 bytes, not in use. */
  private checkChannel(request: Record<string, unknown>): string | undefined {
    const channel = request.channel;
    if (typeof channel !== 'string' || channel === '') {
      this.error('channel is required', 400);
      return undefined;
    }
    if (!isAscii(channel) || channel.length > MAX_CHANNEL_BYTES) {
      this.error(`channel must be at most ${MAX_CHANNEL_BYTES} ASCII characters`, 400);
      return undefined;
    }
    if (this.channels.has(channel)) {
      this.error(`channel ${channel} is already in use on this connection`, 400, channel);
      return undefined;
    }
    return channel;
  }

  private newSink(channel: string, compress: boolean, eventsOnly: boolean): WebSocketSink {
    return new WebSocketSink(
      this.socket,
      channel,
      compress,
      this.context.signalflow.dataFrameVersion,
      (sink) => {
        if (this.channels.get(channel)?.sink === sink) this.channels.delete(channel);
      },
      eventsOnly,
      this.context.signalflow.jsonDataFrames,
    );
  }

  private execute(request: Record<string, unknown>, preflight: boolean): undefined {
    const channel = this.checkChannel(request);
    if (!channel) return;
    const program = request.program;
    if (typeof program !== 'string' || program.trim() === '') return this.error('program is required', 400, channel);
    let params: ReturnType<typeof readJobParameters>;
    try {
      params = readJobParameters(request, this.context.now());
      if (preflight && params.stop === undefined) throw new ParameterError('preflight requires start and stop');
    } catch (error) {
      if (error instanceof ParameterError) return this.error(error.message, 400, channel);
      throw error;
    }
    let job: ReturnType<JobRegistry['start']>;
    try {
      job = this.jobs.start(program, params);
    } catch (error) {
      this.sendJson({ ...programErrorMessage(error, program), channel });
      return;
    }
    const sink = this.newSink(channel, params.compress, preflight);
    this.channels.set(channel, { sink, handle: job.handle });
    job.attach(sink);
  }

  private startBackground(request: Record<string, unknown>): undefined {
    const program = request.program;
    if (typeof program !== 'string' || program.trim() === '') return this.error('program is required', 400);
    try {
      this.jobs.start(program, readJobParameters(request, this.context.now()));
    } catch (error) {
      if (error instanceof ParameterError) return this.error(error.message, 400);
      this.sendJson(programErrorMessage(error, program));
    }
  }

  private attach(request: Record<string, unknown>): undefined {
    const channel = this.checkChannel(request);
    if (!channel) return;
    const handle = typeof request.handle === 'string' ? request.handle : '';
    const job = this.jobs.get(handle);
    if (!job) return this.error(`unknown job handle ${JSON.stringify(handle)}`, 404, channel);
    const sink = this.newSink(channel, request.compress === true || request.compress === 'true', false);
    this.channels.set(channel, { sink, handle });
    job.attach(sink);
  }

  private detach(request: Record<string, unknown>): undefined {
    const channel = typeof request.channel === 'string' ? request.channel : '';
    const open = this.channels.get(channel);
    if (!open) return this.error(`channel ${JSON.stringify(channel)} is not open`, 400, channel || undefined);
    this.channels.delete(channel);
    const reason = typeof request.reason === 'string' ? request.reason : 'Detached by client request';
    const job = this.jobs.get(open.handle);
    if (job) job.detach(open.sink, reason);
  }

  private onClose(): undefined {
    clearTimeout(this.authTimer);
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    for (const open of this.channels.values()) {
      open.sink.abandon();
      this.jobs.get(open.handle)?.drop(open.sink);
    }
    this.channels.clear();
  }
}
