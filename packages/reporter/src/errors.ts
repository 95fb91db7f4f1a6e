import { SfxError } from '@sfx/core';

export const ReporterErrorCode = {
  /** A metric or source could not be read, or its points were refused by the ingest client. */
  Report: 'SFX_ERR_REPORT',
} as const;

/**
 * A failure inside one report: a gauge callback or a source that threw, or datapoints the ingest client refused.
 * The report goes on without them; the error goes to `onError` and the logger. The original error is in `cause`.
 */
export class ReportError extends SfxError {
  /** The metric concerned, when there is one. */
  readonly metric: string | undefined;

  constructor(message: string, options?: { cause?: unknown; metric?: string }) {
    super(ReporterErrorCode.Report, message, options);
    this.metric = options?.metric;
  }
}
