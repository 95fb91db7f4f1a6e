import { IngestClient } from '@sfx/ingest';
import { parseTime } from '../args.js';
import { endpointsOf, type GlobalOptions, type Io, loggerOf, println, timeoutOf, tokenOf } from '../context.js';

export interface EventOptions extends GlobalOptions {
  dim?: Record<string, string>;
  prop?: Record<string, string | number | boolean>;
  category?: string;
  timestamp?: string;
  output?: 'text' | 'json';
}

/** `sfx event TYPE [--dim k=v] [--prop k=v] [--category C]`. */
export async function runEvent(eventType: string, options: EventOptions, io: Io): Promise<number> {
  const timeoutMs = timeoutOf(options);
  const timestamp =
    options.timestamp === undefined ? Date.now() : parseTime(options.timestamp, Date.now(), '--timestamp');
  const ingest = new IngestClient({
    token: tokenOf(options, io.env),
    endpoint: endpointsOf(options, io.env).ingest,
    flushOnExit: false,
    logger: loggerOf(options, io),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  try {
    const event = {
      eventType,
      category: (options.category ?? 'USER_DEFINED').toUpperCase(),
      dimensions: options.dim ?? {},
      properties: options.prop ?? {},
      timestamp,
    };
    // biome-ignore lint/suspicious/noExplicitAny: the category string is checked by the client
    await ingest.sendEvent(event as any);
    if (options.output === 'json') println(io.stdout, JSON.stringify({ sent: 1, event }));
    else println(io.stdout, `event ${eventType} sent`);
    return 0;
  } finally {
    await ingest.close();
  }
}
