import { type SourcePosition, syntaxError } from './errors.js';

export type TokenType =
  | 'name'
  | 'keyword'
  | 'int'
  | 'float'
  | 'string'
  | 'op'
  | 'newline'
  | 'indent'
  | 'dedent'
  | 'eof';

export interface Token {
  type: TokenType;
  /** Identifier, keyword or operator text; the decoded value for strings; the source text for numbers. */
  value: string;
  line: number;
  column: number;
}

export const KEYWORDS = new Set([
  'def',
  'return',
  'raise',
  'from',
  'import',
  'as',
  'global',
  'nonlocal',
  'assert',
  'if',
  'elif',
  'else',
  'while',
  'for',
  'in',
  'try',
  'finally',
  'with',
  'except',
  'lambda',
  'or',
  'and',
  'not',
  'is',
  'None',
  'True',
  'False',
  'class',
  'yield',
  'del',
  'pass',
  'continue',
  'break',
]);

/** Longest operators first so that '**' wins over '*'. */
const OPERATORS = [
  '...',
  '**',
  '<<',
  '>>',
  '<=',
  '>=',
  '==',
  '!=',
  '<>',
  '->',
  '+',
  '-',
  '*',
  '/',
  '~',
  '|',
  '^',
  '&',
  '<',
  '>',
  '=',
  ',',
  ':',
  ';',
  '.',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '@',
];

const SIMPLE_ESCAPES: Record<string, string> = {
  b: '\b',
  t: '\t',
  n: '\n',
  f: '\f',
  r: '\r',
  '"': '"',
  "'": "'",
  '\\': '\\',
};

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isIdStart = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_');
const isIdPart = (c: string | undefined): boolean => isIdStart(c) || isDigit(c);

