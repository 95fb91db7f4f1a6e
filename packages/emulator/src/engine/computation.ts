import { ProgramError } from './errors.js';
import { filterQuery } from './filter.js';
import { type BoundProgram, bindProgram, type DetectValue, type OutputBlock } from './interpreter.js';
import { correlatedValue, DataNode, type EngineContext, type StreamNode, WhenNode } from './nodes.js';
import { parseProgram } from './parser.js';
import { type Frame, type SeriesInfo, stableId } from './series.js';
import type {
  Computation,
  ComputationOptions,
  InfoMessage,
  OutputEvent,
  OutputMetadata,
  TimestampOutput,
} from './types.js';

const DEFAULT_FIND_LIMIT = 100_000;
const DEFAULT_MAX_TIMESTAMPS = 1_000_000;
const DEFAULT_RESOLUTION_MS = 10_000;
/** How much data before `start` is inspected to find the native resolution of each series. */
const RESOLUTION_PROBE_MS = 3_600_000;

/**
 * Parses and binds a SignalFlow program to the data of `options.source`, and returns a computation that produces
 * its outputs timestamp by timestamp through `advance()`. Throws `ProgramError` for programs it cannot run.
 */
export function startComputation(program: string, options: ComputationOptions): Computation {
  const ast = parseProgram(program);
  const bound = bindProgram(ast, { source: options.source, findLimit: options.findLimit ?? DEFAULT_FIND_LIMIT });
  return new EngineComputation(bound, options);
}

interface MetricBlockState {
  block: Extract<OutputBlock, { kind: 'metric' }>;
  index: number;
  label: string;
  generatedMetric: string;
  /** tsId by output series key. */
  tsIds: Map<string, string>;
  /** Output series that have had their metadata announced, with the last timestamp they had a value. */
  announced: Map<string, number>;
}

interface Incident {
  anomalous: boolean;
  incidentId: string;
}

interface DetectBlockState {
  detect: DetectValue;
  index: number;
  label: string;
  tsIds: Map<string, string>;
  announced: Set<string>;
  incidents: Map<string, Incident>;
}

class EngineComputation implements Computation {
  readonly resolutionMs: number;
  readonly infoMessages: InfoMessage[] = [];
  readonly publishLabels: string[];
  readonly detectLabels: string[];
  finished = false;

  private readonly ctx: EngineContext;
  private readonly firstT: number;
  private readonly lastT: number;
  private nextT: number;
  private readonly live: boolean;
  /** Live, or a stop still ahead when the job began: series that appear meanwhile join the data() blocks. */
  private readonly followsNewSeries: boolean;
  private readonly metricBlocks: MetricBlockState[] = [];
  private readonly detectBlocks: DetectBlockState[] = [];
  /** Every node the outputs depend on, inputs before consumers. */
  private readonly nodes: StreamNode[];
  private readonly dataNodes: DataNode[];
  private readonly usedTsIds = new Set<string>();
  private readonly jobId: string;
  private readonly expiryMs: number;

