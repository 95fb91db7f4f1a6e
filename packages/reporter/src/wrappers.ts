import { ValidationError } from '@sfx/core';
import { type Counter, type Histogram, isThenable, type Meter, type Timer } from './metrics.js';
import { checkDimensions, checkMetricName, type Dimensions, type MetricsRegistry } from './registry.js';

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
  if (typeof fn !== 'function') {
    throw new ValidationError(`the last argument must be the function to wrap, got ${typeof fn}`, { field: 'fn' });
  }
  const name = args.length > 1 ? (args[0] as string) : `${fn.name || 'anonymous'}_calls`;
  const dimensions = args.length > 2 ? (args[1] as Dimensions | undefined) : undefined;
  return { name, dimensions, fn };
}

function keepName<F extends AnyFunction>(wrapper: AnyFunction, fn: F): F {
  Object.defineProperty(wrapper, 'name', { value: fn.name, configurable: true });
  return wrapper as F;
}

function countedFunction(counter: Counter, fn: AnyFunction): AnyFunction {
  return function (this: unknown, ...args: unknown[]) {
    counter.inc();
    return fn.apply(this, args);
  };
}

function meteredFunction(meter: Meter, fn: AnyFunction): AnyFunction {
  return function (this: unknown, ...args: unknown[]) {
    meter.mark();
    return fn.apply(this, args);
  };
}

function recordNumber(histogram: Histogram, value: unknown): void {
  // Only plain numbers: booleans, bigints and other values say nothing about a distribution.
  if (typeof value === 'number' && Number.isFinite(value)) histogram.update(value);
}

const ignore = (): void => {};

function histogrammedFunction(histogram: Histogram, fn: AnyFunction): AnyFunction {
  return function (this: unknown, ...args: unknown[]) {
    const result = fn.apply(this, args);
    if (isThenable(result)) {
      result.then((value) => recordNumber(histogram, value), ignore);
    } else {
      recordNumber(histogram, result);
    }
    return result;
  };
}

function timedFunction(timer: Timer, fn: AnyFunction): AnyFunction {
  return function (this: unknown, ...args: unknown[]) {
    const stop = timer.start();
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
 * A function wrapper: `(registry, fn)`, `(registry, name, fn)` or `(registry, name, dimensions, fn)`, returning
 * a function of the same type (and name) that records each call in the metric `name` (default `<fn.name>_calls`).
 */
export interface CallWrapper {
  <F extends AnyFunction>(registry: MetricsRegistry, fn: F): F;
  <F extends AnyFunction>(registry: MetricsRegistry, name: string, fn: F): F;
  <F extends AnyFunction>(registry: MetricsRegistry, name: string, dimensions: Dimensions | undefined, fn: F): F;
}

function callWrapper<M>(
  create: (registry: MetricsRegistry, name: string, dimensions: Dimensions | undefined) => M,
  wrap: (metric: M, fn: AnyFunction) => AnyFunction,
): CallWrapper {
  return (
    registry: MetricsRegistry,
    ...args: [AnyFunction] | [string, AnyFunction] | [string, Dimensions | undefined, AnyFunction]
  ) => {
    const { name, dimensions, fn } = parseArguments(args);
    return keepName(wrap(create(registry, name, dimensions), fn), fn);
  };
}

/**
 * Wraps `fn` so each call increments the counter `name` (default `<fn.name>_calls`) before running, so calls
 * that throw count too. Works for sync and async functions; `this` and the return value pass through.
 */
export const countCalls: CallWrapper = callWrapper((r, name, dims) => r.counter(name, dims), countedFunction);

/** Wraps `fn` so each call marks the meter `name` (default `<fn.name>_calls`) before running. */
export const meterCalls: CallWrapper = callWrapper((r, name, dims) => r.meter(name, dims), meteredFunction);

/**
 * Wraps `fn` so each return value (or resolved value) that is a finite number goes into the histogram `name`
 * (default `<fn.name>_calls`). Other values, and calls that throw, record nothing.
 */
export const histCalls: CallWrapper = callWrapper((r, name, dims) => r.histogram(name, dims), histogrammedFunction);

/**
 * Wraps `fn` so each call is timed by the timer `name` (default `<fn.name>_calls`): until it returns, throws, or
 * (for a promise) settles.
 */
export const timeCalls: CallWrapper = callWrapper((r, name, dims) => r.timer(name, dims), timedFunction);

// biome-ignore lint/suspicious/noExplicitAny: a method of any signature may be decorated.
type MethodDecorator = <This, F extends (this: This, ...args: any[]) => any>(
  target: F,
  context: ClassMethodDecoratorContext<This, F>,
) => F;

/**
 * The decorator of a method: the metric is made when the class is defined, so it is reported (at zero) before the
 * first call. The name is required: a default from the class's name would differ between compilers (esbuild, and
 * so vitest, tsx and Vite, renames a decorated class `Service` to `_Service`; minifiers shorten names).
 */
function methodDecorator<M>(
  wrap: (metric: M, method: AnyFunction) => AnyFunction,
  create: (name: string, dimensions: Dimensions | undefined) => M,
  name: string,
  dimensions: Dimensions | undefined,
): MethodDecorator {
  checkMetricName(name);
  checkDimensions(dimensions);
  return (target) => {
    const method = target as unknown as AnyFunction;
    return keepName(wrap(create(name, dimensions), method), method) as unknown as typeof target;
  };
}

/** Method decorator (TypeScript 5 standard decorators): counts calls to the counter `name`, as `countCalls`. */
export function counted(registry: MetricsRegistry, name: string, dimensions?: Dimensions): MethodDecorator {
  return methodDecorator(countedFunction, (n, d) => registry.counter(n, d), name, dimensions);
}

/** Method decorator: marks the meter `name` per call, as `meterCalls`. */
export function metered(registry: MetricsRegistry, name: string, dimensions?: Dimensions): MethodDecorator {
  return methodDecorator(meteredFunction, (n, d) => registry.meter(n, d), name, dimensions);
}

/** Method decorator: records numeric return values in the histogram `name`, as `histCalls`. */
export function histogrammed(registry: MetricsRegistry, name: string, dimensions?: Dimensions): MethodDecorator {
  return methodDecorator(histogrammedFunction, (n, d) => registry.histogram(n, d), name, dimensions);
}

/** Method decorator: times each call with the timer `name`, as `timeCalls`. */
export function timed(registry: MetricsRegistry, name: string, dimensions?: Dimensions): MethodDecorator {
  return methodDecorator(timedFunction, (n, d) => registry.timer(n, d), name, dimensions);
}