/**
 * Turns program text into tokens, Python style: NEWLINE ends a statement except inside brackets, INDENT/DEDENT
 * follow the leading whitespace of logical lines, blank and comment-only lines vanish.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const indents = [0];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let depth = 0;
  let atLineStart = true;
  const pos = (at: number): SourcePosition => ({ line, column: at - lineStart + 1 });
  const push = (type: TokenType, value: string, at: number): void => {
    tokens.push({ type, value, line, column: at - lineStart + 1 });
  };
  const newLine = (): void => {
    line += 1;
    lineStart = i;
  };

  while (i < text.length) {
    if (atLineStart && depth === 0) {
      // Measure the indentation of a logical line; blank and comment-only lines do not count.
      let width = 0;
      let j = i;
      for (; j < text.length; j += 1) {
        const c = text[j];
        if (c === ' ') width += 1;
        else if (c === '\t') width = (Math.floor(width / 8) + 1) * 8;
        else if (c === '\f') width = 0;
        else break;
      }
      const next = text[j];
      if (next === undefined || next === '\n' || next === '\r' || next === '#') {
        i = j;
        while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i += 1;
        if (i < text.length) {
          i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
          newLine();
        }
        continue;
      }
      if (next === '\\' && (text[j + 1] === '\n' || text[j + 1] === '\r')) {
        // A continuation right at the start of a line: keep measuring on the next physical line.
        i = j + (text[j + 1] === '\r' && text[j + 2] === '\n' ? 3 : 2);
        newLine();
        continue;
      }
      i = j;
      atLineStart = false;
      const current = indents[indents.length - 1] as number;
      if (width > current) {
        indents.push(width);
        push('indent', '', i);
      } else if (width < current) {
        while (width < (indents[indents.length - 1] as number)) {
          indents.pop();
          push('dedent', '', i);
        }
        if (width !== indents[indents.length - 1]) throw syntaxError('unindent does not match any outer level', pos(i));
      }
      continue;
    }

    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\f') {
      i += 1;
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i += 1;
      continue;
    }
    if (c === '\\' && (text[i + 1] === '\n' || text[i + 1] === '\r')) {
      i += text[i + 1] === '\r' && text[i + 2] === '\n' ? 3 : 2;
      newLine();
      continue;
    }
    if (c === '\n' || c === '\r') {
      if (depth === 0) push('newline', '', i);
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      newLine();
      if (depth === 0) atLineStart = true;
      continue;
    }
    if (isIdStart(c)) {
      const start = i;
      while (isIdPart(text[i])) i += 1;
      const word = text.slice(start, i);
      push(KEYWORDS.has(word) ? 'keyword' : 'name', word, start);
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(text[i + 1]))) {
      i = readNumber(text, i, tokens, line, lineStart);
      continue;
    }
    if (c === "'" || c === '"') {
      i = readString(text, i, tokens, line, lineStart);
      continue;
    }
    const op = OPERATORS.find((candidate) => text.startsWith(candidate, i));
    if (op === undefined) throw syntaxError(`unexpected character '${c}'`, pos(i));
    if (op === '(' || op === '[' || op === '{') depth += 1;
    else if (op === ')' || op === ']' || op === '}') {
      if (depth === 0) throw syntaxError(`unmatched '${op}'`, pos(i));
      depth -= 1;
    }
    push('op', op, i);
    i += op.length;
  }
  if (depth > 0) throw syntaxError('unexpected end of program: a bracket is not closed', pos(i));
  const last = tokens[tokens.length - 1];
  if (last !== undefined && last.type !== 'newline' && last.type !== 'dedent') push('newline', '', i);
  while (indents.length > 1) {
    indents.pop();
    push('dedent', '', i);
  }
  push('eof', '', i);
  return tokens;
}

function readNumber(text: string, start: number, tokens: Token[], line: number, lineStart: number): number {
  let i = start;
  let isFloat = false;
  while (isDigit(text[i])) i += 1;
  // '5.' is not a literal: a dot makes a float only when digits follow it.
  if (text[i] === '.' && isDigit(text[i + 1])) {
    isFloat = true;
    i += 1;
    while (isDigit(text[i])) i += 1;
  }
  if (text[i] === 'e' || text[i] === 'E') {
    const signed = text[i + 1] === '+' || text[i + 1] === '-';
    if (isDigit(text[i + (signed ? 2 : 1)])) {
      isFloat = true;
      i += signed ? 2 : 1;
      while (isDigit(text[i])) i += 1;
    }
  }
  if (isIdStart(text[i])) {
    throw syntaxError(`invalid number '${text.slice(start, i + 1)}'`, { line, column: start - lineStart + 1 });
  }
  tokens.push({ type: isFloat ? 'float' : 'int', value: text.slice(start, i), line, column: start - lineStart + 1 });
  return i;
}

function readString(text: string, start: number, tokens: Token[], line: number, lineStart: number): number {
  const quote = text[start];
  let i = start + 1;
  let value = '';
  for (;;) {
    const c = text[i];
    if (c === undefined || c === '\n' || c === '\r') {
      throw syntaxError('string literal is not terminated on its line', { line, column: start - lineStart + 1 });
    }
    if (c === quote) break;
    if (c === '\\') {
      const e = text[i + 1];
      if (e !== undefined && SIMPLE_ESCAPES[e] !== undefined) {
        value += SIMPLE_ESCAPES[e];
        i += 2;
        continue;
      }
      if (e !== undefined && e >= '0' && e <= '7') {
        let j = i + 1;
        let digits = '';
        while (digits.length < 3 && text[j] !== undefined && (text[j] as string) >= '0' && (text[j] as string) <= '7') {
          digits += text[j];
          j += 1;
        }
        value += String.fromCharCode(Number.parseInt(digits, 8));
        i = j;
        continue;
      }
      throw syntaxError(`invalid escape '\\${e ?? ''}' in string`, { line, column: i - lineStart + 1 });
    }
    value += c;
    i += 1;
  }
  tokens.push({ type: 'string', value, line, column: start - lineStart + 1 });
  return i + 1;
}