  constructor(program: BoundProgram, options: ComputationOptions) {
    this.jobId = options.jobId ?? 'EMULATOR';
    this.live = options.stop === undefined;
    const now = options.now ?? Date.now;
    this.followsNewSeries = options.stop === undefined || options.stop > now();
    this.resolutionMs = chooseResolution(program.dataNodes, options, now());
    const R = this.resolutionMs;
    this.ctx = { resolutionMs: R, pendingInfo: [] };
    this.expiryMs = Math.max(3_600_000, 30 * R);

    for (const node of program.dataNodes)
      this.infoMessages.push(...dataInfo(node, options.findLimit ?? DEFAULT_FIND_LIMIT));

    const roots: StreamNode[] = [];
    program.blocks.forEach((block, index) => {
      if (block.kind === 'metric') {
        roots.push(block.node);
        this.metricBlocks.push({
          block,
          index,
          label: block.label ?? '',
          generatedMetric: `_SF_COMP_${this.jobId}_${String(index + 1).padStart(2, '0')}-PUBLISH_metric`,
          tsIds: new Map(),
          announced: new Map(),
        });
      } else {
        roots.push(block.detect.on, ...(block.detect.off === undefined ? [] : [block.detect.off]));
        for (const input of block.detect.inputs) roots.push(input.node);
        this.detectBlocks.push({
          detect: block.detect,
          index,
          label: block.label ?? '',
          tsIds: new Map(),
          announced: new Set(),
          incidents: new Map(),
        });
      }
    });
    this.publishLabels = this.metricBlocks.filter((b) => b.block.enabled).map((b) => b.label);
    this.detectLabels = this.detectBlocks.map((b) => b.label);

    this.nodes = topologicalOrder(roots);
    for (const node of this.nodes) node.prepare(this.ctx);
    this.dataNodes = this.nodes.filter((node): node is DataNode => node instanceof DataNode);

    // Windows, shifts and lasting conditions need history: start computing early, but only output from firstT.
    const lookback = new Map<StreamNode, number>();
    for (const node of this.nodes) {
      const inputs = node.inputs.map((input) => lookback.get(input) ?? 0);
      lookback.set(node, node.lookbackMs() + Math.max(0, ...inputs));
    }
    const warmup = Math.max(0, ...roots.map((root) => lookback.get(root) ?? 0));
    this.firstT = Math.ceil(options.start / R) * R;
    this.lastT = options.stop === undefined ? Number.POSITIVE_INFINITY : Math.floor(options.stop / R) * R;
    this.nextT = this.firstT - Math.ceil(warmup / R) * R;
    if (this.lastT < this.firstT) this.finished = true;
    const limit = options.maxTimestamps ?? DEFAULT_MAX_TIMESTAMPS;
    const span = Math.floor(((this.live ? Math.max(now(), this.firstT) : this.lastT) - this.nextT) / R) + 1;
    if (!this.finished && span > limit) {
      throw new ProgramError({
        errorType: 'ANALYTICS_PROGRAM_TYPE_ERROR',
        message: `The time range covers ${span} logical timestamps at resolution ${R} ms; at most ${limit} are computed`,
        line: 1,
        column: 1,
      });
    }
  }

  advance(upToMs: number): TimestampOutput[] {
    const R = this.resolutionMs;
    const end = Math.min(Math.floor(upToMs / R) * R, this.lastT);
    if (this.finished || end < this.nextT) return [];
    try {
      if (this.followsNewSeries) for (const node of this.dataNodes) node.refresh();
      for (const node of this.dataNodes) node.prefetch(this.nextT, end);
      const outputs: TimestampOutput[] = [];
      for (let T = this.nextT; T <= end; T += R) {
        const output = this.step(T);
        if (output !== undefined) outputs.push(output);
      }
      this.nextT = end + R;
      if (this.nextT > this.lastT) this.finished = true;
      return outputs;
    } catch (error) {
      if (error instanceof ProgramError) throw error;
      throw new ProgramError(
        {
          errorType: 'ANALYTICS_INTERNAL_ERROR',
          message: `Internal error while computing: ${error instanceof Error ? error.message : String(error)}`,
          line: 1,
          column: 1,
        },
        { cause: error },
      );
    }
  }

