import type { Expr, KeywordArg, Pos, ProgramAst, Statement } from './ast.js';
import { parseDuration } from './duration.js';
import { nameError, typeError, unsupportedError } from './errors.js';
import type { Filter } from './filter.js';
import {
  AggregateNode,
  ConstNode,
  DataNode,
  type DataSpec,
  DeltaNode,
  FillNode,
  JoinNode,
  MapNode,
  RankNode,
  ROLLUPS,
  type RollupName,
  reducer,
  type StreamNode,
  TimeshiftNode,
  WhenNode,
  WindowNode,
} from './nodes.js';
import type { SeriesSource } from './types.js';

// ---------------------------------------------------------------------------------------------------------------
// Values of the language

interface StreamValue {
  kind: 'stream';
  node: StreamNode;
}
interface FilterValue {
  kind: 'filter';
  filter: Filter;
}
export interface DetectValue {
  kind: 'detect';
  on: StreamNode;
  off?: StreamNode;
  autoResolveAfterMs?: number;
  /** Named inputs reported in event properties. */
  inputs: Array<{ name: string; node: StreamNode }>;
}
interface DurationValue {
  kind: 'duration';
  ms: number;
}
interface LastingValue {
  kind: 'lasting';
  ms?: number;
  atLeast: number;
}
interface LambdaValue {
  kind: 'lambda';
  param: string;
  body: Expr;
}
interface SequenceValue {
  kind: 'list' | 'tuple';
  items: Value[];
}
interface DictValue {
  kind: 'dict';
  entries: Array<[Value, Value]>;
}
interface FunctionValue {
  kind: 'function';
  name: string;
}

type Value =
  | number
  | string
  | boolean
  | null
  | StreamValue
  | FilterValue
  | DetectValue
  | DurationValue
  | LastingValue
  | LambdaValue
  | SequenceValue
  | DictValue
  | FunctionValue;

type ObjectValue = Exclude<Value, number | string | boolean | null>;

function isObject(value: Value): value is ObjectValue {
  return typeof value === 'object' && value !== null;
}

function isStream(value: Value): value is StreamValue {
  return isObject(value) && value.kind === 'stream';
}

function typeName(value: Value): string {
  if (value === null) return 'None';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  return value.kind;
}

// ---------------------------------------------------------------------------------------------------------------
// What a program produces

export type OutputBlock =
  | { kind: 'metric'; label: string | undefined; node: StreamNode; enabled: boolean }
  | { kind: 'detect'; label: string | undefined; detect: DetectValue };

export interface BoundProgram {
  dataNodes: DataNode[];
  blocks: OutputBlock[];
}

export interface InterpreterOptions {
  source: SeriesSource;
  findLimit: number;
}

const AGGREGATIONS = new Set(['sum', 'mean', 'min', 'max', 'count', 'stddev', 'variance', 'median', 'percentile']);
const MATH_METHODS: Record<string, (v: number) => number> = {
  sqrt: Math.sqrt,
  floor: Math.floor,
  ceil: Math.ceil,
  log: Math.log,
  log10: Math.log10,
  exp: Math.exp,
  square: (v) => v * v,
};

/** Real SignalFlow names the emulator knows about but does not compute: ANALYTICS_PROGRAM_UNSUPPORTED. */
const UNSUPPORTED_FUNCTIONS = new Set([
  'alerts',
  'combine',
  'events',
  'histogram',
  'threshold',
  'union',
  'floor',
  'ceil',
  'sqrt',
  'log',
  'log10',
  'exp',
  'pow',
  'round',
  'len',
  'range',
  'str',
  'int',
  'float',
  'print',
  'annotate',
  'condition',
  'dimensions',
  'ewma',
  'double_ewma',
]);
const UNSUPPORTED_METHODS = new Set([
  'ewma',
  'double_ewma',
  'integrate',
  'kpss',
  'promote',
  'dimensions',
  'equals',
  'not_equals',
  'not_between',
  'sample',
  'split',
  'mean_plus_stddev',
  'size',
  'pow',
  'eval',
  'rename',
  'ipercentile',
]);

const FUNCTION_NAMES = new Set([
  'data',
  'filter',
  'const',
  'when',
  'detect',
  'lasting',
  'duration',
  'abs',
  'max',
  'min',
  'sum',
  'mean',
  'count',
  'stddev',
  'variance',
  'median',
  'percentile',
]);

interface CallArgs {
  name: string;
  pos: Pos;
  positional: Value[];
  keywords: Map<string, { value: Value; pos: Pos }>;
}

/** Evaluates a parsed program into a dataflow graph (data nodes, publish and detect blocks). */
export function bindProgram(ast: ProgramAst, options: InterpreterOptions): BoundProgram {
  return new Interpreter(options).run(ast);
}

class Interpreter {
  private readonly globals = new Map<string, Value>();
  private readonly dataNodes: DataNode[] = [];
  private readonly blocks: OutputBlock[] = [];

