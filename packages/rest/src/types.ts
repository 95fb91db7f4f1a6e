/**
 * Objects of the metadata REST API. Only the fields the client relies on or that are commonly read are named;
 * every object keeps whatever else the server sends, typed as `unknown`, so a field added to the API later is
 * never lost on a get → modify → update round trip.
 */
export interface Extensible {
  [field: string]: unknown;
}

/** Options every call takes last. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** Options of `delete()`. */
export interface DeleteOptions extends CallOptions {
  /** Resolve with `false` instead of throwing `NotFoundError` when the object does not exist. */
  ignoreNotFound?: boolean;
}

/** The envelope of a search: `count` is the size of the whole result set, `results` one page of it. */
export interface SearchResult<T> extends Extensible {
  count: number;
  results: T[];
}

/** Paging of one `search()` call, or where `list()` starts and how big its pages are. */
export interface PageParams {
  /** 0-based index of the first object. Default 0. */
  offset?: number;
  /** Objects per request, 1 to 1000. `search()` leaves it to the server (usually 50); `list()` uses 100. */
  limit?: number;
}

/** Parameters of the metadata searches (metrics, dimensions, time series, tags). */
export interface MetadataSearchParams extends PageParams {
  /** A search expression such as `name:cpu.*` or `region:"US East" AND host:web-*`; encoded for you. */
  query?: string;
  /** A property to sort by; prefix `-` for descending. Sent as `orderBy`. */
  orderBy?: string;
}

/** Audit fields most objects carry. Times are ms since the epoch. */
export interface Audited {
  created?: number;
  creator?: string | null;
  lastUpdated?: number;
  lastUpdatedBy?: string | null;
}

export type MetricType = 'GAUGE' | 'COUNTER' | 'CUMULATIVE_COUNTER';

export interface Metric extends Extensible, Audited {
  name: string;
  type?: MetricType;
  description?: string | null;
  customProperties?: Record<string, string>;
  tags?: string[];
  dimensions?: string[];
}

/** The body of `metrics.update()`. PUT replaces: a field left out is cleared. */
export interface MetricUpdate extends Extensible {
  type?: MetricType;
  description?: string | null;
  customProperties?: Record<string, string>;
  tags?: string[];
}

export interface Dimension extends Extensible, Audited {
  key: string;
  value: string;
  description?: string | null;
  customProperties?: Record<string, string>;
  tags?: string[];
}

/** The body of `dimensions.update()`; `key` and `value` are added from the arguments. PUT replaces. */
export interface DimensionUpdate extends Extensible {
  description?: string | null;
  customProperties?: Record<string, string>;
  tags?: string[];
}

export interface MetricTimeSeries extends Extensible, Audited {
  id?: string;
  metric: string;
  type?: MetricType;
  dimensions?: Record<string, string>;
  customProperties?: Record<string, string>;
  tags?: string[];
}

export interface MetricTimeSeriesSearchParams extends MetadataSearchParams {
  /** Include time series that no longer report. The server's default is false. */
  searchInactive?: boolean;
}

export interface Tag extends Extensible, Audited {
  name: string;
  description?: string | null;
  customProperties?: Record<string, string>;
}

/** The body of `tags.update()` (create-or-update). PUT replaces. */
export interface TagUpdate extends Extensible {
  description?: string | null;
  customProperties?: Record<string, string>;
}

export interface Organization extends Extensible, Audited {
  id: string;
  organizationName?: string;
}

export type Severity = 'Critical' | 'Major' | 'Minor' | 'Warning' | 'Info';

export interface DetectorRule extends Extensible {
  detectLabel: string;
  severity: Severity;
  description?: string;
  disabled?: boolean;
  notifications?: Extensible[];
  parameterizedBody?: string;
  parameterizedSubject?: string;
  runbookUrl?: string;
  tip?: string;
}

/** The body of `detectors.create()`, `update()` and `validate()`: a detector's fields that a client sets. */
export interface DetectorInput extends Extensible {
  name: string;
  programText: string;
  rules: DetectorRule[];
  description?: string;
  tags?: string[];
  teams?: string[];
  timezone?: string;
  maxDelay?: number | null;
  minDelay?: number | null;
  programOptions?: Extensible;
  visualizationOptions?: Extensible;
}

export interface Detector extends DetectorInput, Audited {
  id: string;
  labelResolutions?: Record<string, number>;
  locked?: boolean;
  overMTSLimit?: boolean;
}

export interface DetectorSearchParams extends PageParams {
  /** Substring of the name. */
  name?: string;
  /** Detectors with any of these tags (the parameter is repeated). */
  tags?: string | string[];
  /** Detectors with a tag starting with any of these. */
  prefixTags?: string | string[];
  /** Leave out detectors with a tag starting with any of these. */
  prefixTagExclusions?: string | string[];
  /** Default `lastUpdated`; prefix `-` for descending. */
  orderBy?: string;
}

