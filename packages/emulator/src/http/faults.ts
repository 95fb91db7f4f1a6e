import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './util.js';

/** A failure to inject into the next matching HTTP requests, to test client retries and timeouts. */
export interface Fault {
  /** Path prefix it applies to, e.g. `/v2/datapoint`. Default: every HTTP request. */
  path?: string;
  /** Method it applies to, e.g. `POST`. Default: any. */
  method?: string;
  /** Answer with this status instead of handling the request, e.g. 429 or 503. */
  status?: number;
  /** `Retry-After` header of that answer, in seconds. */
  retryAfterSeconds?: number;
  /** `Throttle-Type` header of that answer (the service's 429 carries one). */
  throttleType?: string;
  /** Wait this long first: before the failure answer, or before handling the request when no `status` is given. */
  delayMs?: number;
  /** How many matching requests it applies to. Default 1. */
  times?: number;
}

const MAX_DELAY_MS = 600_000;

export class FaultInjector {
  private faults: Array<Fault & { left: number }> = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  add(fault: Fault): void {
    const times = fault.times === undefined ? 1 : Math.max(0, Math.floor(fault.times));
    if (times > 0) this.faults.push({ ...fault, left: times });
  }

  clear(): void {
    this.faults = [];
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Takes the first fault matching the request, if any. */
  private take(request: IncomingMessage): Fault | undefined {
    const path = (request.url ?? '/').split('?')[0]!;
    const index = this.faults.findIndex(
      (fault) =>
        (fault.path === undefined || path.startsWith(fault.path)) &&
        (fault.method === undefined || fault.method.toUpperCase() === request.method),
    );
    if (index === -1) return undefined;
    const fault = this.faults[index]!;
    fault.left--;
    if (fault.left <= 0) this.faults.splice(index, 1);
    return fault;
  }

  /**
   * Applies a matching fault. Returns true when it answered the request itself; otherwise calls `proceed`
   * (now, or after the fault's delay).
   */
  apply(request: IncomingMessage, response: ServerResponse, proceed: () => void): void {
    const fault = this.faults.length === 0 ? undefined : this.take(request);
    if (!fault) {
      proceed();
      return;
    }
    const act = () => {
      if (fault.status === undefined) {
        proceed();
        return;
      }
      request.resume();
      if (fault.retryAfterSeconds !== undefined) response.setHeader('retry-after', String(fault.retryAfterSeconds));
      if (fault.throttleType !== undefined) response.setHeader('throttle-type', fault.throttleType);
      sendJson(response, fault.status, { code: fault.status, message: `injected failure ${fault.status}` });
    };
    const delay = Math.min(Math.max(0, fault.delayMs ?? 0), MAX_DELAY_MS);
    if (delay === 0) {
      act();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!response.destroyed) act();
    }, delay);
    this.timers.add(timer);
  }
}