  constructor(private readonly options: InterpreterOptions) {}

  run(ast: ProgramAst): BoundProgram {
    for (const statement of ast.body) this.statement(statement);
    return { dataNodes: this.dataNodes, blocks: this.blocks };
  }

  private statement(statement: Statement): void {
    switch (statement.type) {
      case 'ExprStmt':
        this.evaluate(statement.expr, undefined);
        return;
      case 'Assign': {
        const value = this.evaluate(statement.value, undefined);
        if (statement.targets.length === 1) {
          this.bind(statement.targets[0] as { name: string; pos: Pos }, value);
          return;
        }
        if (!isObject(value) || (value.kind !== 'tuple' && value.kind !== 'list')) {
          throw typeError(`cannot unpack a ${typeName(value)}`, statement.pos);
        }
        if (value.items.length !== statement.targets.length) {
          throw typeError(
            `expected ${statement.targets.length} values to unpack, got ${value.items.length}`,
            statement.pos,
          );
        }
        statement.targets.forEach((target, i) => {
          this.bind(target, value.items[i] as Value);
        });
        return;
      }
      case 'Def':
        throw unsupportedError('Defining functions (def)', statement.pos);
      case 'If':
        throw unsupportedError('The if statement', statement.pos);
      case 'Import':
      case 'FromImport':
        throw unsupportedError('Importing modules', statement.pos);
      case 'Return':
        throw unsupportedError('return outside a function', statement.pos);
      case 'Assert':
        throw unsupportedError('assert', statement.pos);
    }
  }

  private bind(target: { name: string; pos: Pos }, value: Value): void {
    if (this.globals.has(target.name)) {
      throw typeError(`'${target.name}' is already bound: a name may be bound only once`, target.pos);
    }
    this.globals.set(target.name, value);
    if (isStream(value) && value.node.bindingName === undefined) value.node.bindingName = target.name;
  }

  // ---- expressions ----

  private evaluate(expr: Expr, locals: Map<string, Value> | undefined): Value {
    switch (expr.type) {
      case 'Number':
      case 'String':
      case 'Constant':
        return expr.value;
      case 'Name': {
        const local = locals?.get(expr.name);
        if (local !== undefined) return local;
        const global = this.globals.get(expr.name);
        if (global !== undefined) return global;
        if (FUNCTION_NAMES.has(expr.name)) return { kind: 'function', name: expr.name };
        if (UNSUPPORTED_FUNCTIONS.has(expr.name)) throw unsupportedError(`'${expr.name}'`, expr.pos, expr.name);
        throw nameError(expr.name, expr.pos);
      }
      case 'List':
        return { kind: 'list', items: expr.items.map((item) => this.evaluate(item, locals)) };
      case 'Tuple':
        return { kind: 'tuple', items: expr.items.map((item) => this.evaluate(item, locals)) };
      case 'Dict':
        return {
          kind: 'dict',
          entries: expr.entries.map(({ key, value }) => [this.evaluate(key, locals), this.evaluate(value, locals)]),
        };
      case 'Lambda':
        return { kind: 'lambda', param: expr.param, body: expr.body };
      case 'Call':
        return this.call(expr, locals);
      case 'Attribute': {
        const object = this.evaluate(expr.object, locals);
        throw this.unknownMethod(object, expr.name, expr.namePos);
      }
      case 'Unary':
        return this.unary(expr.op, this.evaluate(expr.operand, locals), expr.pos);
      case 'Binary':
        return this.binary(expr.op, this.evaluate(expr.left, locals), this.evaluate(expr.right, locals), expr.pos);
      case 'BoolOp':
        return this.boolOp(expr, locals);
      case 'Compare':
        return this.compare(expr, locals);
      case 'IfExp': {
        const test = this.evaluate(expr.test, locals);
        if (isObject(test)) throw unsupportedError('A conditional expression on a stream', expr.pos);
        return this.evaluate(truthy(test) ? expr.body : expr.orelse, locals);
      }
      case 'Subscript': {
        const object = this.evaluate(expr.object, locals);
        const index = expr.index.type === 'Slice' ? undefined : this.evaluate(expr.index, locals);
        if (isObject(object) && (object.kind === 'list' || object.kind === 'tuple') && typeof index === 'number') {
          const item = object.items[index < 0 ? object.items.length + index : index];
          if (item === undefined) throw typeError('index out of range', expr.pos);
          return item;
        }
        if (isObject(object) && object.kind === 'dict' && index !== undefined && !isObject(index)) {
          const entry = object.entries.find(([key]) => key === index);
          if (entry === undefined) throw typeError(`key ${String(index)} not found`, expr.pos);
          return entry[1];
        }
        throw unsupportedError('This subscript', expr.pos);
      }
      case 'Comprehension':
        throw unsupportedError('Comprehensions', expr.pos);
      case 'Slice':
        throw unsupportedError('Slices', expr.pos);
    }
  }

