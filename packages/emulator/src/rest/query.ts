import { RequestError } from '../http/util.js';
import { matchesWildcard } from '../store/wildcard.js';

/**
 * The search-query subset of the metadata endpoints: `field:value` with `*` wildcards and quoted values,
 * `_exists_:field`, `_missing_:field`, a bare value (matched against the object's default field), `*`,
 * combined with AND, OR, NOT and parentheses. Adjacent terms without an operator are ANDed.
 */
export type Query =
  | { kind: 'all' }
  | { kind: 'term'; field: string | undefined; value: string }
  | { kind: 'exists'; field: string }
  | { kind: 'missing'; field: string }
  | { kind: 'not'; operand: Query }
  | { kind: 'and' | 'or'; operands: Query[] };

/** The values of one field of a searched object; undefined when the object lacks the field. */
export type FieldLookup = (field: string | undefined) => readonly string[] | undefined;

type Token = { kind: 'word' | 'quoted' | 'open' | 'close' | 'colon'; text: string; position: number };

const MAX_QUERY_LENGTH = 4096;
const MAX_DEPTH = 50;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ kind: ch === '(' ? 'open' : 'close', text: ch, position: i });
      i++;
    } else if (ch === ':') {
      tokens.push({ kind: 'colon', text: ch, position: i });
      i++;
    } else if (ch === '"') {
      const start = i++;
      let value = '';
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i++];
      }
      if (i >= text.length) throw new RequestError(400, `invalid query: unterminated quote at position ${start}`);
      i++;
      tokens.push({ kind: 'quoted', text: value, position: start });
    } else {
      const start = i;
      let value = '';
      while (i < text.length && !/[\s():"]/.test(text[i]!)) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i++];
      }
      tokens.push({ kind: 'word', text: value, position: start });
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
      if (token.kind === 'word' && token.text === '*') return { kind: 'all' };
      return { kind: 'term', field: undefined, value: token.text };
    }
    index++;
    const value = peek();
    if (!value || (value.kind !== 'word' && value.kind !== 'quoted'))
      return fail(`expected a value for '${token.text}'`);
    index++;
    if (token.text === '_exists_') return { kind: 'exists', field: value.text };
    if (token.text === '_missing_') return { kind: 'missing', field: value.text };
    return { kind: 'term', field: token.text, value: value.text };
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
      if (query.value === '*') return true;
      return values.some((value) => matchesWildcard(query.value, value));
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
