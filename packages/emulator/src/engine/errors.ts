import { SfxError } from '@sfx/core';
import type { ProgramErrorInfo } from './types.js';

/** Error code of every `ProgramError`; the SignalFlow-level kind is in `info.errorType`. */
export const PROGRAM_ERROR_CODE = 'SFX_ERR_SIGNALFLOW_PROGRAM';

/**
 * A program that does not parse, names something unknown, passes a wrong argument, or uses what the engine lacks.
 * `info` carries what the protocol layer sends as a WebSocket `error` message (line and column are 1-based).
 */
export class ProgramError extends SfxError {
  readonly info: ProgramErrorInfo;

  constructor(info: ProgramErrorInfo, options?: { cause?: unknown }) {
    super(PROGRAM_ERROR_CODE, info.message, options);
    this.info = info;
  }
}

export interface SourcePosition {
  line: number;
  column: number;
}

export function syntaxError(message: string, pos: SourcePosition): ProgramError {
  return new ProgramError({
    errorType: 'ANALYTICS_PROGRAM_SYNTAX_ERROR',
    message: `Syntax error at line ${pos.line}, column ${pos.column}: ${message}`,
    line: pos.line,
    column: pos.column,
  });
}

export function nameError(name: string, pos: SourcePosition, what = 'name'): ProgramError {
  return new ProgramError({
    errorType: 'ANALYTICS_PROGRAM_NAME_ERROR',
    message: `Unknown ${what} '${name}' at line ${pos.line}, column ${pos.column}`,
    line: pos.line,
    column: pos.column,
    reference: name,
  });
}

export function typeError(message: string, pos: SourcePosition): ProgramError {
  return new ProgramError({
    errorType: 'ANALYTICS_PROGRAM_TYPE_ERROR',
    message: `${message} (line ${pos.line}, column ${pos.column})`,
    line: pos.line,
    column: pos.column,
  });
}

export function unsupportedError(what: string, pos: SourcePosition, reference?: string): ProgramError {
  return new ProgramError({
    errorType: 'ANALYTICS_PROGRAM_UNSUPPORTED',
    message: `${what} is not supported by the emulator (line ${pos.line}, column ${pos.column})`,
    line: pos.line,
    column: pos.column,
    ...(reference === undefined ? {} : { reference }),
  });
}