  private unknownMethod(object: Value, name: string, pos: Pos): Error {
    if (isStream(object) && UNSUPPORTED_METHODS.has(name)) throw unsupportedError(`The method '${name}'`, pos, name);
    return nameError(name, pos, isStream(object) ? 'stream method' : `attribute of ${typeName(object)}`);
  }

  private call(expr: Extract<Expr, { type: 'Call' }>, locals: Map<string, Value> | undefined): Value {
    if (expr.starArgs !== undefined || expr.starStarArgs !== undefined) {
      throw unsupportedError('Argument unpacking (* and **)', expr.pos);
    }
    const evalArgs = (name: string, pos: Pos): CallArgs => ({
      name,
      pos,
      positional: expr.args.map((arg) => this.evaluate(arg, locals)),
      keywords: new Map(
        expr.keywords.map((k: KeywordArg) => [k.name, { value: this.evaluate(k.value, locals), pos: k.pos }]),
      ),
    });
    if (expr.callee.type === 'Attribute') {
      const object = this.evaluate(expr.callee.object, locals);
      const name = expr.callee.name;
      if (isStream(object)) {
        if (!STREAM_METHODS.has(name) && !AGGREGATIONS.has(name) && !(name in MATH_METHODS)) {
          throw this.unknownMethod(object, name, expr.callee.namePos);
        }
        return this.streamMethod(object, evalArgs(name, expr.callee.namePos));
      }
      if (isObject(object) && object.kind === 'detect' && name === 'publish') {
        const args = evalArgs(name, expr.callee.namePos);
        const [label] = bindArgs(args, ['label', 'enable']);
        this.blocks.push({ kind: 'detect', label: optionalString(label, 'label', args.pos), detect: object });
        return object;
      }
      throw this.unknownMethod(object, name, expr.callee.namePos);
    }
    const callee = this.evaluate(expr.callee, locals);
    if (!isObject(callee) || callee.kind !== 'function') {
      throw typeError(`a ${typeName(callee)} is not callable`, expr.pos);
    }
    return this.function(evalArgs(callee.name, expr.pos));
  }

  // ---- built-in functions ----

  private function(args: CallArgs): Value {
    switch (args.name) {
      case 'data':
        return this.data(args);
      case 'filter':
        return this.filter(args);
      case 'const':
        return this.constant(args);
      case 'when':
        return this.when(args);
      case 'detect':
        return this.detect(args);
      case 'lasting': {
        const [lasting, atLeast] = bindArgs(args, ['lasting', 'at_least']);
        return {
          kind: 'lasting',
          ...(lasting === undefined || lasting === null ? {} : { ms: toDuration(lasting, args.pos) }),
          atLeast: atLeast === undefined ? 1 : toFraction(atLeast, args.pos),
        };
      }
      case 'duration': {
        const [value] = bindArgs(args, ['value'], 1);
        return { kind: 'duration', ms: toDuration(value as Value, args.pos) };
      }
      case 'abs': {
        const [value] = bindArgs(args, ['value'], 1);
        if (typeof value === 'number') return Math.abs(value);
        return this.streamMethod(toStream(value as Value, args.pos), { ...args, positional: [] });
      }
      default:
        return this.aggregateFunction(args);
    }
  }

  /** `sum(s, by=...)` is the method on one stream; `max(s, 0)`, `sum(a, b)` combine values element-wise. */
  private aggregateFunction(args: CallArgs): Value {
    const streams = args.positional.filter(isStream);
    if (args.positional.length === 1 && streams.length === 1) {
      return this.streamMethod(streams[0] as StreamValue, { ...args, positional: [] });
    }
    if (args.positional.length === 0) throw typeError(`${args.name}() needs at least one argument`, args.pos);
    if (args.keywords.size > 0) throw typeError(`${args.name}() of several values takes no keywords`, args.pos);
    const pairwise: Record<string, (a: number, b: number) => number> = {
      sum: (a, b) => a + b,
      mean: (a, b) => a + b,
      min: Math.min,
      max: Math.max,
    };
    const combine = pairwise[args.name];
    if (combine === undefined) throw unsupportedError(`${args.name}() of several values`, args.pos, args.name);
    for (const value of args.positional) {
      if (typeof value !== 'number' && !isStream(value)) {
        throw typeError(`${args.name}() takes streams and numbers, not ${typeName(value)}`, args.pos);
      }
    }
    let result = args.positional[0] as Value;
    for (const value of args.positional.slice(1)) {
      result = this.arithmetic(result, value, combine, args.pos);
    }
    if (args.name === 'mean') {
      const n = args.positional.length;
      result = this.arithmetic(result, n, (a, b) => a / b, args.pos);
    }
    return result;
  }

