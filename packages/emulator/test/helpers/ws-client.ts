import { decodeFrame } from '@sfx/signalflow';
import WebSocket from 'ws';

export type Message = Record<string, unknown>;

/** A raw SignalFlow WebSocket client for tests: records every message, decoded. */
export class RawClient {
  readonly messages: Message[] = [];
  readonly binaryFlags: number[] = [];
  closeCode: number | undefined;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const buffer = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
      if (isBinary) {
        this.binaryFlags.push(buffer[2]!);
        const frame = decodeFrame(new Uint8Array(buffer));
        this.messages.push(frame.type === 'json' ? { ...frame.message, binary: true } : { ...frame, binary: true });
      } else {
        this.messages.push(JSON.parse(buffer.toString('utf8')) as Message);
      }
      this.notify();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.notify();
    });
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  static async connect(streamUrl: string): Promise<RawClient> {
    const socket = new WebSocket(`${streamUrl.replace(/^http/, 'ws')}/v2/signalflow/connect`);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  send(request: Message): void {
    this.socket.send(JSON.stringify(request));
  }

  /** Waits until `predicate` holds over the messages so far (bounded by `timeoutMs`). */
  async waitFor(predicate: (messages: Message[]) => boolean, timeoutMs = 5_000): Promise<Message[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.messages)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(this.messages).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages;
  }

  async authenticate(token = 'dev-token'): Promise<void> {
    this.send({ type: 'authenticate', token });
    await this.waitFor((messages) => messages.some((m) => m.type === 'authenticated' || m.type === 'error'));
  }

  channel(name: string): Message[] {
    return this.messages.filter((m) => m.channel === name);
  }

  close(): void {
    this.socket.close();
  }
}

export const endOf = (channel: string) => (messages: Message[]) =>
  messages.some(
    (m) =>
      m.channel === channel &&
      ((m.type === 'control-message' && (m.event === 'END_OF_CHANNEL' || m.event === 'CHANNEL_ABORT')) ||
        m.type === 'error'),
  );
