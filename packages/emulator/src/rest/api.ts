import type { IncomingMessage, ServerResponse } from 'node:http';
import { type EmulatorContext, isApiToken } from '../context.js';
import { header, parseJson, RequestError, readBody, sendEmpty, sendError, sendJson } from '../http/util.js';
import { programErrorInfo } from '../signalflow/program-error.js';
import type { StoredSeries } from '../store/time-series-store.js';
import {
  type DetectorFields,
  type DetectorRecord,
  type EditableProperties,
  MetadataStore,
  newObjectId,
  type ObjectStamp,
} from './metadata-store.js';
import { envelope, parsePage, sortItems } from './paging.js';
import { type FieldLookup, matchesQuery, parseQuery } from './query.js';

const METRIC_TYPES = new Set(['GAUGE', 'COUNTER', 'CUMULATIVE_COUNTER']);
const SEVERITIES = new Set(['Critical', 'Major', 'Minor', 'Warning', 'Info']);
const SESSION_LIFETIME_MS = 30 * 24 * 3_600_000;

interface Route {
  method: string;
  pattern: string[];
  handler: (call: RestCall) => Promise<void> | void;
  auth?: boolean;
}

interface RestCall {
  context: EmulatorContext;
  request: IncomingMessage;
  response: ServerResponse;
  params: string[];
  query: URLSearchParams;
  token: string;
}

function notFound(what: string): RequestError {
  return new RequestError(404, what);
}

async function jsonBody(call: RestCall): Promise<Record<string, unknown>> {
  const body = parseJson(await readBody(call.request, call.context.maxBodyBytes));
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestError(400, 'body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new RequestError(400, `${field} must be a string`);
  return value;
}

function stringMap(body: Record<string, unknown>, field: string): Record<string, string> {
  const value = body[field];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new RequestError(400, `${field} must be an object`);
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw new RequestError(400, `${field}.${key} must be a string`);
    out[key] = item;
  }
  return out;
}

function stringList(body: Record<string, unknown>, field: string): string[] {
  const value = body[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new RequestError(400, `${field} must be an array of strings`);
  }
  return [...(value as string[])];
}

function editable(body: Record<string, unknown>): EditableProperties {
  return {
    description: optionalString(body, 'description'),
    customProperties: stringMap(body, 'customProperties'),
    tags: stringList(body, 'tags'),
  };
}

function stamp(call: RestCall, previous?: ObjectStamp): ObjectStamp {
  const now = call.context.now();
  const who = call.context.metadata.userId;
  return {
    created: previous?.created ?? now,
    creator: previous?.creator ?? who,
    lastUpdated: now,
    lastUpdatedBy: who,
  };
}

/** Field lookup over plain properties plus custom properties and tags. */
function objectLookup(
  fields: Record<string, string | undefined>,
  extra: EditableProperties | undefined,
  defaultField: string,
): FieldLookup {
  return (field) => {
    const name = field ?? defaultField;
    if (name === 'tags') return extra && extra.tags.length > 0 ? extra.tags : undefined;
    const direct = fields[name];
    if (direct !== undefined) return [direct];
    const custom = extra?.customProperties[name];
    return custom === undefined ? undefined : [custom];
  };
}

// ---------- metrics ----------

type DerivedMetric = ReturnType<EmulatorContext['store']['metrics']>[number];

function metricObject(call: RestCall, name: string, derivedByName?: Map<string, DerivedMetric>) {
  const derived = derivedByName
    ? derivedByName.get(name)
    : call.context.store.metrics().find((metric) => metric.name === name);
  const override = call.context.metadata.metricOverrides.get(name);
  if (!derived && !override) return undefined;
  return {
    name,
    type: override?.type ?? derived?.type.toUpperCase() ?? 'GAUGE',
    description: override?.description ?? '',
    customProperties: override?.customProperties ?? {},
    tags: override?.tags ?? [],
    created: override?.created ?? derived?.created ?? 0,
    creator: override?.creator ?? null,
    lastUpdated: override?.lastUpdated ?? derived?.created ?? 0,
    lastUpdatedBy: override?.lastUpdatedBy ?? null,
  };
}