  private data(args: CallArgs): Value {
    const [metric, filter, rollup, extrapolation, maxExtrapolations, resolution] = bindArgs(
      args,
      ['metric', 'filter', 'rollup', 'extrapolation', 'maxExtrapolations', 'resolution'],
      1,
    );
    if (typeof metric !== 'string') throw typeError('data() needs a metric name string', args.pos);
    const spec: DataSpec = { metric, extrapolation: 'null', maxExtrapolations: -1 };
    if (filter !== undefined && filter !== null) {
      if (!isObject(filter) || filter.kind !== 'filter') throw typeError('data(filter=) needs a filter', args.pos);
      spec.filter = filter.filter;
    }
    if (rollup !== undefined && rollup !== null) {
      if (typeof rollup !== 'string' || !ROLLUPS.includes(rollup as RollupName)) {
        throw typeError(`unknown rollup '${String(rollup)}'; expected one of ${ROLLUPS.join(', ')}`, args.pos);
      }
      spec.rollup = rollup as RollupName;
    }
    if (extrapolation !== undefined && extrapolation !== null) {
      const policy = extrapolation === 'last' ? 'last_value' : extrapolation;
      if (policy !== 'null' && policy !== 'zero' && policy !== 'last_value') {
        throw typeError(
          `unknown extrapolation '${String(extrapolation)}'; expected null, zero or last_value`,
          args.pos,
        );
      }
      spec.extrapolation = policy;
    }
    if (maxExtrapolations !== undefined && maxExtrapolations !== null) {
      if (typeof maxExtrapolations !== 'number' || !Number.isInteger(maxExtrapolations)) {
        throw typeError('maxExtrapolations must be an integer', args.pos);
      }
      spec.maxExtrapolations = maxExtrapolations;
    }
    if (resolution !== undefined && resolution !== null) spec.resolutionMs = toDuration(resolution, args.pos);
    const node = new DataNode(spec, this.options.source, this.options.findLimit);
    this.dataNodes.push(node);
    return { kind: 'stream', node };
  }

  private filter(args: CallArgs): Value {
    const matchMissing = args.keywords.get('match_missing');
    for (const key of args.keywords.keys()) {
      if (key !== 'match_missing') throw typeError(`filter() got an unexpected keyword '${key}'`, args.pos);
    }
    const [field, ...rest] = args.positional;
    if (typeof field !== 'string') throw typeError('filter() needs a field name string', args.pos);
    const terms: string[] = [];
    for (const term of rest) {
      const items = isObject(term) && (term.kind === 'list' || term.kind === 'tuple') ? term.items : [term];
      for (const item of items) {
        if (typeof item === 'number' || typeof item === 'boolean') terms.push(String(item));
        else if (typeof item === 'string') terms.push(item);
        else throw typeError(`filter() terms must be strings, not ${typeName(item)}`, args.pos);
      }
    }
    if (terms.length === 0) throw typeError('filter() needs at least one value', args.pos);
    return {
      kind: 'filter',
      filter: {
        kind: 'term',
        field,
        terms,
        matchMissing: matchMissing === undefined ? false : truthy(matchMissing.value),
      },
    };
  }

  private constant(args: CallArgs): Value {
    const [value, key, timeseries] = bindArgs(args, ['value', 'key', 'timeseries']);
    const series: Array<{ dims: Record<string, string>; value: number }> = [];
    if (timeseries !== undefined && timeseries !== null) {
      if (!isObject(timeseries) || (timeseries.kind !== 'list' && timeseries.kind !== 'tuple')) {
        throw typeError('const(timeseries=) needs a list of dicts', args.pos);
      }
      for (const item of timeseries.items) {
        if (!isObject(item) || item.kind !== 'dict')
          throw typeError('const(timeseries=) needs a list of dicts', args.pos);
        const entry = (name: string): Value | undefined => item.entries.find(([k]) => k === name)?.[1];
        const v = entry('value');
        if (typeof v !== 'number') throw typeError('each const timeseries needs a numeric value', args.pos);
        series.push({ dims: toDims(entry('key'), args.pos), value: v });
      }
    } else {
      if (typeof value !== 'number') throw typeError('const() needs a numeric value', args.pos);
      series.push({ dims: toDims(key, args.pos), value });
    }
    return { kind: 'stream', node: new ConstNode(series) };
  }

  private when(args: CallArgs): Value {
    const [predicate, lasting, atLeast] = bindArgs(args, ['predicate', 'lasting', 'at_least'], 1);
    const stream = toStream(predicate as Value, args.pos);
    let lastingMs: number | undefined;
    let fraction = atLeast === undefined || atLeast === null ? 1 : toFraction(atLeast, args.pos);
    if (isObject(lasting as Value) && (lasting as ObjectValue).kind === 'lasting') {
      const value = lasting as LastingValue;
      lastingMs = value.ms;
      if (atLeast === undefined) fraction = value.atLeast;
    } else if (lasting !== undefined && lasting !== null) lastingMs = toDuration(lasting, args.pos);
    return { kind: 'stream', node: new WhenNode(stream.node, lastingMs, fraction) };
  }

