import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeDatapoints, decodeEvents, type Encoding } from '@sfx/ingest';
import { type EmulatorContext, INGEST_LOG_LIMIT, isOrgToken } from '../context.js';
import type { MetricType } from '../engine/types.js';
import { header, mediaType, RequestError, readBody, sendJson, sendText } from './util.js';

/** Dimensions a datapoint may carry; more drops the point, as the service does (ingest.md §9). */
const MAX_DIMENSIONS = 36;
const METRIC_TYPES = new Set<MetricType>(['gauge', 'counter', 'cumulative_counter']);

function encodingOf(request: IncomingMessage): Encoding {
  const type = mediaType(request);
  // A request without Content-Type is read as JSON (ingest.md §3).
  if (type === '' || type === 'application/json') return 'json';
  if (type === 'application/x-protobuf') return 'protobuf';
  throw new RequestError(400, `Invalid content type:${header(request, 'content-type') ?? ''}`);
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

function decodeFailure(error: unknown): RequestError {
  return new RequestError(400, `invalid body: ${error instanceof Error ? error.message : String(error)}`);
}

/** `POST /v2/datapoint` and `POST /v2/event` (ingest.md §13). */
export async function handleIngest(
  context: EmulatorContext,
  request: IncomingMessage,
  response: ServerResponse,
  kind: 'datapoint' | 'event',
): Promise<void> {
  if (request.method !== 'POST') {
    request.resume();
    sendText(response, 405, `Method ${request.method} not allowed on /v2/${kind}; use POST`);
    return;
  }
  if (!isOrgToken(context, header(request, 'x-sf-token'))) {
    request.resume();
    sendJson(response, 401, { code: 401, message: 'Unauthorized: a valid X-SF-Token is required' });
    return;
  }
  const encoding = encodingOf(request);
  const sizes = { wireBytes: 0 };
  const body = await readBody(request, context.maxBodyBytes, sizes);
  const receivedAt = context.now();
  let items = 0;
  let droppedItems = 0;
  if (kind === 'datapoint') {
    // Points the decoder refused (no numeric value, unknown type) never reach `points`.
    let refusedByDecoder = 0;
    let points: ReturnType<typeof decodeDatapoints>;
    try {
      points = decodeDatapoints(body, encoding, { onDrop: () => refusedByDecoder++ });
    } catch (error) {
      throw decodeFailure(error);
    }
    let dropped = refusedByDecoder;
    for (const point of points) {
      const value = toNumber(point.value);
      const dimensions = point.dimensions ?? {};
      if (
        value === undefined ||
        typeof point.metric !== 'string' ||
        point.metric === '' ||
        Object.keys(dimensions).length > MAX_DIMENSIONS
      ) {
        dropped++;
        continue;
      }
      const stored = context.store.addDatapoint({
        metric: point.metric,
        metricType: METRIC_TYPES.has(point.metricType) ? point.metricType : 'gauge',
        dimensions,
        timestamp: point.timestamp && point.timestamp > 0 ? point.timestamp : receivedAt,
        value,
      });
      if (!stored) droppedItems++;
    }
    // The store counts what it refuses itself; these never reached it.
    if (dropped > 0) context.store.countDropped(dropped);
    items = points.length + refusedByDecoder;
    droppedItems += dropped;
  } else {
    let events: ReturnType<typeof decodeEvents>;
    try {
      events = decodeEvents(body, encoding);
    } catch (error) {
      throw decodeFailure(error);
    }
    items = events.length;
    for (const event of events) {
      const properties: Record<string, string | number | boolean> = {};
      for (const [key, value] of Object.entries(event.properties ?? {})) {
        properties[key] = typeof value === 'bigint' ? Number(value) : value;
      }
      const stored = context.store.addEvent({
        eventType: event.eventType,
        category: event.category ?? 'USER_DEFINED',
        dimensions: { ...(event.dimensions ?? {}) },
        properties,
        timestamp: event.timestamp && event.timestamp > 0 ? event.timestamp : receivedAt,
      });
      if (!stored) droppedItems++;
    }
  }
  context.ingestLog.push({
    path: kind === 'datapoint' ? '/v2/datapoint' : '/v2/event',
    receivedAt,
    contentType: header(request, 'content-type'),
    contentEncoding: header(request, 'content-encoding'),
    userAgent: header(request, 'user-agent'),
    wireBytes: sizes.wireBytes,
    bodyBytes: body.length,
    items,
    dropped: droppedItems,
  });
  if (context.ingestLog.length > INGEST_LOG_LIMIT) context.ingestLog.shift();
  // The body is the JSON string "OK", quotes included: some clients check it byte for byte.
  sendJson(response, 200, 'OK');
}