export interface DetectorEventsParams extends PageParams {
  /** Start of the window, ms since the epoch. */
  from?: number;
  /** End of the window, ms since the epoch. */
  to?: number;
}

export type AnomalyState = 'ANOMALOUS' | 'OK' | 'STOPPED' | 'MANUALLY_RESOLVED' | 'TOO_HIGH' | (string & {});

/** An alert event of a detector: the state changes of an incident. */
export interface Event extends Extensible {
  id?: string;
  incidentId?: string;
  anomalyState?: AnomalyState;
  detectLabel?: string;
  detectorId?: string;
  detectorName?: string;
  severity?: Severity;
  timestamp?: number;
  inputs?: Extensible;
}

export interface Incident extends Extensible {
  incidentId: string;
  active?: boolean;
  anomalyState?: AnomalyState;
  detectLabel?: string;
  detectorId?: string;
  detectorName?: string;
  severity?: Severity;
  events?: Event[];
}

export interface IncidentSearchParams extends PageParams {
  /** Include cleared and resolved incidents. The server's default is false. */
  includeResolved?: boolean;
  /** A filter such as `teamId:<id>`. */
  query?: string;
}

export interface Chart extends Extensible, Audited {
  id: string;
  name: string;
  description?: string;
  programText?: string;
  options?: Extensible;
  tags?: string[];
  packageSpecifications?: string;
}

export interface Dashboard extends Extensible, Audited {
  id: string;
  name: string;
  description?: string;
  groupId?: string;
  charts?: Extensible[];
  filters?: Extensible;
  tags?: string[] | null;
  chartDensity?: string;
}

export interface DashboardGroup extends Extensible, Audited {
  id: string;
  name: string;
  description?: string;
  dashboards?: string[];
  teams?: string[];
  teamIds?: string[];
}

export interface DataLinkTarget extends Extensible {
  name?: string;
  type: string;
  isDefault?: boolean;
  url?: string;
  dashboardId?: string;
  dashboardGroupId?: string;
}

/** A data link (the API's "crosslink"). */
export interface DataLink extends Extensible, Audited {
  id: string;
  propertyName?: string;
  propertyValue?: string;
  contextId?: string;
  targets: DataLinkTarget[];
}

export interface Team extends Extensible, Audited {
  id: string;
  name: string;
  description?: string;
  members?: string[];
  notificationLists?: Extensible;
}

export type AuthScope = 'API' | 'INGEST' | 'RUM' | (string & {});

/** An organization access token. `secret` is only present where the API reveals it (create, rotate, admin get). */
export interface OrgToken extends Extensible, Audited {
  id?: string;
  name: string;
  authScopes?: AuthScope[];
  description?: string;
  disabled?: boolean;
  expiry?: number;
  limits?: Extensible;
  notifications?: Extensible[];
  secret?: string;
  latestRotation?: number;
}

export interface AlertMutingFilter extends Extensible {
  property: string;
  propertyValue: string | string[];
  NOT?: boolean;
}

export interface AlertMutingRule extends Extensible, Audited {
  id: string;
  description?: string;
  filters?: AlertMutingFilter[];
  startTime?: number;
  stopTime?: number;
  recurrence?: Extensible | null;
}

/** The body of a create or update: the object without its server-assigned fields. */
export type Input<T> = Partial<Omit<T, 'id' | 'created' | 'creator' | 'lastUpdated' | 'lastUpdatedBy'>> & Extensible;

export interface NameSearchParams extends PageParams {
  /** Substring of the name; empty matches everything. */
  name?: string;
}

export interface ChartSearchParams extends NameSearchParams {
  tags?: string | string[];
}

export interface DashboardSearchParams extends NameSearchParams {
  tags?: string | string[];
  chartId?: string;
}

export interface DashboardGroupSearchParams extends NameSearchParams {
  excludeCustom?: boolean;
  dashboardId?: string;
  teamId?: string;
}

export interface DataLinkSearchParams extends PageParams {
  context?: string;
  propertyName?: string;
  propertyValue?: string;
  orderBy?: string;
}

export interface TeamSearchParams extends NameSearchParams {
  tags?: string | string[];
  orderBy?: string;
}

export interface AlertMutingRuleSearchParams extends PageParams {
  query?: string;
  include?: string;
  orderBy?: string;
}

/** A session of a user, from `RestClient.login()`. `accessToken` is the session token. */
export interface Session extends Extensible {
  accessToken: string;
  id?: string;
  email?: string;
  organizationId?: string;
  userId?: string;
  sessionType?: string;
  expiryMs?: number;
  readOnly?: boolean;
}