  private detect(args: CallArgs): Value {
    const [on, off, mode, _annotations, _eventAnnotations, autoResolve] = bindArgs(
      args,
      ['on', 'off', 'mode', 'annotations', 'event_annotations', 'auto_resolve_after'],
      1,
    );
    if (mode !== undefined && mode !== null && mode !== 'paired' && mode !== 'split') {
      throw typeError(`unknown detect mode '${String(mode)}'; expected paired or split`, args.pos);
    }
    const onNode = this.condition(on as Value, args.pos);
    const offNode = off === undefined || off === null ? undefined : this.condition(off, args.pos);
    const detect: DetectValue = { kind: 'detect', on: onNode, inputs: collectInputs(onNode) };
    if (offNode !== undefined) detect.off = offNode;
    if (autoResolve !== undefined && autoResolve !== null)
      detect.autoResolveAfterMs = toDuration(autoResolve, args.pos);
    return detect;
  }

  /** A when() object or a bare boolean stream (an immediate condition). */
  private condition(value: Value, pos: Pos): StreamNode {
    const stream = toStream(value, pos);
    if (stream.node instanceof WhenNode) return stream.node;
    if (!stream.node.boolean) throw typeError('detect() conditions must be comparisons or when() objects', pos);
    return new WhenNode(stream.node, undefined, 1);
  }

  // ---- stream methods ----

  private streamMethod(stream: StreamValue, args: CallArgs): Value {
    const input = stream.node;
    const wrap = (node: StreamNode): StreamValue => ({ kind: 'stream', node });
    const name = args.name;
    if (AGGREGATIONS.has(name)) return wrap(this.aggregation(input, args));
    const math = MATH_METHODS[name];
    if (math !== undefined) {
      bindArgs(args, []);
      return wrap(new MapNode(input, math));
    }
    switch (name) {
      case 'publish': {
        const [label, enable] = bindArgs(args, ['label', 'enable']);
        this.blocks.push({
          kind: 'metric',
          label: optionalString(label, 'label', args.pos),
          node: input,
          enabled: enable === undefined ? true : truthy(enable),
        });
        return stream;
      }
      case 'abs':
        bindArgs(args, []);
        return wrap(new MapNode(input, Math.abs));
      case 'scale': {
        const [multiple] = bindArgs(args, ['multiple']);
        const k = multiple === undefined ? 1 : toNumber(multiple, 'multiple', args.pos);
        return wrap(new MapNode(input, (v) => v * k));
      }
      case 'pow': {
        const [exponent] = bindArgs(args, ['exponent'], 1);
        const e = toNumber(exponent as Value, 'exponent', args.pos);
        return wrap(new MapNode(input, (v) => v ** e));
      }
      case 'rate': {
        const [by] = bindArgs(args, ['by']);
        const grouped =
          by === undefined || by === null ? input : new AggregateNode(input, reducer('sum'), toKeys(by, args.pos));
        return wrap(new MapNode(grouped, (v, node) => v / (node.R / 1000)));
      }
      case 'delta':
        bindArgs(args, []);
        return wrap(new DeltaNode(input, false));
      case 'rateofchange':
        bindArgs(args, []);
        return wrap(new DeltaNode(input, true));
      case 'timeshift': {
        const [offset] = bindArgs(args, ['offset'], 1);
        const ms = toDuration(offset as Value, args.pos);
        if (ms < 0) throw typeError('timeshift() offset must not be negative', args.pos);
        return wrap(new TimeshiftNode(input, ms));
      }
      case 'fill': {
        const [value, duration, maxCount] = bindArgs(args, ['value', 'duration', 'maxCount']);
        const fillValue = value === undefined || value === null ? null : toNumber(value, 'value', args.pos);
        const count =
          maxCount === undefined || maxCount === null ? undefined : toNumber(maxCount, 'maxCount', args.pos);
        const ms = duration === undefined || duration === null ? undefined : toDuration(duration, args.pos);
        return wrap(new FillNode(input, fillValue, count, ms));
      }
      case 'top':
      case 'bottom': {
        const [count, by, percentage] = bindArgs(args, ['count', 'by', 'percentage']);
        const n = count === undefined || count === null ? undefined : toNumber(count, 'count', args.pos);
        const pct =
          percentage === undefined || percentage === null ? undefined : toNumber(percentage, 'percentage', args.pos);
        if (n !== undefined && (!Number.isInteger(n) || n < 0))
          throw typeError('count must be a whole number', args.pos);
        const keys = by === undefined || by === null ? undefined : toKeys(by, args.pos);
        return wrap(new RankNode(input, name === 'top', n, pct, keys));
      }
      case 'above':
      case 'below': {
        const [limit, inclusive, clamp] = bindArgs(args, ['limit', 'inclusive', 'clamp'], 1);
        const bound = toNumber(limit as Value, 'limit', args.pos);
        const incl = inclusive === undefined ? false : truthy(inclusive);
        const clampIt = clamp === undefined ? false : truthy(clamp);
        const keep =
          name === 'above'
            ? (v: number) => (incl ? v >= bound : v > bound)
            : (v: number) => (incl ? v <= bound : v < bound);
        return wrap(new MapNode(input, (v) => (keep(v) ? v : clampIt ? bound : undefined), { keepIdentity: true }));
      }
      case 'between': {
        const [low, high, lowInclusive, highInclusive, clamp] = bindArgs(
          args,
          ['low_limit', 'high_limit', 'low_inclusive', 'high_inclusive', 'clamp'],
          2,
        );
        const lo = toNumber(low as Value, 'low_limit', args.pos);
        const hi = toNumber(high as Value, 'high_limit', args.pos);
        const loIn = lowInclusive === undefined ? true : truthy(lowInclusive);
        const hiIn = highInclusive === undefined ? true : truthy(highInclusive);
        const clampIt = clamp === undefined ? false : truthy(clamp);
        return wrap(
          new MapNode(
            input,
            (v) => {
              const aboveLow = loIn ? v >= lo : v > lo;
              const belowHigh = hiIn ? v <= hi : v < hi;
              if (aboveLow && belowHigh) return v;
              if (!clampIt) return undefined;
              return aboveLow ? hi : lo;
            },
            { keepIdentity: true },
          ),
        );
      }
      case 'map': {
        const [fn] = bindArgs(args, ['function'], 1);
        if (!isObject(fn as Value) || (fn as ObjectValue).kind !== 'lambda') {
          throw typeError('map() needs a lambda', args.pos);
        }
        return wrap(new MapNode(input, this.scalarFunction(fn as LambdaValue, args.pos)));
      }
      default:
        throw nameError(name, args.pos, 'stream method');
    }
  }

