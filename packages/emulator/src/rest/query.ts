import { RequestError } from '../http/util.js';

/**
 * The search-query subset of the metadata endpoints: `field:value` with `*` wildcards and quoted values,
 * `_exists_:field`, `_missing_:field`, a bare value (matched against the object's default field), `*`,
 * combined with AND, OR, NOT and parentheses. Adjacent terms without an operator are ANDed.
 */
export type Query =
  | { kind: 'all' }
  /** `parts`: the value cut at its unescaped `*` wildcards (a `\*` is a literal star). */
  | { kind: 'term'; field: string | undefined; value: string; parts: string[] }
  | { kind: 'exists'; field: string }
  | { kind: 'missing'; field: string }
  | { kind: 'not'; operand: Query }
  | { kind: 'and' | 'or'; operands: Query[] };

/** The values of one field of a searched object; undefined when the object lacks the field. */
export type FieldLookup = (field: string | undefined) => readonly string[] | undefined;

type Token = {
  kind: 'word' | 'quoted' | 'open' | 'close' | 'colon';
  text: string;
  position: number;
  /** `text` cut at unescaped `*`. */
  parts: string[];
};

const MAX_QUERY_LENGTH = 4096;

/** Collects a token's text and where its unescaped `*` wildcards cut it. */
class ValueBuilder {
  text = '';
  readonly parts: string[] = [''];

  add(ch: string, escaped: boolean): void {
    this.text += ch;
    if (ch === '*' && !escaped) this.parts.push('');
    else this.parts[this.parts.length - 1] += ch;
  }
}

/** A lone unescaped `*`. */
function isMatchAll(parts: readonly string[]): boolean {
  return parts.length === 2 && parts[0] === '' && parts[1] === '';
}

/**
 * Whole-string match of literal `parts` with any run of characters (also none) between them. Taking each middle part
 * at its first occurrence is enough with `*` as the only wildcard, and keeps the match linear in the value.
 */
function matchesParts(parts: readonly string[], value: string): boolean {
  if (parts.length === 1) return parts[0] === value;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  const end = value.length - last.length;
  let at = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i]!;
    const found = value.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}
const MAX_DEPTH = 50;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ kind: ch === '(' ? 'open' : 'close', text: ch, position: i, parts: [ch] });
      i++;
    } else if (ch === ':') {
      tokens.push({ kind: 'colon', text: ch, position: i, parts: [ch] });
      i++;
    } else if (ch === '"') {
      const start = i++;
      const value = new ValueBuilder();
      while (i < text.length && text[i] !== '"') {
        const escaped = text[i] === '\\' && i + 1 < text.length;
        if (escaped) i++;
        value.add(text[i++]!, escaped);
      }
      if (i >= text.length) throw new RequestError(400, `invalid query: unterminated quote at position ${start}`);
      i++;
      tokens.push({ kind: 'quoted', text: value.text, position: start, parts: value.parts });
    } else {
      const start = i;
      const value = new ValueBuilder();
      while (i < text.length && !/[\s():"]/.test(text[i]!)) {
        const escaped = text[i] === '\\' && i + 1 < text.length;
        if (escaped) i++;
        value.add(text[i++]!, escaped);
      }
      tokens.push({ kind: 'word', text: value.text, position: start, parts: value.parts });
    }
  }
  return tokens;
}

export function parseQuery(text: string | undefined | null): Query {
  if (text === undefined || text === null || text.trim() === '') return { kind: 'all' };
  if (text.length > MAX_QUERY_LENGTH) throw new RequestError(400, `invalid query: longer than ${MAX_QUERY_LENGTH}`);
  const tokens = tokenize(text);
  let index = 0;
  const peek = (): Token | undefined => tokens[index];
  const isOperator = (token: Token | undefined, name: string): boolean =>
    token?.kind === 'word' && token.text.toUpperCase() === name;
  const fail = (what: string): never => {
    const token = peek();
    throw new RequestError(
      400,
      `invalid query: ${what} ${token ? `at position ${token.position} ('${token.text}')` : 'at end of query'}`,
    );
  };

  const parseOr = (depth: number): Query => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    const operands = [parseAnd(depth)];
    while (isOperator(peek(), 'OR')) {
      index++;
      operands.push(parseAnd(depth));
    }
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  };
  const parseAnd = (depth: number): Query => {
    const operands = [parseNot(depth)];
    for (;;) {
      const token = peek();
      if (!token || token.kind === 'close' || isOperator(token, 'OR')) break;
      if (isOperator(token, 'AND')) index++;
      operands.push(parseNot(depth));
    }
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands };
  };
  const parseNot = (depth: number): Query => {
    if (isOperator(peek(), 'NOT')) {
      index++;
      return { kind: 'not', operand: parseNot(depth + 1) };
    }
    return parsePrimary(depth);
  };
  const parsePrimary = (depth: number): Query => {
    const token = peek();
    if (!token) return fail('expected a term');
    if (token.kind === 'open') {
      index++;
      const inner = parseOr(depth + 1);
      if (peek()?.kind !== 'close') fail("expected ')'");
      index++;
      return inner;
    }
    if (token.kind !== 'word' && token.kind !== 'quoted') return fail('expected a term');
    index++;
    if (peek()?.kind !== 'colon') {
      if (token.kind === 'word' && isMatchAll(token.parts)) return { kind: 'all' };
      return { kind: 'term', field: undefined, value: token.text, parts: token.parts };
    }
    index++;
    const value = peek();
    if (!value || (value.kind !== 'word' && value.kind !== 'quoted'))
      return fail(`expected a value for '${token.text}'`);
    index++;
    if (token.text === '_exists_') return { kind: 'exists', field: value.text };
    if (token.text === '_missing_') return { kind: 'missing', field: value.text };
    return { kind: 'term', field: token.text, value: value.text, parts: value.parts };
  };

  const query = parseOr(0);
  if (index < tokens.length) fail('unexpected');
  return query;
}

export function matchesQuery(query: Query, lookup: FieldLookup): boolean {
  switch (query.kind) {
    case 'all':
      return true;
    case 'term': {
      const values = lookup(query.field);
      if (!values) return false;
      if (isMatchAll(query.parts)) return true;
      return values.some((value) => matchesParts(query.parts, value));
    }
    case 'exists':
      return lookup(query.field) !== undefined;
    case 'missing':
      return lookup(query.field) === undefined;
    case 'not':
      return !matchesQuery(query.operand, lookup);
    case 'and':
      return query.operands.every((operand) => matchesQuery(operand, lookup));
    case 'or':
      return query.operands.some((operand) => matchesQuery(operand, lookup));
  }
}
