import type { ProgramErrorInfo } from '../engine/types.js';

const ERROR_TYPES = new Set<string>([
  'ANALYTICS_PROGRAM_SYNTAX_ERROR',
  'ANALYTICS_PROGRAM_NAME_ERROR',
  'ANALYTICS_PROGRAM_TYPE_ERROR',
  'ANALYTICS_PROGRAM_UNSUPPORTED',
  'ANALYTICS_INTERNAL_ERROR',
]);

/** The engine's `ProgramError` details, when `error` is one (checked by shape, not by class identity). */
export function programErrorInfo(error: unknown): ProgramErrorInfo | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const info = (error as { info?: unknown }).info;
  if (typeof info !== 'object' || info === null) return undefined;
  const candidate = info as Partial<ProgramErrorInfo>;
  if (typeof candidate.errorType !== 'string' || !ERROR_TYPES.has(candidate.errorType)) return undefined;
  return {
    errorType: candidate.errorType,
    message: typeof candidate.message === 'string' ? candidate.message : String(candidate.message),
    line: typeof candidate.line === 'number' ? candidate.line : 1,
    column: typeof candidate.column === 'number' ? candidate.column : 1,
    ...(typeof candidate.reference === 'string' ? { reference: candidate.reference } : {}),
  };
}