function listMetrics(call: RestCall): void {
  const query = parseQuery(call.query.get('query'));
  const derivedByName = new Map(call.context.store.metrics().map((metric) => [metric.name, metric]));
  const names = new Set([...derivedByName.keys(), ...call.context.metadata.metricOverrides.keys()]);
  const items = [...names]
    .map((name) => metricObject(call, name, derivedByName)!)
    .filter((metric) =>
      matchesQuery(
        query,
        objectLookup({ name: metric.name, type: metric.type, description: metric.description }, metric, 'name'),
      ),
    );
  sendJson(call.response, 200, envelope(sortItems(items, call.query, 'name'), parsePage(call.query)));
}

function getMetric(call: RestCall): void {
  const metric = metricObject(call, call.params[0]!);
  if (!metric) throw notFound(`Unable to find metric ${call.params[0]}`);
  sendJson(call.response, 200, metric);
}

async function putMetric(call: RestCall): Promise<void> {
  const name = call.params[0]!;
  const body = await jsonBody(call);
  const type = body.type === undefined || body.type === null ? undefined : String(body.type).toUpperCase();
  if (type !== undefined && !METRIC_TYPES.has(type)) {
    throw new RequestError(
      400,
      `type must be one of GAUGE, COUNTER, CUMULATIVE_COUNTER; got ${JSON.stringify(body.type)}`,
    );
  }
  const previous = call.context.metadata.metricOverrides.get(name);
  call.context.metadata.metricOverrides.set(name, {
    ...editable(body),
    ...stamp(call, previous),
    ...(type ? { type } : previous?.type ? { type: previous.type } : {}),
  });
  sendJson(call.response, 200, metricObject(call, name));
}

// ---------- dimensions ----------

function dimensionObject(call: RestCall, key: string, value: string, created?: number) {
  const override = call.context.metadata.dimensionOverrides.get(MetadataStore.dimensionKey(key, value));
  return {
    key,
    value,
    description: override?.description ?? '',
    customProperties: override?.customProperties ?? {},
    tags: override?.tags ?? [],
    created: override?.created ?? created ?? 0,
    creator: override?.creator ?? null,
    lastUpdated: override?.lastUpdated ?? created ?? 0,
    lastUpdatedBy: override?.lastUpdatedBy ?? null,
  };
}

function allDimensions(call: RestCall) {
  const byId = new Map<string, ReturnType<typeof dimensionObject>>();
  for (const dimension of call.context.store.dimensions()) {
    byId.set(
      MetadataStore.dimensionKey(dimension.key, dimension.value),
      dimensionObject(call, dimension.key, dimension.value, dimension.created),
    );
  }
  for (const id of call.context.metadata.dimensionOverrides.keys()) {
    if (byId.has(id)) continue;
    const [key, value] = id.split('\u0000') as [string, string];
    byId.set(id, dimensionObject(call, key, value));
  }
  return [...byId.values()];
}

function listDimensions(call: RestCall): void {
  const query = parseQuery(call.query.get('query'));
  const items = allDimensions(call).filter((dimension) =>
    matchesQuery(query, (field) => {
      // `host:web-1` finds the dimension whose key is host and value web-1.
      if (field !== undefined && field === dimension.key) return [dimension.value];
      return objectLookup(
        { key: dimension.key, value: dimension.value, description: dimension.description },
        dimension,
        'value',
      )(field);
    }),
  );
  sendJson(call.response, 200, envelope(sortItems(items, call.query, 'key'), parsePage(call.query)));
}

function getDimension(call: RestCall): void {
  const [key, value] = call.params as [string, string];
  const found = allDimensions(call).find((dimension) => dimension.key === key && dimension.value === value);
  if (!found) throw notFound(`Unable to find dimension ${key}:${value}`);
  sendJson(call.response, 200, found);
}

async function putDimension(call: RestCall): Promise<void> {
  const [key, value] = call.params as [string, string];
  const body = await jsonBody(call);
  if (body.key !== undefined && body.key !== key)
    throw new RequestError(400, 'key in the body does not match the path');
  if (body.value !== undefined && body.value !== value) {
    throw new RequestError(400, 'value in the body does not match the path');
  }
  const id = MetadataStore.dimensionKey(key, value);
  const previous = call.context.metadata.dimensionOverrides.get(id);
  call.context.metadata.dimensionOverrides.set(id, { ...editable(body), ...stamp(call, previous) });
  const created = call.context.store.dimensions().find((d) => d.key === key && d.value === value)?.created;
  sendJson(call.response, 200, dimensionObject(call, key, value, created));
}

// ---------- metric time series ----------