  private aggregation(input: StreamNode, args: CallArgs): StreamNode {
    const params = [
      'by',
      'allow_missing',
      'over',
      'cycle',
      'cycle_start',
      'timezone',
      'partial_values',
      'shift_cycles',
    ];
    let pct: number | undefined;
    let values: Array<Value | undefined>;
    if (args.name === 'percentile') {
      const [p, ...rest] = bindArgs(args, ['pct', ...params], 1);
      pct = toNumber(p as Value, 'pct', args.pos);
      if (!(pct > 0 && pct <= 100)) throw typeError('percentile pct must be in (0, 100]', args.pos);
      values = rest;
    } else values = bindArgs(args, params);
    const [by, allowMissing, over, cycle] = values;
    if (cycle !== undefined && cycle !== null) throw unsupportedError('Calendar windows (cycle=)', args.pos, 'cycle');
    const reduce = reducer(args.name, pct);
    if (over !== undefined && over !== null) {
      if (by !== undefined && by !== null) throw typeError('by= and over= cannot be combined', args.pos);
      const ms = toDuration(over, args.pos);
      if (ms <= 0) throw typeError('over= must be a positive duration', args.pos);
      return new WindowNode(input, reduce, ms);
    }
    const keys = by === undefined || by === null ? undefined : toKeys(by, args.pos);
    const allow = allowMissing === undefined || allowMissing === null ? [] : toKeys(allowMissing, args.pos);
    return new AggregateNode(input, reduce, keys, allow);
  }

  /** Turns a one-parameter lambda into a per-value function, checking once that it yields numbers. */
  private scalarFunction(fn: LambdaValue, pos: Pos): (v: number) => number | undefined {
    const apply = (v: number): Value => this.evaluate(fn.body, new Map([[fn.param, v]]));
    const probe = apply(1);
    if (probe !== null && typeof probe !== 'number' && typeof probe !== 'boolean') {
      throw typeError(`map() lambda must return a number, not ${typeName(probe)}`, pos);
    }
    return (v) => {
      let result: Value;
      try {
        result = apply(v);
      } catch {
        return undefined; // e.g. a division by zero for this value: no value, like stream arithmetic
      }
      if (typeof result === 'number') return result;
      if (typeof result === 'boolean') return result ? 1 : 0;
      return undefined;
    };
  }

  // ---- operators ----

  private unary(op: '-' | '+' | '~' | 'not', value: Value, pos: Pos): Value {
    if (op === 'not') {
      if (isObject(value) && value.kind === 'filter')
        return { kind: 'filter', filter: { kind: 'not', operand: value.filter } };
      if (isStream(value))
        return { kind: 'stream', node: new MapNode(value.node, (v) => (v ? 0 : 1), { boolean: true }) };
      if (isObject(value)) throw typeError(`'not' does not apply to a ${typeName(value)}`, pos);
      return !truthy(value);
    }
    if (op === '~') throw unsupportedError("The '~' operator", pos);
    if (typeof value === 'number') return op === '-' ? -value : value;
    if (isStream(value)) return op === '-' ? { kind: 'stream', node: new MapNode(value.node, (v) => -v) } : value;
    throw typeError(`unary '${op}' does not apply to a ${typeName(value)}`, pos);
  }

