import { type Api, objectBody, pageQuery, searchQuery, segment, stringArrayBody } from '../internal/api.js';
import type {
  AlertMutingRule,
  AlertMutingRuleSearchParams,
  CallOptions,
  Detector,
  DetectorEventsParams,
  DetectorInput,
  DetectorSearchParams,
  Event,
  Incident,
  IncidentSearchParams,
  Input,
  PageParams,
} from '../types.js';
import { CrudResource } from './base.js';

/** `/v2/detector`: detectors, their validation, events and active incidents. */
export class Detectors extends CrudResource<Detector, DetectorInput, DetectorSearchParams> {
  constructor(api: Api) {
    super(api, '/v2/detector');
  }

  /**
   * Checks a detector without saving it. Resolves when valid; a 400 rejects with `BadRequestError` whose
   * `serverMessage` says what is wrong. Retried like a GET: validation has no side effect.
   */
  async validate(body: DetectorInput, options?: CallOptions): Promise<void> {
    await this.api.sendDiscardingBody('POST', `${this.path}/validate`, {
      json: objectBody(body),
      idempotent: true,
      signal: options?.signal,
    });
  }

  /** One page of the detector's alert events (the API answers with a bare array). */
  async events(id: string, params?: DetectorEventsParams, options?: CallOptions): Promise<Event[]> {
    return this.api.page<Event>(`${this.item(id)}/events`, searchQuery(params), options?.signal);
  }

  /** One page of the detector's active incidents (a bare array). */
  async incidents(id: string, params?: PageParams, options?: CallOptions): Promise<Incident[]> {
    return this.api.page<Incident>(`${this.item(id)}/incidents`, pageQuery(params), options?.signal);
  }

  /** Enables the rules with these detect labels. */
  async enable(id: string, detectLabels: readonly string[], options?: CallOptions): Promise<void> {
    await this.api.sendDiscardingBody('PUT', `${this.item(id)}/enable`, {
      json: stringArrayBody(detectLabels, 'detectLabels'),
      signal: options?.signal,
    });
  }

  /** Disables the rules with these detect labels. */
  async disable(id: string, detectLabels: readonly string[], options?: CallOptions): Promise<void> {
    await this.api.sendDiscardingBody('PUT', `${this.item(id)}/disable`, {
      json: stringArrayBody(detectLabels, 'detectLabels'),
      signal: options?.signal,
    });
  }
}

/** `/v2/incident`: incidents. The list endpoint answers with a bare array, without a count. */
export class Incidents {
  readonly path = '/v2/incident';
  readonly #api: Api;

  constructor(api: Api) {
    this.#api = api;
  }

  /** One page of incidents (active only unless `includeResolved`). */
  async search(params?: IncidentSearchParams, options?: CallOptions): Promise<Incident[]> {
    return this.#api.page<Incident>(this.path, searchQuery(params), options?.signal);
  }

  /** Every incident, page by page as you iterate; ends on a short page. */
  list(params?: IncidentSearchParams, options?: CallOptions): AsyncGenerator<Incident, void, undefined> {
    return this.#api.paginate<Incident>(this.path, params, options?.signal, 'array');
  }

  async get(id: string, options?: CallOptions): Promise<Incident> {
    return (await this.#api.send<Incident>('GET', `${this.path}/${segment(id, 'id')}`, {
      signal: options?.signal,
    })) as Incident;
  }

  /** Clears (manually resolves) an incident. A PUT, so it is retried. */
  async clear(id: string, options?: CallOptions): Promise<void> {
    await this.#api.sendDiscardingBody('PUT', `${this.path}/${segment(id, 'id')}/clear`, { signal: options?.signal });
  }
}

export interface CreateAlertMutingRuleOptions extends CallOptions {
  /** Also clear the active alerts the new rule matches. */
  resolveMatchingActiveAlerts?: boolean;
}

/** `/v2/alertmuting`: alert muting rules. */
export class AlertMutingRules extends CrudResource<
  AlertMutingRule,
  Input<AlertMutingRule>,
  AlertMutingRuleSearchParams
> {
  constructor(api: Api) {
    super(api, '/v2/alertmuting');
  }

  override async create(
    body: Input<AlertMutingRule>,
    options?: CreateAlertMutingRuleOptions,
  ): Promise<AlertMutingRule> {
    const query = { resolveMatchingActiveAlerts: options?.resolveMatchingActiveAlerts };
    return (await this.api.send<AlertMutingRule>('POST', this.path, {
      json: objectBody(body),
      query,
      signal: options?.signal,
    })) as AlertMutingRule;
  }

  /** Ends the muting now. */
  async unmute(id: string, options?: CallOptions): Promise<void> {
    await this.api.sendDiscardingBody('PUT', `${this.item(id)}/unmute`, { signal: options?.signal });
  }
}