function seriesObject(series: StoredSeries) {
  return {
    id: series.id,
    metric: series.metric,
    type: series.metricType.toUpperCase(),
    dimensions: { ...series.dimensions },
    customProperties: {},
    tags: [],
    created: series.created,
    creator: null,
    lastUpdated: series.lastReceived,
    lastUpdatedBy: null,
  };
}

const ACTIVE_WINDOW_MS = 24 * 3_600_000;

function listSeries(call: RestCall): void {
  const query = parseQuery(call.query.get('query'));
  const includeInactive = /^true$/i.test(call.query.get('searchInactive') ?? '');
  const activeSince = call.context.now() - ACTIVE_WINDOW_MS;
  const items = call.context.store
    .allSeries()
    .filter((series) => includeInactive || series.lastReceived >= activeSince)
    .filter((series) =>
      matchesQuery(query, (field) => {
        const name = field ?? 'sf_metric';
        if (name === 'sf_metric' || name === 'metric') return [series.metric];
        if (name === 'sf_type' || name === 'type') return [series.metricType.toUpperCase()];
        const value = series.dimensions[name];
        return value === undefined ? undefined : [value];
      }),
    )
    .map(seriesObject);
  sendJson(call.response, 200, envelope(sortItems(items, call.query, 'metric'), parsePage(call.query)));
}

function getSeries(call: RestCall): void {
  const series = call.context.store.getSeries(call.params[0]!);
  if (!series) throw notFound(`Unable to find metric time series ${call.params[0]}`);
  sendJson(call.response, 200, seriesObject(series));
}

// ---------- tags ----------

function tagNames(call: RestCall): Set<string> {
  const names = new Set(call.context.metadata.tags.keys());
  for (const override of call.context.metadata.metricOverrides.values())
    for (const tag of override.tags) names.add(tag);
  for (const override of call.context.metadata.dimensionOverrides.values()) {
    for (const tag of override.tags) names.add(tag);
  }
  return names;
}

function tagObject(call: RestCall, name: string) {
  const stored = call.context.metadata.tags.get(name);
  return {
    name,
    description: stored?.description ?? '',
    customProperties: stored?.customProperties ?? {},
    created: stored?.created ?? 0,
    creator: stored?.creator ?? null,
    lastUpdated: stored?.lastUpdated ?? 0,
    lastUpdatedBy: stored?.lastUpdatedBy ?? null,
  };
}

function listTags(call: RestCall): void {
  const query = parseQuery(call.query.get('query'));
  const items = [...tagNames(call)]
    .map((name) => tagObject(call, name))
    .filter((tag) =>
      matchesQuery(query, objectLookup({ name: tag.name, description: tag.description }, { ...tag, tags: [] }, 'name')),
    );
  sendJson(call.response, 200, envelope(sortItems(items, call.query, 'name'), parsePage(call.query)));
}

function getTag(call: RestCall): void {
  const name = call.params[0]!;
  if (!tagNames(call).has(name)) throw notFound(`Unable to find tag ${name}`);
  sendJson(call.response, 200, tagObject(call, name));
}

async function putTag(call: RestCall): Promise<void> {
  const name = call.params[0]!;
  const body = await jsonBody(call);
  const previous = call.context.metadata.tags.get(name);
  call.context.metadata.tags.set(name, {
    description: optionalString(body, 'description'),
    customProperties: stringMap(body, 'customProperties'),
    ...stamp(call, previous),
  });
  sendJson(call.response, 200, tagObject(call, name));
}

function deleteTag(call: RestCall): void {
  const name = call.params[0]!;
  if (!call.context.metadata.tags.delete(name)) throw notFound(`Unable to find tag ${name}`);
  sendEmpty(call.response, 204);
}

// ---------- organization and sessions ----------

function getOrganization(call: RestCall): void {
  const { metadata } = call.context;
  sendJson(call.response, 200, {
    id: metadata.organizationId,
    organizationName: 'emulator',
    created: metadata.organizationCreated,
    lastUpdated: metadata.organizationCreated,
    accountType: 'Enterprise',
    accountStatus: 'ACTIVE',
  });
}

