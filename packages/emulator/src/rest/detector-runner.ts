import type { EmulatorContext } from '../context.js';
import type { ChannelMessage, ChannelSink, Job, JobRegistry } from '../signalflow/job.js';
import type { DetectorRecord, IncidentRecord } from './metadata-store.js';
import { newObjectId } from './metadata-store.js';

/** Incidents kept; the oldest resolved ones go first. */
const MAX_INCIDENTS = 10_000;

/** Receives a detector job's messages and turns its events into incidents. */
class IncidentSink implements ChannelSink {
  readonly channel = 'detector';
  readonly eventsOnly = true;

  constructor(
    private readonly context: EmulatorContext,
    private readonly detectorId: string,
  ) {}

  send(message: ChannelMessage): void {
    if (message.type === 'event') this.onEvent(message);
  }

  sendData(): void {}

  close(): void {}

  congested(): boolean {
    return false;
  }

  private onEvent(message: ChannelMessage): void {
    const detector = this.context.metadata.detectors.get(this.detectorId);
    if (!detector) return;
    const properties = (message.properties ?? {}) as Record<string, unknown>;
    const label = String(properties.detectLabel ?? properties.sf_eventType ?? '');
    if (detector.disabledLabels.includes(label)) return;
    const rule = detector.rules.find((candidate) => candidate.detectLabel === label);
    if (!rule) return;
    const incidentId = String(properties.incidentId ?? '');
    const anomalous = properties.is === 'anomalous';
    const timestamp = Number(message.timestampMs);
    const severity = String(rule.severity ?? 'Critical');
    const event: Record<string, unknown> = {
      id: newObjectId(),
      incidentId,
      detectorId: detector.id,
      detectorName: detector.name,
      detectLabel: label,
      severity,
      anomalyState: anomalous ? 'ANOMALOUS' : 'OK',
      timestamp,
      metadata: message.metadata ?? {},
      inputs: properties.inputs ?? {},
    };
    const incidents = this.context.metadata.incidents;
    const existing = incidents.get(incidentId);
    if (anomalous || !existing) {
      const incident: IncidentRecord = {
        incidentId,
        detectorId: detector.id,
        detectorName: detector.name,
        detectLabel: label,
        severity,
        active: anomalous,
        anomalyState: anomalous ? 'ANOMALOUS' : 'OK',
        triggeredTimestamp: timestamp,
        events: [event],
      };
      incidents.set(incidentId, incident);
      if (incidents.size > MAX_INCIDENTS) trimIncidents(incidents);
      return;
    }
    existing.events.push(event);
    if (existing.anomalyState === 'ANOMALOUS') {
      existing.active = false;
      existing.anomalyState = 'OK';
    }
  }
}

function trimIncidents(incidents: Map<string, IncidentRecord>): void {
  for (const [id, incident] of incidents) {
    if (incidents.size <= MAX_INCIDENTS) return;
    if (!incident.active) incidents.delete(id);
  }
  for (const id of incidents.keys()) {
    if (incidents.size <= MAX_INCIDENTS) return;
    incidents.delete(id);
  }
}

/** Runs every stored detector as a live computation, so incidents open and resolve as data arrives. */
export class DetectorRunner {
  private readonly running = new Map<string, { job: Job; sink: IncidentSink }>();

  constructor(
    private readonly context: EmulatorContext,
    private readonly jobs: JobRegistry,
  ) {}

  /** (Re)starts the detector's computation from now. */
  sync(detector: DetectorRecord): void {
    this.remove(detector.id);
    try {
      const job = this.jobs.start(detector.programText, {
        start: this.context.now(),
        stop: undefined,
        resolutionMs: undefined,
        maxDelayMs: undefined,
        immediate: false,
        compress: false,
      });
      const sink = new IncidentSink(this.context, detector.id);
      this.running.set(detector.id, { job, sink });
      job.attach(sink);
    } catch (error) {
      // The program was validated on save; this is a job limit or an engine failure: log, keep the detector.
      this.context.logger.warn({ err: error, detectorId: detector.id }, 'emulator: cannot run detector');
    }
  }

  /** Stops the detector's computation; the incidents it had open can no longer resolve, so they are stopped. */
  remove(id: string): void {
    const entry = this.running.get(id);
    if (!entry) return;
    this.running.delete(id);
    this.jobs.stop(entry.job.handle, 'detector removed');
    for (const incident of this.context.metadata.incidents.values()) {
      if (incident.detectorId !== id || !incident.active) continue;
      incident.active = false;
      incident.anomalyState = 'STOPPED';
    }
  }
}
