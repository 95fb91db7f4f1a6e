export type { ProgramAst } from './ast.js';
export { startComputation } from './computation.js';
export { parseDuration } from './duration.js';
export { PROGRAM_ERROR_CODE, ProgramError } from './errors.js';
export { parseProgram } from './parser.js';
export * from './types.js';
