export interface SleepOptions {
  /**
   * Whether the wait keeps the process alive. Default false: a background wait must not hold a finished
   * process open. A caller that awaits the result (a request between retries) passes true, or Node could
   * exit with that caller's promise still pending.
   */
  keepAlive?: boolean;
}

/**
 * Resolves after `ms`; rejects with the signal's reason when it aborts first.
 */
export function sleep(ms: number, signal?: AbortSignal, options: SleepOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (!options.keepAlive) timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
