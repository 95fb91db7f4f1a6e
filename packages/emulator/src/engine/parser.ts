import type { CompareOp, Comprehension, Expr, KeywordArg, Param, Pos, ProgramAst, Statement } from './ast.js';
import { syntaxError } from './errors.js';
import { type Token, tokenize } from './lexer.js';

/**
 * Parses SignalFlow program text into a syntax tree: an own lexer plus a recursive-descent parser that follows the
 * SignalFlow grammar (signalflow-language.md §2). The whole grammar is accepted; the evaluator decides what it runs.
 * Throws `ProgramError` (ANALYTICS_PROGRAM_SYNTAX_ERROR) with the line and column of the offending token.
 */
export function parseProgram(text: string): ProgramAst {
  return new Parser(tokenize(text)).program();
}

const COMPARE_OPS = new Set(['<', '<=', '==', '!=', '<>', '>', '>=']);

class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  program(): ProgramAst {
    const body: Statement[] = [];
    while (!this.at('eof')) {
      if (this.at('newline')) {
        this.index += 1;
        continue;
      }
      body.push(...this.statement());
    }
    return { type: 'Program', body };
  }

  // ---- token helpers ----

  private get token(): Token {
    return this.tokens[this.index] as Token;
  }

  private peek(offset = 1): Token {
    return (this.tokens[this.index + offset] ?? this.tokens[this.tokens.length - 1]) as Token;
  }

  private at(type: Token['type'], value?: string): boolean {
    const t = this.token;
    return t.type === type && (value === undefined || t.value === value);
  }

  private atOp(value: string): boolean {
    return this.at('op', value);
  }

  private atKeyword(value: string): boolean {
    return this.at('keyword', value);
  }

  private next(): Token {
    const t = this.token;
    if (t.type !== 'eof') this.index += 1;
    return t;
  }

  private pos(t: Token = this.token): Pos {
    return { line: t.line, column: t.column };
  }

  private fail(message?: string): never {
    const t = this.token;
    throw syntaxError(message ?? `unexpected ${describe(t)}`, this.pos(t));
  }

  private expectOp(value: string): Token {
    if (!this.atOp(value)) this.fail(`expected '${value}' but found ${describe(this.token)}`);
    return this.next();
  }

  private expectKeyword(value: string): Token {
    if (!this.atKeyword(value)) this.fail(`expected '${value}' but found ${describe(this.token)}`);
    return this.next();
  }

  private expectName(): Token {
    if (!this.at('name')) this.fail(`expected a name but found ${describe(this.token)}`);
    return this.next();
  }

  // ---- statements ----

  private statement(): Statement[] {
    if (this.atKeyword('if')) return [this.ifStatement()];
    if (this.atKeyword('def')) return [this.funcdef([])];
    if (this.atOp('@')) return [this.decorated()];
    return this.simpleStatement();
  }

  private simpleStatement(): Statement[] {
    const statements = [this.smallStatement()];
    while (this.atOp(';')) {
      this.next();
      if (this.at('newline') || this.at('eof')) break;
      statements.push(this.smallStatement());
    }
    if (this.at('newline')) this.next();
    else if (!this.at('eof')) this.fail();
    return statements;
  }

  private smallStatement(): Statement {
    const start = this.pos();
    if (this.atKeyword('return')) {
      this.next();
      if (this.at('newline') || this.atOp(';') || this.at('eof')) return { type: 'Return', pos: start };
      return { type: 'Return', value: this.testList(), pos: start };
    }
    if (this.atKeyword('import')) {
      this.next();
      return { type: 'Import', names: this.importNames(true), pos: start };
    }
    if (this.atKeyword('from')) {
      this.next();
      const module = this.dottedName();
      this.expectKeyword('import');
      if (this.atOp('*')) {
        this.next();
        return { type: 'FromImport', module, names: '*', pos: start };
      }
      if (this.atOp('(')) {
        this.next();
        const names = this.importNames(false);
        this.expectOp(')');
        return { type: 'FromImport', module, names, pos: start };
      }
      return { type: 'FromImport', module, names: this.importNames(false), pos: start };
    }
    if (this.atKeyword('assert')) {
      this.next();
      const test = this.test();
      if (this.atOp(',')) {
        this.next();
        return { type: 'Assert', test, message: this.test(), pos: start };
      }
      return { type: 'Assert', test, pos: start };
    }
    if (this.at('indent')) this.fail('unexpected indent');
    if (this.at('dedent') || this.at('newline')) this.fail();
    const first = this.testList();
    if (!this.atOp('=')) return { type: 'ExprStmt', expr: first, pos: start };
    const targets = assignmentTargets(first);
    if (targets === undefined) throw syntaxError('can only assign to names', first.pos);
    this.next();
    const value = this.testList();
    if (this.atOp('=')) this.fail('chained assignment is not allowed');
    return { type: 'Assign', targets, value, pos: start };
  }

  private dottedName(): string {
    let name = this.expectName().value;
    while (this.atOp('.')) {
      this.next();
      name += `.${this.expectName().value}`;
    }
    return name;
  }

  private importNames(dotted: boolean): Array<{ name: string; alias?: string }> {
    const names: Array<{ name: string; alias?: string }> = [];
    for (;;) {
      const name = dotted ? this.dottedName() : this.expectName().value;
      if (this.atKeyword('as')) {
        this.next();
        names.push({ name, alias: this.expectName().value });
      } else names.push({ name });
      if (!this.atOp(',')) break;
      this.next();
      if (!dotted && (this.atOp(')') || this.at('newline'))) break;
    }
    return names;
  }

  private ifStatement(): Statement {
    const start = this.pos();
    this.expectKeyword('if');
    const branches = [{ test: this.test(), body: this.suiteAfterColon() }];
    while (this.atKeyword('elif')) {
      this.next();
      branches.push({ test: this.test(), body: this.suiteAfterColon() });
    }
    if (this.atKeyword('else')) {
      this.next();
      return { type: 'If', branches, orelse: this.suiteAfterColon(), pos: start };
    }
    return { type: 'If', branches, pos: start };
  }

  private decorated(): Statement {
    const decorators: Expr[] = [];
    while (this.atOp('@')) {
      const at = this.next();
      const namePos = this.pos();
      let expr: Expr = { type: 'Name', name: this.dottedName(), pos: namePos };
      if (this.atOp('(')) expr = this.call(expr, this.pos(at));
      decorators.push(expr);
      if (!this.at('newline')) this.fail();
      this.next();
    }
    if (!this.atKeyword('def')) this.fail("expected 'def' after a decorator");
    return this.funcdef(decorators);
  }

  private funcdef(decorators: Expr[]): Statement {
    const start = this.pos();
    this.expectKeyword('def');
    const name = this.expectName().value;
    this.expectOp('(');
    const params: Param[] = [];
    while (!this.atOp(')')) {
      const pos = this.pos();
      let kind: Param['kind'] = 'normal';
      if (this.atOp('*')) {
        this.next();
        kind = 'star';
      } else if (this.atOp('**')) {
        this.next();
        kind = 'starstar';
      }
      const param: Param = { name: this.expectName().value, kind, pos };
      if (this.atOp(':')) {
        this.next();
        param.annotation = this.test();
      }
      if (this.atOp('=')) {
        this.next();
        param.default = this.test();
      }
      params.push(param);
      if (!this.atOp(',')) break;
      this.next();
    }
    this.expectOp(')');
    if (this.atOp('->')) {
      this.next();
      this.test();
    }
    return { type: 'Def', name, params, body: this.suiteAfterColon(), decorators, pos: start };
  }

  private suiteAfterColon(): Statement[] {
    this.expectOp(':');
    if (!this.at('newline')) return this.simpleStatement();
    this.next();
    if (!this.at('indent')) this.fail('expected an indented block');
    this.next();
    const body: Statement[] = [];
    while (!this.at('dedent') && !this.at('eof')) {
      if (this.at('newline')) {
        this.next();
        continue;
      }
      body.push(...this.statement());
    }
    if (this.at('dedent')) this.next();
    return body;
  }

  // ---- expressions ----

  private testList(): Expr {
    const start = this.pos();
    const first = this.test();
    if (!this.atOp(',')) return first;
    const items = [first];
    while (this.atOp(',')) {
      this.next();
      if (this.atExpressionEnd()) break;
      items.push(this.test());
    }
    return { type: 'Tuple', items, pos: start };
  }

  private atExpressionEnd(): boolean {
    return this.at('newline') || this.at('eof') || this.atOp('=') || this.atOp(';') || this.atOp(')');
  }

  private test(): Expr {
    if (this.atKeyword('lambda')) {
      const start = this.pos(this.next());
      const param = this.expectName().value;
      this.expectOp(':');
      return { type: 'Lambda', param, body: this.test(), pos: start };
    }
    const start = this.pos();
    const body = this.orTest();
    if (!this.atKeyword('if')) return body;
    this.next();
    const test = this.orTest();
    this.expectKeyword('else');
    return { type: 'IfExp', test, body, orelse: this.test(), pos: start };
  }

  private orTest(): Expr {
    let left = this.andTest();
    while (this.atKeyword('or')) {
      this.next();
      left = { type: 'BoolOp', op: 'or', left, right: this.andTest(), pos: left.pos };
    }
    return left;
  }

  private andTest(): Expr {
    let left = this.notTest();
    while (this.atKeyword('and')) {
      this.next();
      left = { type: 'BoolOp', op: 'and', left, right: this.notTest(), pos: left.pos };
    }
    return left;
  }

  private notTest(): Expr {
    if (this.atKeyword('not')) {
      const start = this.pos(this.next());
      return { type: 'Unary', op: 'not', operand: this.notTest(), pos: start };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const first = this.expr();
    const ops: CompareOp[] = [];
    const operands = [first];
    for (;;) {
      let op: CompareOp | undefined;
      if (this.at('op') && COMPARE_OPS.has(this.token.value)) {
        const text = this.next().value;
        op = (text === '<>' ? '!=' : text) as CompareOp;
      } else if (this.atKeyword('is')) {
        this.next();
        if (this.atKeyword('not')) {
          this.next();
          op = 'is not';
        } else op = 'is';
      }
      if (op === undefined) break;
      ops.push(op);
      operands.push(this.expr());
    }
    if (ops.length === 0) return first;
    return { type: 'Compare', ops, operands, pos: first.pos };
  }

  private binaryLevel(ops: string[], operand: () => Expr): Expr {
    let left = operand();
    while (this.at('op') && ops.includes(this.token.value)) {
      const op = this.next().value as Extract<Expr, { type: 'Binary' }>['op'];
      left = { type: 'Binary', op, left, right: operand(), pos: left.pos };
    }
    return left;
  }

  private expr(): Expr {
    return this.binaryLevel(['|'], () => this.xorExpr());
  }

  private xorExpr(): Expr {
    return this.binaryLevel(['^'], () => this.andExpr());
  }

  private andExpr(): Expr {
    return this.binaryLevel(['&'], () => this.shiftExpr());
  }

  private shiftExpr(): Expr {
    return this.binaryLevel(['<<', '>>'], () => this.arithExpr());
  }

  private arithExpr(): Expr {
    return this.binaryLevel(['+', '-'], () => this.term());
  }

  private term(): Expr {
    return this.binaryLevel(['*', '/'], () => this.factor());
  }

  private factor(): Expr {
    if (this.atOp('+') || this.atOp('-') || this.atOp('~')) {
      const t = this.next();
      return { type: 'Unary', op: t.value as '+' | '-' | '~', operand: this.factor(), pos: this.pos(t) };
    }
    return this.power();
  }

  private power(): Expr {
    const base = this.atomExpr();
    if (!this.atOp('**')) return base;
    this.next();
    return { type: 'Binary', op: '**', left: base, right: this.factor(), pos: base.pos };
  }

  private atomExpr(): Expr {
    let expr = this.atom();
    for (;;) {
      if (this.atOp('(')) expr = this.call(expr, expr.pos);
      else if (this.atOp('[')) {
        this.next();
        const index = this.subscript();
        this.expectOp(']');
        expr = { type: 'Subscript', object: expr, index, pos: expr.pos };
      } else if (this.atOp('.')) {
        this.next();
        const name = this.expectName();
        expr = { type: 'Attribute', object: expr, name: name.value, pos: expr.pos, namePos: this.pos(name) };
      } else return expr;
    }
  }

  private subscript(): Expr {
    const start = this.pos();
    let lower: Expr | undefined;
    if (!this.atOp(':')) {
      lower = this.test();
      if (!this.atOp(':')) return lower;
    }
    this.next();
    const upper = this.atOp(']') ? undefined : this.test();
    return {
      type: 'Slice',
      ...(lower === undefined ? {} : { lower }),
      ...(upper === undefined ? {} : { upper }),
      pos: start,
    };
  }

  private call(callee: Expr, pos: Pos): Expr {
    this.expectOp('(');
    const args: Expr[] = [];
    const keywords: KeywordArg[] = [];
    let starArgs: Expr | undefined;
    let starStarArgs: Expr | undefined;
    while (!this.atOp(')')) {
      if (this.atOp('*')) {
        this.next();
        starArgs = this.test();
      } else if (this.atOp('**')) {
        this.next();
        starStarArgs = this.test();
      } else if (this.at('name') && this.peek().type === 'op' && this.peek().value === '=') {
        const name = this.next();
        this.next();
        if (keywords.some((k) => k.name === name.value)) {
          throw syntaxError(`keyword argument '${name.value}' repeated`, this.pos(name));
        }
        keywords.push({ name: name.value, value: this.test(), pos: this.pos(name) });
      } else {
        const argStart = this.token;
        const arg = this.test();
        if (keywords.length > 0 || starStarArgs !== undefined) {
          throw syntaxError('positional argument follows keyword argument', this.pos(argStart));
        }
        if (this.atKeyword('for')) args.push(this.comprehension('generator', arg, arg.pos));
        else args.push(arg);
      }
      if (!this.atOp(',')) break;
      this.next();
    }
    this.expectOp(')');
    return {
      type: 'Call',
      callee,
      args,
      keywords,
      ...(starArgs === undefined ? {} : { starArgs }),
      ...(starStarArgs === undefined ? {} : { starStarArgs }),
      pos,
    };
  }

  private comprehension(kind: 'list' | 'generator', element: Expr, pos: Pos): Expr {
    const loops: Comprehension[] = [];
    while (this.atKeyword('for')) {
      this.next();
      const targets = [this.expectName().value];
      while (this.atOp(',')) {
        this.next();
        targets.push(this.expectName().value);
      }
      this.expectKeyword('in');
      const loop: Comprehension = { targets, iter: this.orTest(), conditions: [] };
      while (this.atKeyword('if')) {
        this.next();
        loop.conditions.push(this.orTest());
      }
      loops.push(loop);
    }
    return { type: 'Comprehension', kind, element, loops, pos };
  }

  private atom(): Expr {
    const t = this.token;
    const pos = this.pos(t);
    switch (t.type) {
      case 'name':
        this.next();
        return { type: 'Name', name: t.value, pos };
      case 'int':
      case 'float':
        this.next();
        return { type: 'Number', value: Number(t.value), isInt: t.type === 'int', pos };
      case 'string': {
        let value = '';
        while (this.at('string')) value += this.next().value;
        return { type: 'String', value, pos };
      }
      case 'keyword':
        if (t.value === 'None' || t.value === 'True' || t.value === 'False') {
          this.next();
          return { type: 'Constant', value: t.value === 'None' ? null : t.value === 'True', pos };
        }
        return this.fail();
      case 'op':
        if (t.value === '(') return this.parenthesized(pos);
        if (t.value === '[') return this.list(pos);
        if (t.value === '{') return this.dict(pos);
        return this.fail();
      default:
        return this.fail();
    }
  }

  private parenthesized(pos: Pos): Expr {
    this.expectOp('(');
    if (this.atOp(')')) {
      this.next();
      return { type: 'Tuple', items: [], pos };
    }
    const first = this.test();
    if (this.atKeyword('for')) {
      const gen = this.comprehension('generator', first, pos);
      this.expectOp(')');
      return gen;
    }
    if (!this.atOp(',')) {
      this.expectOp(')');
      return first;
    }
    const items = [first];
    while (this.atOp(',')) {
      this.next();
      if (this.atOp(')')) break;
      items.push(this.test());
    }
    this.expectOp(')');
    return { type: 'Tuple', items, pos };
  }

  private list(pos: Pos): Expr {
    this.expectOp('[');
    if (this.atOp(']')) {
      this.next();
      return { type: 'List', items: [], pos };
    }
    const first = this.test();
    if (this.atKeyword('for')) {
      const comp = this.comprehension('list', first, pos);
      this.expectOp(']');
      return comp;
    }
    const items = [first];
    while (this.atOp(',')) {
      this.next();
      if (this.atOp(']')) break;
      items.push(this.test());
    }
    this.expectOp(']');
    return { type: 'List', items, pos };
  }

  private dict(pos: Pos): Expr {
    this.expectOp('{');
    const entries: Array<{ key: Expr; value: Expr }> = [];
    while (!this.atOp('}')) {
      const key = this.test();
      this.expectOp(':');
      entries.push({ key, value: this.test() });
      if (!this.atOp(',')) break;
      this.next();
    }
    this.expectOp('}');
    return { type: 'Dict', entries, pos };
  }
}

function assignmentTargets(expr: Expr): Array<{ name: string; pos: Pos }> | undefined {
  if (expr.type === 'Name') return [{ name: expr.name, pos: expr.pos }];
  if (expr.type !== 'Tuple' || expr.items.length === 0) return undefined;
  const targets: Array<{ name: string; pos: Pos }> = [];
  for (const item of expr.items) {
    if (item.type !== 'Name') return undefined;
    targets.push({ name: item.name, pos: item.pos });
  }
  return targets;
}

function describe(t: Token): string {
  switch (t.type) {
    case 'eof':
      return 'end of program';
    case 'newline':
      return 'end of line';
    case 'indent':
      return 'indent';
    case 'dedent':
      return 'dedent';
    case 'string':
      return `string '${t.value}'`;
    default:
      return `'${t.value}'`;
  }
}
