/**
 * The logging interface: pino's shape, so a pino (or bunyan-like) logger can be passed as is.
 * Each method takes either a message, or an object of fields followed by a message.
 */
export interface Logger {
  debug(fieldsOrMessage: object | string, message?: string): void;
  info(fieldsOrMessage: object | string, message?: string): void;
  warn(fieldsOrMessage: object | string, message?: string): void;
  error(fieldsOrMessage: object | string, message?: string): void;
}

const noop = (): void => {};

/** A logger that discards everything: the default of every client. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/**
 * A complete logger from a partial one. Methods are called on the original object, since
 * pino needs its `this`.
 */
export function normalizeLogger(logger: Partial<Logger> | undefined): Logger {
  if (!logger) return silentLogger;
  const bind = (level: keyof Logger) => {
    const method = logger[level];
    return typeof method === 'function' ? method.bind(logger) : noop;
  };
  return { debug: bind('debug'), info: bind('info'), warn: bind('warn'), error: bind('error') };
}

/** Logs to the console, for scripts and the CLI. Debug lines only when `debug` is true. */
export function consoleLogger(options: { debug?: boolean } = {}): Logger {
  const format = (fieldsOrMessage: object | string, message?: string): unknown[] =>
    typeof fieldsOrMessage === 'string' ? [fieldsOrMessage] : [message ?? '', fieldsOrMessage];
  return {
    debug: (f, m) => {
      if (options.debug) console.debug(...format(f, m));
    },
    info: (f, m) => console.info(...format(f, m)),
    warn: (f, m) => console.warn(...format(f, m)),
    error: (f, m) => console.error(...format(f, m)),
  };
}