async function createSession(call: RestCall): Promise<void> {
  const body = await jsonBody(call);
  const email = body.email;
  const password = body.password;
  if (typeof email !== 'string' || email === '' || typeof password !== 'string' || password === '') {
    throw new RequestError(400, 'email and password are required strings');
  }
  const { users } = call.context;
  if (users && !users.some((user) => user.email === email && user.password === password)) {
    throw new RequestError(401, 'Invalid email or password');
  }
  const now = call.context.now();
  const accessToken = newObjectId() + newObjectId();
  const session = { accessToken, email, createdMs: now, expiryMs: now + SESSION_LIFETIME_MS };
  call.context.metadata.sessions.set(accessToken, session);
  sendJson(call.response, 200, {
    accessToken,
    authMethod: 'PASSWORD',
    createdBy: null,
    createdMs: now,
    disabled: false,
    email,
    expiryMs: session.expiryMs,
    id: newObjectId(),
    organizationId: call.context.metadata.organizationId,
    personaId: null,
    readOnly: false,
    sessionType: 'ORG_USER',
    updatedMs: now,
    userId: call.context.metadata.userId,
  });
}

function deleteSession(call: RestCall): void {
  if (!call.context.metadata.sessions.delete(call.token)) throw notFound('Session not found');
  sendEmpty(call.response, 204);
}

// ---------- detectors ----------

/** Checks a detector body; returns the fields to store. */

function validateDetector(call: RestCall, body: Record<string, unknown>): DetectorFields {
  const name = body.name;
  if (typeof name !== 'string' || name.trim() === '') throw new RequestError(400, 'name is required');
  const programText = body.programText;
  if (typeof programText !== 'string' || programText.trim() === '') {
    throw new RequestError(400, 'programText is required');
  }
  if (!Array.isArray(body.rules) || body.rules.length === 0) {
    throw new RequestError(400, 'rules must be a non-empty array');
  }
  const rules = body.rules.map((rule: unknown, index: number): Record<string, unknown> => {
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
      throw new RequestError(400, `rules[${index}] must be an object`);
    }
    const record = rule as Record<string, unknown>;
    if (typeof record.detectLabel !== 'string' || record.detectLabel === '') {
      throw new RequestError(400, `rules[${index}].detectLabel is required`);
    }
    if (record.severity !== undefined && !SEVERITIES.has(String(record.severity))) {
      throw new RequestError(400, `rules[${index}].severity must be one of ${[...SEVERITIES].join(', ')}`);
    }
    return { severity: 'Critical', notifications: [], disabled: false, ...record };
  });
  let labels: string[];
  let checkEveryRule: boolean;
  try {
    const now = call.context.now();
    const computation = call.context.startComputation(programText, {
      source: { findSeries: () => [] },
      start: now,
      stop: now,
      now: call.context.now,
    });
    // Rules name detect blocks; metric publishes (the signals a detector plots) are not rule labels.
    checkEveryRule = computation.detectLabels !== undefined;
    labels = computation.detectLabels ?? computation.publishLabels;
  } catch (error) {
    const info = programErrorInfo(error);
    if (!info) throw error;
    throw new RequestError(400, `programText: ${info.message} (line ${info.line}, column ${info.column})`, {
      code: 400,
      message: info.message,
      errorType: info.errorType,
      context: { line: info.line, column: info.column },
    });
  }
  for (const [index, rule] of rules.entries()) {
    if ((checkEveryRule || labels.length > 0) && !labels.includes(String(rule.detectLabel))) {
      throw new RequestError(
        400,
        `rules[${index}].detectLabel '${String(rule.detectLabel)}' is not published by the program (detect labels: ${labels.join(', ') || 'none'})`,
      );
    }
  }
  const { id: _id, created: _c, creator: _cr, lastUpdated: _lu, lastUpdatedBy: _lub, ...rest } = body;
  return {
    ...rest,
    name,
    description: optionalString(body, 'description'),
    programText,
    rules,
    tags: stringList(body, 'tags'),
    teams: stringList(body, 'teams'),
  };
}

function detectorView(detector: DetectorRecord) {
  const { disabledLabels, ...view } = detector;
  return {
    ...view,
    rules: detector.rules.map((rule) => ({ ...rule, disabled: disabledLabels.includes(String(rule.detectLabel)) })),
  };
}

function findDetector(call: RestCall): DetectorRecord {
  const detector = call.context.metadata.detectors.get(call.params[0]!);
  if (!detector) throw notFound(`Detector ${call.params[0]} not found`);
  return detector;
}

