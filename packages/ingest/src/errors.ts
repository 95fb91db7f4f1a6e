import { SfxError } from '@sfx/core';

export const IngestErrorCode = {
  QueueFull: 'SFX_ERR_QUEUE_FULL',
} as const;

/**
 * Datapoints did not fit the bounded queue. Thrown by `send()` under the `reject` overflow
 * policy (nothing of that call is queued); passed to `onError` when the `drop-oldest` or
 * `drop-newest` policy drops datapoints. `dropped` is how many.
 */
export class QueueFullError extends SfxError {
  readonly dropped: number;

  constructor(message: string, dropped: number) {
    super(IngestErrorCode.QueueFull, message);
    this.dropped = dropped;
  }
}