  private binary(op: string, left: Value, right: Value, pos: Pos): Value {
    const fns: Record<string, (a: number, b: number) => number | undefined> = {
      '+': (a, b) => a + b,
      '-': (a, b) => a - b,
      '*': (a, b) => a * b,
      '/': (a, b) => (b === 0 ? undefined : a / b),
      '**': (a, b) => a ** b,
    };
    const fn = fns[op];
    if (fn === undefined) throw unsupportedError(`The '${op}' operator`, pos);
    if (typeof left === 'string' && typeof right === 'string' && op === '+') return left + right;
    if (isObject(left) && left.kind === 'duration' && typeof right === 'number' && op === '*') {
      return { kind: 'duration', ms: left.ms * right };
    }
    if (isObject(right) && right.kind === 'duration' && typeof left === 'number' && op === '*') {
      return { kind: 'duration', ms: right.ms * left };
    }
    if (isObject(left) && left.kind === 'duration' && isObject(right) && right.kind === 'duration') {
      if (op === '+') return { kind: 'duration', ms: left.ms + right.ms };
      if (op === '-') return { kind: 'duration', ms: left.ms - right.ms };
    }
    return this.arithmetic(left, right, fn, pos, op);
  }

  private arithmetic(
    left: Value,
    right: Value,
    fn: (a: number, b: number) => number | undefined,
    pos: Pos,
    op = 'this operation',
    boolean = false,
  ): Value {
    const numeric = (v: Value): boolean => typeof v === 'number' || typeof v === 'boolean';
    if (numeric(left) && numeric(right)) {
      const result = fn(Number(left), Number(right));
      if (result === undefined) throw typeError('division by zero', pos);
      return boolean ? result !== 0 : result;
    }
    if (isStream(left) && numeric(right)) {
      const k = Number(right);
      return { kind: 'stream', node: new MapNode(left.node, (v) => fn(v, k), { boolean }) };
    }
    if (numeric(left) && isStream(right)) {
      const k = Number(left);
      return { kind: 'stream', node: new MapNode(right.node, (v) => fn(k, v), { boolean }) };
    }
    if (isStream(left) && isStream(right)) {
      return { kind: 'stream', node: new JoinNode(left.node, right.node, fn, { boolean }) };
    }
    throw typeError(`'${op}' does not apply to ${typeName(left)} and ${typeName(right)}`, pos);
  }

  private boolOp(expr: Extract<Expr, { type: 'BoolOp' }>, locals: Map<string, Value> | undefined): Value {
    const left = this.evaluate(expr.left, locals);
    if (!isObject(left)) {
      // Python semantics for plain values: short-circuit and return an operand.
      if (expr.op === 'and' ? !truthy(left) : truthy(left)) return left;
      const right = this.evaluate(expr.right, locals);
      if (isObject(right)) throw typeError(`'${expr.op}' mixes a ${typeName(left)} and a ${typeName(right)}`, expr.pos);
      return right;
    }
    const right = this.evaluate(expr.right, locals);
    if (left.kind === 'filter' && isObject(right) && right.kind === 'filter') {
      return { kind: 'filter', filter: { kind: expr.op, left: left.filter, right: right.filter } };
    }
    if (isStream(left) && isStream(right)) {
      const fn =
        expr.op === 'and' ? (a: number, b: number) => (a && b ? 1 : 0) : (a: number, b: number) => (a || b ? 1 : 0);
      return { kind: 'stream', node: new JoinNode(left.node, right.node, fn, { boolean: true }) };
    }
    throw typeError(`'${expr.op}' does not apply to ${typeName(left)} and ${typeName(right)}`, expr.pos);
  }

  private compare(expr: Extract<Expr, { type: 'Compare' }>, locals: Map<string, Value> | undefined): Value {
    const operands = expr.operands.map((operand) => this.evaluate(operand, locals));
    let result: Value | undefined;
    expr.ops.forEach((op, i) => {
      const left = operands[i] as Value;
      const right = operands[i + 1] as Value;
      let step: Value;
      if (op === 'is' || op === 'is not') {
        if (isObject(left) || isObject(right)) throw unsupportedError(`'${op}' on a stream`, expr.pos);
        step = (left === right) === (op === 'is');
      } else if (!isObject(left) && !isObject(right) && (typeof left === 'string' || typeof right === 'string')) {
        step = compareScalars(op, left, right);
      } else {
        step = this.arithmetic(left, right, (a, b) => (compareNumbers(op, a, b) ? 1 : 0), expr.pos, op, true);
      }
      if (result === undefined) result = step;
      else if (!isObject(result) && !isObject(step)) result = truthy(result) && truthy(step);
      else if (isStream(result) && isStream(step)) {
        result = {
          kind: 'stream',
          node: new JoinNode(result.node, step.node, (a, b) => (a && b ? 1 : 0), { boolean: true }),
        };
      } else throw unsupportedError('This chained comparison', expr.pos);
    });
    return result as Value;
  }
}