function listDetectors(call: RestCall): void {
  const name = call.query.get('name') ?? '';
  const tags = call.query.getAll('tags');
  const items = [...call.context.metadata.detectors.values()]
    .filter((detector) => detector.name.toLowerCase().includes(name.toLowerCase()))
    .filter((detector) => tags.length === 0 || tags.some((tag) => detector.tags.includes(tag)))
    .map(detectorView);
  sendJson(call.response, 200, envelope(sortItems(items, call.query, 'lastUpdated'), parsePage(call.query)));
}

async function createDetector(call: RestCall): Promise<void> {
  const fields = validateDetector(call, await jsonBody(call));
  const detector: DetectorRecord = { ...fields, id: newObjectId(), disabledLabels: [], ...stamp(call) };
  call.context.metadata.detectors.set(detector.id, detector);
  call.context.detectorRunner?.sync(detector);
  sendJson(call.response, 200, detectorView(detector));
}

async function updateDetector(call: RestCall): Promise<void> {
  const previous = findDetector(call);
  const fields = validateDetector(call, await jsonBody(call));
  const detector: DetectorRecord = {
    ...fields,
    id: previous.id,
    disabledLabels: previous.disabledLabels,
    ...stamp(call, previous),
  };
  call.context.metadata.detectors.set(detector.id, detector);
  call.context.detectorRunner?.sync(detector);
  sendJson(call.response, 200, detectorView(detector));
}

function deleteDetector(call: RestCall): void {
  findDetector(call);
  call.context.metadata.detectors.delete(call.params[0]!);
  call.context.detectorRunner?.remove(call.params[0]!);
  sendEmpty(call.response, 204);
}

async function validateDetectorBody(call: RestCall): Promise<void> {
  validateDetector(call, await jsonBody(call));
  sendEmpty(call.response, 204);
}

async function setDetectorLabels(call: RestCall, disable: boolean): Promise<void> {
  const detector = findDetector(call);
  const body = parseJson(await readBody(call.request, call.context.maxBodyBytes));
  if (!Array.isArray(body) || body.some((label) => typeof label !== 'string')) {
    throw new RequestError(400, 'body must be a JSON array of detect labels');
  }
  const known = new Set(detector.rules.map((rule) => String(rule.detectLabel)));
  for (const label of body as string[]) {
    if (!known.has(label)) throw new RequestError(400, `unknown detect label '${label}'`);
  }
  const disabled = new Set(detector.disabledLabels);
  for (const label of body as string[]) {
    if (disable) disabled.add(label);
    else disabled.delete(label);
  }
  detector.disabledLabels = [...disabled];
  sendEmpty(call.response, 204);
}

function detectorEvents(call: RestCall): void {
  const detector = findDetector(call);
  const from = Number(call.query.get('from') ?? Number.NEGATIVE_INFINITY);
  const to = Number(call.query.get('to') ?? Number.POSITIVE_INFINITY);
  const page = parsePage(call.query);
  const events = [...call.context.metadata.incidents.values()]
    .filter((incident) => incident.detectorId === detector.id)
    .flatMap((incident) => incident.events)
    .filter((event) => {
      const timestamp = Number(event.timestamp);
      return !(timestamp < from) && !(timestamp > to);
    });
  sendJson(call.response, 200, events.slice(page.offset, page.offset + page.limit));
}

function detectorIncidents(call: RestCall): void {
  const detector = findDetector(call);
  const page = parsePage(call.query);
  const incidents = [...call.context.metadata.incidents.values()].filter(
    (incident) => incident.detectorId === detector.id && incident.active,
  );
  sendJson(call.response, 200, incidents.slice(page.offset, page.offset + page.limit));
}

// ---------- incidents ----------

function listIncidents(call: RestCall): void {
  const includeResolved = /^true$/i.test(call.query.get('includeResolved') ?? '');
  const page = parsePage(call.query);
  const incidents = [...call.context.metadata.incidents.values()].filter(
    (incident) => includeResolved || incident.active,
  );
  sendJson(call.response, 200, incidents.slice(page.offset, page.offset + page.limit));
}

function getIncident(call: RestCall): void {
  const incident = call.context.metadata.incidents.get(call.params[0]!);
  if (!incident) throw notFound(`Incident ${call.params[0]} not found`);
  sendJson(call.response, 200, incident);
}

