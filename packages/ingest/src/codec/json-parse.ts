import { ValidationError } from '@sfx/core';

// A strict JSON parser that keeps integers beyond 2^53 exact (as bigint), which JSON.parse cannot.

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in strings
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const WHITESPACE = /[ \t\n\r]*/y;
const MAX_DEPTH = 64;

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

export function parseJson(text: string, what: string): JsonValue {
  let at = 0;
  const fail = (message: string): never => {
    throw new ValidationError(`malformed JSON ${what} at offset ${at}: ${message}`, { field: 'body' });
  };
  const skip = () => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(text);
    at = WHITESPACE.lastIndex;
  };
  const string = (): string => {
    STRING.lastIndex = at;
    const match = STRING.exec(text);
    if (match === null) return fail('bad string');
    at = STRING.lastIndex;
    return JSON.parse(match[0]) as string;
  };
  const value = (depth: number): JsonValue => {
    if (depth > MAX_DEPTH) fail('nested too deeply');
    skip();
    const c = text[at];
    if (c === '{') {
      at++;
      const object: { [key: string]: JsonValue } = {};
      skip();
      if (text[at] === '}') {
        at++;
        return object;
      }
      for (;;) {
        skip();
        if (text[at] !== '"') fail('expected a property name');
        const key = string();
        skip();
        if (text[at] !== ':') fail('expected ":"');
        at++;
        const item = value(depth + 1);
        // Define rather than assign, so "__proto__" stays an ordinary key.
        Object.defineProperty(object, key, { value: item, enumerable: true, writable: true, configurable: true });
        skip();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === '}') {
          at++;
          return object;
        }
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      at++;
      const array: JsonValue[] = [];
      skip();
      if (text[at] === ']') {
        at++;
        return array;
      }
      for (;;) {
        array.push(value(depth + 1));
        skip();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === ']') {
          at++;
          return array;
        }
        fail('expected "," or "]"');
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', at)) {
      at += 4;
      return true;
    }
    if (text.startsWith('false', at)) {
      at += 5;
      return false;
    }
    if (text.startsWith('null', at)) {
      at += 4;
      return null;
    }
    NUMBER.lastIndex = at;
    const match = NUMBER.exec(text);
    if (match === null) return fail(c === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(c)}`);
    at = NUMBER.lastIndex;
    const literal = match[0];
    const number = Number(literal);
    if (!/[.eE]/.test(literal) && !Number.isSafeInteger(number)) return BigInt(literal);
    return number;
  };
  const result = value(0);
  skip();
  if (at !== text.length) fail('unexpected data after the end');
  return result;
}
