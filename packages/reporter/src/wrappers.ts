import { type Counter, type Histogram, isThenable, type Meter, type Timer } from './metrics.js';
import type { Dimensions, MetricsRegistry } from './registry.js';

// biome-ignore lint/suspicious/noExplicitAny: any function may be wrapped; its own type is kept.
type AnyFunction = (this: any, ...args: any[]) => any;

interface WrapArguments<F> {
  name: string;
  dimensions: Dimensions | undefined;
  fn: F;
}

function parseArguments<F extends AnyFunction>(
  args: [F] | [string, F] | [string, Dimensions | undefined, F],
): WrapArguments<F> {
  const fn = args[args.length - 1] as F;
  if (typeof fn !== 'function') throw new TypeError('the last argument must be the function to wrap');
  const name = args.length > 1 ? (args[0] as string) : `${fn.name || 'anonymous'}_calls`;
  const dimensions = args.length > 2 ? (args[1] as Dimensions | undefined) : undefined;
  return { name, dimensions, fn };
}

function keepName<F extends AnyFunction>(wrapper: AnyFunction, fn: F): F {
  Object.defineProperty(wrapper, 'name', { value: fn.name, configurable: true });
  return wrapper as F;
}

function countedFunction(counter: (self: unknown) => Counter, fn: AnyFunction): AnyFunction {
  return function (this: unknown, ...args: unknown[]) {
    counter(this).inc();
    return fn.apply(this, args);
  };
}

function meteredFunction(meter: (self: unknown) => Meter, fn: AnyFunction): AnyFunction {
  return function (this: unknown, ...args: unknown[]) {
    meter(this).mark();
    return fn.apply(this, args);
  };
}

function recordNumber(histogram: Histogram, value: unknown): void {
  // Only plain numbers: booleans, bigints and other values say nothing about a distribution.
  if (typeof value === 'number' && Number.isFinite(value)) histogram.update(value);
}

const ignore = (): void => {};

function histogrammedFunction(histogram: (self: unknown) => Histogram, fn: AnyFunction): AnyFunction {
  return function (this: unknown, ...args: unknown[]) {
    const result = fn.apply(this, args);
    if (isThenable(result)) {
      const target = histogram(this);
      result.then((value) => recordNumber(target, value), ignore);
    } else {
      recordNumber(histogram(this), result);
    }
    return result;
  };
}

function timedFunction(timer: (self: unknown) => Timer, fn: AnyFunction): AnyFunction {
  return function (this: unknown, ...args: unknown[]) {
    const stop = timer(this).start();
    let result: unknown;
    try {
      result = fn.apply(this, args);
    } catch (error) {
      stop();
      throw error;
    }
    if (isThenable(result)) result.then(stop, stop);
    else stop();
    return result;
  };
}

/**
 * Wraps `fn` so each call increments the counter `name` (default `<fn.name>_calls`) before running, so calls
 * that throw count too. Works for sync and async functions; `this` and the return value pass through.
 */
export function countCalls<F extends AnyFunction>(registry: MetricsRegistry, fn: F): F;
export function countCalls<F extends AnyFunction>(registry: MetricsRegistry, name: string, fn: F): F;
export function countCalls<F extends AnyFunction>(
  registry: MetricsRegistry,
  name: string,
  dimensions: Dimensions | undefined,
  fn: F,
): F;
export function countCalls<F extends AnyFunction>(
  registry: MetricsRegistry,
  ...args: [F] | [string, F] | [string, Dimensions | undefined, F]
): F {
  const { name, dimensions, fn } = parseArguments(args);
  const counter = registry.counter(name, dimensions);
  return keepName(
    countedFunction(() => counter, fn),
    fn,
  );
}

/** Wraps `fn` so each call marks the meter `name` (default `<fn.name>_calls`) before running. */
export function meterCalls<F extends AnyFunction>(registry: MetricsRegistry, fn: F): F;
export function meterCalls<F extends AnyFunction>(registry: MetricsRegistry, name: string, fn: F): F;
export function meterCalls<F extends AnyFunction>(
  registry: MetricsRegistry,
  name: string,
  dimensions: Dimensions | undefined,
  fn: F,
): F;
export function meterCalls<F extends AnyFunction>(
  registry: MetricsRegistry,
  ...args: [F] | [string, F] | [string, Dimensions | undefined, F]
): F {
  const { name, dimensions, fn } = parseArguments(args);
  const meter = registry.meter(name, dimensions);
  return keepName(
    meteredFunction(() => meter, fn),
    fn,
  );
}