const STREAM_METHODS = new Set([
  'publish',
  'abs',
  'scale',
  'pow',
  'rate',
  'delta',
  'rateofchange',
  'timeshift',
  'fill',
  'top',
  'bottom',
  'above',
  'below',
  'between',
  'map',
]);

function compareNumbers(op: string, a: number, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    default:
      return a !== b;
  }
}

function compareScalars(op: string, a: Value, b: Value): boolean {
  if (op === '==') return a === b;
  if (op === '!=') return a !== b;
  if (typeof a !== typeof b) return false;
  const x = a as string;
  const y = b as string;
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

function truthy(value: Value): boolean {
  if (value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value.length > 0;
  if (value.kind === 'list' || value.kind === 'tuple') return value.items.length > 0;
  if (value.kind === 'dict') return value.entries.length > 0;
  return true;
}

/** Positional and keyword arguments matched to parameter names, Python style. */
function bindArgs(args: CallArgs, params: string[], required = 0): Array<Value | undefined> {
  if (args.positional.length > params.length) {
    throw typeError(`${args.name}() takes at most ${params.length} positional arguments`, args.pos);
  }
  const bound: Array<Value | undefined> = params.map((_, i) => args.positional[i]);
  for (const [name, { value, pos }] of args.keywords) {
    const index = params.indexOf(name);
    if (index < 0) throw typeError(`${args.name}() got an unexpected keyword argument '${name}'`, pos);
    if (index < args.positional.length) throw typeError(`${args.name}() got several values for '${name}'`, pos);
    bound[index] = value;
  }
  for (let i = 0; i < required; i += 1) {
    if (bound[i] === undefined) throw typeError(`${args.name}() is missing the argument '${params[i]}'`, args.pos);
  }
  return bound;
}

function toNumber(value: Value, name: string, pos: Pos): number {
  if (typeof value !== 'number') throw typeError(`${name} must be a number, not ${typeName(value)}`, pos);
  return value;
}

function toFraction(value: Value, pos: Pos): number {
  const n = toNumber(value, 'at_least', pos);
  if (!(n > 0 && n <= 1)) throw typeError('at_least must be in (0, 1]', pos);
  return n;
}

function toDuration(value: Value, pos: Pos): number {
  if (typeof value === 'number') return value;
  if (isObject(value) && value.kind === 'duration') return value.ms;
  if (typeof value === 'string') {
    try {
      return parseDuration(value);
    } catch {
      throw typeError(`invalid duration '${value}'`, pos);
    }
  }
  throw typeError(`expected a duration, not ${typeName(value)}`, pos);
}

function toKeys(value: Value, pos: Pos): string[] {
  if (typeof value === 'string') return [value];
  if (isObject(value) && (value.kind === 'list' || value.kind === 'tuple')) {
    return value.items.map((item) => {
      if (typeof item !== 'string') throw typeError('by= needs dimension names (strings)', pos);
      return item;
    });
  }
  throw typeError(`expected a dimension name or a list of them, not ${typeName(value)}`, pos);
}

function toDims(value: Value | undefined, pos: Pos): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value) || value.kind !== 'dict') throw typeError('key= needs a dict of dimensions', pos);
  const dims: Record<string, string> = {};
  for (const [k, v] of value.entries) {
    if (typeof k !== 'string' || isObject(v) || v === null) throw typeError('key= needs string keys and values', pos);
    dims[k] = String(v);
  }
  return dims;
}

function optionalString(value: Value | undefined, name: string, pos: Pos): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw typeError(`${name} must be a string`, pos);
  return value;
}

function toStream(value: Value, pos: Pos): StreamValue {
  if (!isStream(value)) throw typeError(`expected a stream, not ${typeName(value)}`, pos);
  return value;
}

/** The named streams a condition reads, for the `inputs` of detector events. */
function collectInputs(root: StreamNode): Array<{ name: string; node: StreamNode }> {
  const found: Array<{ name: string; node: StreamNode }> = [];
  const seen = new Set<StreamNode>();
  const visit = (node: StreamNode): void => {
    if (seen.has(node)) return;
    seen.add(node);
    if (node.bindingName !== undefined && !node.boolean) {
      found.push({ name: node.bindingName, node });
      return;
    }
    for (const input of node.inputs) visit(input);
  };
  visit(root);
  return found;
}