  private step(T: number): TimestampOutput | undefined {
    for (const node of this.nodes) node.at(T);
    if (T < this.firstT) return undefined;
    const output: TimestampOutput = {
      logicalTimestampMs: T,
      newMetadata: [],
      publishes: [],
      events: [],
      expired: [],
      infoMessages: this.ctx.pendingInfo.splice(0),
    };
    for (const state of this.metricBlocks) {
      const frame = state.block.node.at(T);
      if (!state.block.enabled) continue;
      const values: Array<{ tsId: string; value: number | null }> = [];
      for (const [key, sample] of frame) {
        const tsId = this.tsIdFor(state.tsIds, `M${state.index}\u0000${key}`, key);
        if (!state.announced.has(key))
          output.newMetadata.push({ tsId, properties: this.metricProperties(state, sample.s) });
        state.announced.set(key, T);
        values.push({ tsId, value: sample.v });
      }
      // Series in the output set without a value at T (not selected by top/bottom) still get their metadata.
      for (const info of state.block.node.membersWithoutValue(T)) {
        if (state.announced.has(info.key)) continue;
        const tsId = this.tsIdFor(state.tsIds, `M${state.index}\u0000${info.key}`, info.key);
        output.newMetadata.push({ tsId, properties: this.metricProperties(state, info) });
        state.announced.set(info.key, T);
      }
      output.publishes.push({ label: state.label, values });
      if (this.live) {
        for (const [key, lastSeen] of state.announced) {
          if (T - lastSeen < this.expiryMs) continue;
          state.announced.delete(key);
          output.expired.push(state.tsIds.get(key) as string);
        }
      }
    }
    for (const state of this.detectBlocks) this.detectStep(state, T, output);
    return output;
  }

  private tsIdFor(ids: Map<string, string>, seed: string, key: string): string {
    let tsId = ids.get(key);
    if (tsId !== undefined) return tsId;
    tsId = stableId(`${seed}`);
    for (let salt = 1; this.usedTsIds.has(tsId); salt += 1) tsId = stableId(`${seed}\u0000${salt}`);
    this.usedTsIds.add(tsId);
    ids.set(key, tsId);
    return tsId;
  }

  private metricProperties(state: MetricBlockState, info: SeriesInfo): Record<string, unknown> {
    const properties: Record<string, unknown> = { ...info.dims };
    properties.sf_key = [...info.keyNames];
    properties.sf_metric = info.metric ?? state.generatedMetric;
    if (info.originatingMetric !== undefined) properties.sf_originatingMetric = info.originatingMetric;
    properties.sf_resolutionMs = this.resolutionMs;
    properties.sf_type = 'MetricTimeSeries';
    properties.sf_isPreQuantized = false;
    if (state.block.label !== undefined) properties.sf_streamLabel = state.block.label;
    return properties;
  }

  private detectStep(state: DetectBlockState, T: number, output: TimestampOutput): void {
    const { detect } = state;
    const on = detect.on.at(T);
    const off = detect.off?.at(T);
    const transitions: Array<{ info: SeriesInfo; incident: Incident; fired: boolean }> = [];
    const lastSeen = detect.on instanceof WhenNode ? detect.on.lastSeen : undefined;
    for (const [key, sample] of on) {
      let incident = state.incidents.get(key);
      if (incident === undefined) {
        incident = { anomalous: false, incidentId: '' };
        state.incidents.set(key, incident);
      }
      if (!incident.anomalous) {
        if (sample.v === 1) transitions.push({ info: sample.s, incident, fired: true });
        continue;
      }
      const silentFor = T - (lastSeen?.get(key) ?? T);
      const autoResolved = detect.autoResolveAfterMs !== undefined && silentFor >= detect.autoResolveAfterMs;
      const cleared = off !== undefined ? correlatedValue(off, sample.s) === 1 : sample.v !== 1;
      if (cleared || autoResolved) transitions.push({ info: sample.s, incident, fired: false });
    }
    for (const { info, incident, fired } of transitions) {
      const tsId = this.tsIdFor(state.tsIds, `D${state.index}\u0000${info.key}`, info.key);
      if (!state.announced.has(info.key)) {
        state.announced.add(info.key);
        output.newMetadata.push(this.eventMetadata(state, tsId, info));
      }
      if (fired) {
        incident.anomalous = true;
        // The job id keeps incidents of different jobs (two detectors on the same series) apart.
        incident.incidentId = stableId(`incident\u0000${this.jobId}\u0000${tsId}\u0000${T}`);
      } else incident.anomalous = false;
      output.events.push(this.event(state, tsId, info, incident, fired, T));
    }
  }

