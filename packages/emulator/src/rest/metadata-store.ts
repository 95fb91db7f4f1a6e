import { randomBytes } from 'node:crypto';

/** Editable properties of a metric, dimension or tag (what PUT replaces). */
export interface EditableProperties {
  description: string;
  customProperties: Record<string, string>;
  tags: string[];
}

export interface ObjectStamp {
  created: number;
  creator: string | null;
  lastUpdated: number;
  lastUpdatedBy: string | null;
}

export interface MetricOverride extends EditableProperties, ObjectStamp {
  type?: string;
}

/** The fields of a detector a client sends (checked by the API), plus any extra ones it chose to add. */
export interface DetectorFields {
  name: string;
  description: string;
  programText: string;
  rules: Array<Record<string, unknown>>;
  tags: string[];
  teams: string[];
  [extra: string]: unknown;
}

export interface DetectorRecord extends ObjectStamp, DetectorFields {
  id: string;
  disabledLabels: string[];
}

export interface IncidentRecord {
  incidentId: string;
  detectorId: string;
  detectorName: string;
  detectLabel: string;
  severity: string;
  active: boolean;
  anomalyState: 'ANOMALOUS' | 'OK' | 'MANUALLY_RESOLVED' | 'STOPPED';
  events: Array<Record<string, unknown>>;
  [extra: string]: unknown;
}

export interface SessionRecord {
  accessToken: string;
  email: string;
  createdMs: number;
  expiryMs: number;
}

/** A random id in the style of the service's object ids (11 characters base64url). */
export function newObjectId(): string {
  return randomBytes(8).toString('base64url');
}

/** Objects the REST API stores besides what ingest derives: overrides, tags, detectors, incidents, sessions. */
export class MetadataStore {
  readonly metricOverrides = new Map<string, MetricOverride>();
  readonly dimensionOverrides = new Map<string, EditableProperties & ObjectStamp>();
  readonly tags = new Map<string, { description: string; customProperties: Record<string, string> } & ObjectStamp>();
  readonly detectors = new Map<string, DetectorRecord>();
  readonly incidents = new Map<string, IncidentRecord>();
  readonly sessions = new Map<string, SessionRecord>();
  readonly organizationId = newObjectId();
  readonly userId = newObjectId();
  readonly organizationCreated = Date.now();

  static dimensionKey(key: string, value: string): string {
    return `${key}\u0000${value}`;
  }

  clear(): void {
    this.metricOverrides.clear();
    this.dimensionOverrides.clear();
    this.tags.clear();
    this.detectors.clear();
    this.incidents.clear();
  }
}