function clearIncident(call: RestCall): void {
  const incident = call.context.metadata.incidents.get(call.params[0]!);
  if (!incident) throw notFound(`Incident ${call.params[0]} not found`);
  incident.active = false;
  incident.anomalyState = 'MANUALLY_RESOLVED';
  sendEmpty(call.response, 200);
}

const ROUTES: Route[] = [
  { method: 'GET', pattern: ['metric'], handler: listMetrics },
  { method: 'GET', pattern: ['metric', ':'], handler: getMetric },
  { method: 'PUT', pattern: ['metric', ':'], handler: putMetric },
  { method: 'GET', pattern: ['dimension'], handler: listDimensions },
  { method: 'GET', pattern: ['dimension', ':', ':'], handler: getDimension },
  { method: 'PUT', pattern: ['dimension', ':', ':'], handler: putDimension },
  { method: 'GET', pattern: ['metrictimeseries'], handler: listSeries },
  { method: 'GET', pattern: ['metrictimeseries', ':'], handler: getSeries },
  { method: 'GET', pattern: ['tag'], handler: listTags },
  { method: 'GET', pattern: ['tag', ':'], handler: getTag },
  { method: 'PUT', pattern: ['tag', ':'], handler: putTag },
  { method: 'DELETE', pattern: ['tag', ':'], handler: deleteTag },
  { method: 'GET', pattern: ['organization'], handler: getOrganization },
  { method: 'POST', pattern: ['session'], handler: createSession, auth: false },
  { method: 'DELETE', pattern: ['session'], handler: deleteSession },
  { method: 'GET', pattern: ['detector'], handler: listDetectors },
  { method: 'POST', pattern: ['detector'], handler: createDetector },
  { method: 'POST', pattern: ['detector', 'validate'], handler: validateDetectorBody },
  {
    method: 'GET',
    pattern: ['detector', ':'],
    handler: (call) => sendJson(call.response, 200, detectorView(findDetector(call))),
  },
  { method: 'PUT', pattern: ['detector', ':'], handler: updateDetector },
  { method: 'DELETE', pattern: ['detector', ':'], handler: deleteDetector },
  { method: 'PUT', pattern: ['detector', ':', 'disable'], handler: (call) => setDetectorLabels(call, true) },
  { method: 'PUT', pattern: ['detector', ':', 'enable'], handler: (call) => setDetectorLabels(call, false) },
  { method: 'GET', pattern: ['detector', ':', 'events'], handler: detectorEvents },
  { method: 'GET', pattern: ['detector', ':', 'incidents'], handler: detectorIncidents },
  { method: 'GET', pattern: ['incident'], handler: listIncidents },
  { method: 'GET', pattern: ['incident', ':'], handler: getIncident },
  { method: 'PUT', pattern: ['incident', ':', 'clear'], handler: clearIncident },
];

function match(route: Route, segments: string[]): string[] | undefined {
  if (route.pattern.length !== segments.length) return undefined;
  const params: string[] = [];
  for (const [index, part] of route.pattern.entries()) {
    const segment = segments[index]!;
    if (part === ':') params.push(segment);
    else if (part !== segment) return undefined;
  }
  return params;
}

/**
 * Handles `/v2/<resource>...` requests of the metadata API. `segments` are the decoded path segments after `/v2/`.
 * Returns false when no route has this path, so the caller answers 404.
 */
export async function handleRest(
  context: EmulatorContext,
  request: IncomingMessage,
  response: ServerResponse,
  segments: string[],
  query: URLSearchParams,
): Promise<boolean> {
  const candidates = ROUTES.map((route) => ({ route, params: match(route, segments) })).filter(
    (candidate) => candidate.params !== undefined,
  );
  if (candidates.length === 0) return false;
  // A literal segment wins over a parameter (`detector/validate` over `detector/:id`).
  const method = request.method ?? 'GET';
  const chosen = candidates
    .filter((candidate) => candidate.route.method === method)
    .sort((a, b) => a.params!.length - b.params!.length)[0];
  if (!chosen) {
    sendError(response, 405, `Method ${method} not allowed on /v2/${segments.join('/')}`);
    return true;
  }
  const token = header(request, 'x-sf-token') ?? '';
  if (chosen.route.auth !== false && !isApiToken(context, token)) {
    request.resume();
    sendError(response, 401, 'Unauthorized: a valid X-SF-Token is required');
    return true;
  }
  await chosen.route.handler({ context, request, response, params: chosen.params!, query, token });
  return true;
}

export { sendError };