  private eventMetadata(state: DetectBlockState, tsId: string, info: SeriesInfo): OutputMetadata {
    const contexts: Record<string, unknown> = {};
    for (const input of state.detect.inputs) contexts[input.name] = { identifiers: [...info.keyNames] };
    return {
      tsId,
      properties: {
        ...info.dims,
        sf_key: [...info.keyNames],
        sf_type: 'EventTimeSeries',
        sf_eventType: state.label,
        sf_detectLabel: state.label,
        sf_resolutionMs: this.resolutionMs,
        sf_detectInputContexts: JSON.stringify(contexts),
      },
    };
  }

  private event(
    state: DetectBlockState,
    tsId: string,
    info: SeriesInfo,
    incident: Incident,
    fired: boolean,
    T: number,
  ): OutputEvent {
    const inputs: Record<string, { value: number | null; key: Record<string, string> }> = {};
    const inputValues: Record<string, number | null> = {};
    for (const input of state.detect.inputs) {
      const frame: Frame = input.node.at(T);
      const value = correlatedValue(frame, info) ?? null;
      inputs[input.name] = { value, key: { ...info.dims } };
      inputValues[input.name] = value;
    }
    return {
      tsId,
      timestampMs: T,
      metadata: { ...info.dims },
      properties: {
        is: fired ? 'anomalous' : 'ok',
        was: fired ? 'ok' : 'anomalous',
        incidentId: incident.incidentId,
        inputs,
        inputValues: JSON.stringify(inputValues),
        detectLabel: state.label,
        sf_eventType: state.label,
        sf_resolutionMs: this.resolutionMs,
      },
    };
  }
}

/** R = max(requested, coarsest native resolution of the matched series, data(resolution=)), never below 1 s. */
function chooseResolution(dataNodes: DataNode[], options: ComputationOptions, now: number): number {
  let coarsest = 0;
  const to = (options.stop ?? Math.max(now, options.start)) + 1;
  const from = options.start - RESOLUTION_PROBE_MS;
  for (const node of dataNodes) {
    if (node.spec.resolutionMs !== undefined) coarsest = Math.max(coarsest, node.spec.resolutionMs);
    for (const native of node.nativeResolutions(from, to)) coarsest = Math.max(coarsest, native);
  }
  if (coarsest === 0) coarsest = options.resolutionMs === undefined ? DEFAULT_RESOLUTION_MS : 0;
  return Math.max(1_000, options.resolutionMs ?? 0, coarsest);
}

function dataInfo(node: DataNode, limit: number): InfoMessage[] {
  const messages: InfoMessage[] = [];
  if (node.matchedCount === 0) {
    const metricTerm = `sf_metric:${node.spec.metric}`;
    const query = node.spec.filter === undefined ? metricTerm : `${metricTerm} AND ${filterQuery(node.spec.filter)}`;
    messages.push({ messageCode: 'FIND_MATCHED_NO_TIMESERIES', messageLevel: 'INFO', contents: { query } });
  }
  if (node.matchedCount > limit) {
    messages.push({
      messageCode: 'FIND_LIMITED_RESULT_SET',
      messageLevel: 'WARNING',
      contents: { matchedSize: node.matchedCount, limitSize: limit },
    });
  }
  messages.push({
    messageCode: 'FETCH_NUM_TIMESERIES',
    messageLevel: 'INFO',
    numInputTimeSeries: node.series.length,
    contents: {},
  });
  return messages;
}

function topologicalOrder(roots: StreamNode[]): StreamNode[] {
  const order: StreamNode[] = [];
  const seen = new Set<StreamNode>();
  const visit = (node: StreamNode): void => {
    if (seen.has(node)) return;
    seen.add(node);
    for (const input of node.inputs) visit(input);
    order.push(node);
  };
  for (const root of roots) visit(root);
  return order;
}