/**
 * Wraps `fn` so each return value (or resolved value) that is a finite number goes into the histogram `name`
 * (default `<fn.name>_calls`). Other values, and calls that throw, record nothing.
 */
export function histCalls<F extends AnyFunction>(registry: MetricsRegistry, fn: F): F;
export function histCalls<F extends AnyFunction>(registry: MetricsRegistry, name: string, fn: F): F;
export function histCalls<F extends AnyFunction>(
  registry: MetricsRegistry,
  name: string,
  dimensions: Dimensions | undefined,
  fn: F,
): F;
export function histCalls<F extends AnyFunction>(
  registry: MetricsRegistry,
  ...args: [F] | [string, F] | [string, Dimensions | undefined, F]
): F {
  const { name, dimensions, fn } = parseArguments(args);
  const histogram = registry.histogram(name, dimensions);
  return keepName(
    histogrammedFunction(() => histogram, fn),
    fn,
  );
}

/**
 * Wraps `fn` so each call is timed by the timer `name` (default `<fn.name>_calls`): until it returns, throws, or
 * (for a promise) settles.
 */
export function timeCalls<F extends AnyFunction>(registry: MetricsRegistry, fn: F): F;
export function timeCalls<F extends AnyFunction>(registry: MetricsRegistry, name: string, fn: F): F;
export function timeCalls<F extends AnyFunction>(
  registry: MetricsRegistry,
  name: string,
  dimensions: Dimensions | undefined,
  fn: F,
): F;
export function timeCalls<F extends AnyFunction>(
  registry: MetricsRegistry,
  ...args: [F] | [string, F] | [string, Dimensions | undefined, F]
): F {
  const { name, dimensions, fn } = parseArguments(args);
  const timer = registry.timer(name, dimensions);
  return keepName(
    timedFunction(() => timer, fn),
    fn,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: a method of any signature may be decorated.
type MethodDecorator = <This, F extends (this: This, ...args: any[]) => any>(
  target: F,
  context: ClassMethodDecoratorContext<This, F>,
) => F;

/**
 * The metric of a decorated method, created on the first call: its default name `<Class>.<method>_calls` needs
 * the class, which a method decorator only sees through `this`.
 */
function lazyMetric<M>(
  context: ClassMethodDecoratorContext,
  name: string | undefined,
  create: (name: string) => M,
): (self: unknown) => M {
  let metric: M | undefined;
  return (self) => {
    if (metric === undefined) {
      const owner = context.static ? (self as { name?: string })?.name : (self as object)?.constructor?.name;
      metric = create(name ?? `${owner || 'anonymous'}.${String(context.name)}_calls`);
    }
    return metric;
  };
}

function methodDecorator<M>(
  wrap: (metricFor: (self: unknown) => M, method: AnyFunction) => AnyFunction,
  create: (name: string) => M,
  name: string | undefined,
): MethodDecorator {
  return (target, context) => {
    const metricFor = lazyMetric(context as unknown as ClassMethodDecoratorContext, name, create);
    const method = target as unknown as AnyFunction;
    return keepName(wrap(metricFor, method), method) as unknown as typeof target;
  };
}

/**
 * Method decorator (TypeScript 5 standard decorators): counts calls, as `countCalls`. Default name
 * `<Class>.<method>_calls`, resolved on the first call.
 */
export function counted(registry: MetricsRegistry, name?: string, dimensions?: Dimensions): MethodDecorator {
  return methodDecorator(countedFunction, (metricName) => registry.counter(metricName, dimensions), name);
}

/** Method decorator: marks a meter per call, as `meterCalls`. */
export function metered(registry: MetricsRegistry, name?: string, dimensions?: Dimensions): MethodDecorator {
  return methodDecorator(meteredFunction, (metricName) => registry.meter(metricName, dimensions), name);
}

/** Method decorator: records numeric return values, as `histCalls`. */
export function histogrammed(registry: MetricsRegistry, name?: string, dimensions?: Dimensions): MethodDecorator {
  return methodDecorator(histogrammedFunction, (metricName) => registry.histogram(metricName, dimensions), name);
}

/** Method decorator: times each call, as `timeCalls`. */
export function timed(registry: MetricsRegistry, name?: string, dimensions?: Dimensions): MethodDecorator {
  return methodDecorator(timedFunction, (metricName) => registry.timer(metricName, dimensions), name);
}
