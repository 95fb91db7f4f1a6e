/** Syntax tree of a SignalFlow program. Every node carries the 1-based line/column where it starts. */

export interface Pos {
  line: number;
  column: number;
}

export interface KeywordArg {
  name: string;
  value: Expr;
  pos: Pos;
}

export interface Comprehension {
  targets: string[];
  iter: Expr;
  conditions: Expr[];
}

export type Expr =
  | { type: 'Name'; name: string; pos: Pos }
  | { type: 'Number'; value: number; isInt: boolean; pos: Pos }
  | { type: 'String'; value: string; pos: Pos }
  | { type: 'Constant'; value: boolean | null; pos: Pos }
  | { type: 'List'; items: Expr[]; pos: Pos }
  | { type: 'Tuple'; items: Expr[]; pos: Pos }
  | { type: 'Dict'; entries: Array<{ key: Expr; value: Expr }>; pos: Pos }
  | { type: 'Comprehension'; kind: 'list' | 'generator'; element: Expr; loops: Comprehension[]; pos: Pos }
  | {
      type: 'Call';
      callee: Expr;
      args: Expr[];
      keywords: KeywordArg[];
      starArgs?: Expr;
      starStarArgs?: Expr;
      pos: Pos;
    }
  | { type: 'Attribute'; object: Expr; name: string; pos: Pos; namePos: Pos }
  | { type: 'Subscript'; object: Expr; index: Expr; pos: Pos }
  | { type: 'Slice'; lower?: Expr; upper?: Expr; pos: Pos }
  | { type: 'Unary'; op: '-' | '+' | '~' | 'not'; operand: Expr; pos: Pos }
  | {
      type: 'Binary';
      op: '+' | '-' | '*' | '/' | '**' | '|' | '^' | '&' | '<<' | '>>';
      left: Expr;
      right: Expr;
      pos: Pos;
    }
  | { type: 'BoolOp'; op: 'and' | 'or'; left: Expr; right: Expr; pos: Pos }
  | { type: 'Compare'; ops: CompareOp[]; operands: Expr[]; pos: Pos }
  | { type: 'IfExp'; test: Expr; body: Expr; orelse: Expr; pos: Pos }
  | { type: 'Lambda'; param: string; body: Expr; pos: Pos };

export type CompareOp = '<' | '<=' | '==' | '!=' | '>' | '>=' | 'is' | 'is not';

export interface Param {
  name: string;
  kind: 'normal' | 'star' | 'starstar';
  annotation?: Expr;
  default?: Expr;
  pos: Pos;
}

export type Statement =
  | { type: 'Assign'; targets: Array<{ name: string; pos: Pos }>; value: Expr; pos: Pos }
  | { type: 'ExprStmt'; expr: Expr; pos: Pos }
  | { type: 'Return'; value?: Expr; pos: Pos }
  | { type: 'Import'; names: Array<{ name: string; alias?: string }>; pos: Pos }
  | { type: 'FromImport'; module: string; names: Array<{ name: string; alias?: string }> | '*'; pos: Pos }
  | { type: 'Assert'; test: Expr; message?: Expr; pos: Pos }
  | {
      type: 'If';
      branches: Array<{ test: Expr; body: Statement[] }>;
      orelse?: Statement[];
      pos: Pos;
    }
  | { type: 'Def'; name: string; params: Param[]; body: Statement[]; decorators: Expr[]; pos: Pos };

export interface ProgramAst {
  type: 'Program';
  body: Statement[];
}
