import { describe, expect, it } from 'vitest';
import { ProgramError, parseDuration, parseProgram } from '../../src/engine/index.js';

function syntaxErrorOf(text: string): ProgramError {
  try {
    parseProgram(text);
  } catch (error) {
    if (error instanceof ProgramError) return error;
    throw error;
  }
  throw new Error('expected a ProgramError');
}

describe('parseProgram', () => {
  it('parses method chains, keyword arguments and publish labels', () => {
    const ast = parseProgram("data('cpu.utilization', filter=filter('host', 'a')).mean(by=['host']).publish('A')");
    expect(ast.body).toHaveLength(1);
    const stmt = ast.body[0];
    expect(stmt?.type).toBe('ExprStmt');
    if (stmt?.type !== 'ExprStmt' || stmt.expr.type !== 'Call') throw new Error('shape');
    expect(stmt.expr.callee).toMatchObject({ type: 'Attribute', name: 'publish' });
    expect(stmt.expr.args[0]).toMatchObject({ type: 'String', value: 'A' });
  });

  it('joins lines inside brackets, skips comments and blank lines, splits on semicolons', () => {
    const ast = parseProgram(
      "# header comment\n\nA = data('cpu',\n         filter=filter('host', 'a'))  # trailing\nB = A.sum(); C = B * 2;\n\nC.publish('C')\n",
    );
    expect(ast.body.map((s) => s.type)).toEqual(['Assign', 'Assign', 'Assign', 'ExprStmt']);
    expect(ast.body[1]).toMatchObject({ type: 'Assign', targets: [{ name: 'B' }], pos: { line: 5, column: 1 } });
    expect(ast.body[2]).toMatchObject({ type: 'Assign', targets: [{ name: 'C' }], pos: { line: 5, column: 14 } });
  });

  it('applies precedence: * over +, ** right-associative and above unary minus, not above and above or', () => {
    const ast = parseProgram('x = 1 + 2 * 3 ** 2 ** 2\ny = -2 ** 2\nz = a or b and not c');
    const [x, y, z] = ast.body;
    expect(x).toMatchObject({
      value: {
        op: '+',
        right: { op: '*', right: { op: '**', left: { value: 3 }, right: { op: '**', left: { value: 2 } } } },
      },
    });
    expect(y).toMatchObject({ value: { type: 'Unary', op: '-', operand: { type: 'Binary', op: '**' } } });
    expect(z).toMatchObject({ value: { op: 'or', right: { op: 'and', right: { type: 'Unary', op: 'not' } } } });
  });

  it('reads number and string literals as the grammar defines them', () => {
    const ast = parseProgram(`a = [.5, 0.5, 1e3, 2.5E-2, 42, 'x' "y", 'tab\\there', '\\101', True, False, None]`);
    const value = ast.body[0]?.type === 'Assign' ? ast.body[0].value : undefined;
    expect(value?.type).toBe('List');
    if (value?.type !== 'List') return;
    expect(value.items.map((i) => ('value' in i ? i.value : undefined))).toEqual([
      0.5,
      0.5,
      1000,
      0.025,
      42,
      'xy',
      'tab\there',
      'A',
      true,
      false,
      null,
    ]);
  });

  it('parses the rest of the grammar: def, if, import, lambda, comprehensions, dicts, conditional expressions', () => {
    const program = [
      'from signalfx.detectors.against_recent import against_recent',
      'import a.b as c',
      'def f(x, y=2, *rest, **kw):',
      '    if x > y:',
      '        return x',
      '    elif x == y:',
      '        return y',
      '    else:',
      '        return [v for v in rest if v is not None]',
      '@decorator(1)',
      'def g(): return 1',
      "m = data('x').map(lambda v: v if v > 0 else 0)",
      "k = const(75, key={'region': 'us-east-1'})",
      'assert m, "message"',
      's = rest[1:2]',
    ].join('\n');
    const ast = parseProgram(program);
    expect(ast.body.map((s) => s.type)).toEqual([
      'FromImport',
      'Import',
      'Def',
      'Def',
      'Assign',
      'Assign',
      'Assert',
      'Assign',
    ]);
  });

  it('reports syntax errors with 1-based line and column', () => {
    const error = syntaxErrorOf("A = data('cpu')\nB = A.mean(by=['host'])\nC = B.publish('x'))");
    expect(error.info.errorType).toBe('ANALYTICS_PROGRAM_SYNTAX_ERROR');
    expect(error.info).toMatchObject({ line: 3, column: 19 });
    expect(error.message).toContain('line 3, column 19');

    expect(syntaxErrorOf("x = data('cpu'").info).toMatchObject({
      errorType: 'ANALYTICS_PROGRAM_SYNTAX_ERROR',
      line: 1,
    });
    expect(syntaxErrorOf('x = 5.').info).toMatchObject({ line: 1, column: 7 });
    expect(syntaxErrorOf("x = 'abc\ny = 1").info).toMatchObject({ line: 1, column: 5 });
    expect(syntaxErrorOf('a = 1\n  b = 2').info).toMatchObject({ line: 2, column: 3 });
    expect(syntaxErrorOf('a = 1 % 2').info).toMatchObject({ line: 1, column: 7 });
    expect(syntaxErrorOf("f(a=1, 'b')").info).toMatchObject({ line: 1, column: 8 });
    expect(syntaxErrorOf('f(a=1, a=2)').info).toMatchObject({ line: 1, column: 8 });
    expect(syntaxErrorOf('a = b = 1').info.errorType).toBe('ANALYTICS_PROGRAM_SYNTAX_ERROR');
    expect(syntaxErrorOf('data("x")\n.publish()').info).toMatchObject({ line: 2, column: 1 });
  });

  it('is a ProgramError with the SFX error code', () => {
    const error = syntaxErrorOf(')');
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('SFX_ERR_SIGNALFLOW_PROGRAM');
  });
});

describe('parseDuration', () => {
  it('converts the duration table of the spec', () => {
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('1m')).toBe(60_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1w')).toBe(604_800_000);
    expect(parseDuration('2w2h')).toBe(2 * 604_800_000 + 2 * 3_600_000);
    expect(parseDuration('1h 30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('3min')).toBe(180_000);
    expect(parseDuration('1500')).toBe(1500);
  });

  it('rejects malformed durations', () => {
    for (const bad of ['', 'm', '1x', '1.5m', '2h2w', '-1m', '1m1m']) {
      expect(() => parseDuration(bad), bad).toThrow(RangeError);
    }
  });
});
