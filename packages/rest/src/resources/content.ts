import { type Api, objectBody, segment } from '../internal/api.js';
import type {
  CallOptions,
  Chart,
  ChartSearchParams,
  Dashboard,
  DashboardGroup,
  DashboardGroupSearchParams,
  DashboardSearchParams,
  DataLink,
  DataLinkSearchParams,
  Input,
  NameSearchParams,
  Organization,
  OrgToken,
  Team,
  TeamSearchParams,
} from '../types.js';
import { CrudResource } from './base.js';

export type ValidationMode = 'FULL' | 'TERRAFORM';

export interface ValidateOptions extends CallOptions {
  /** How strictly the server checks. Default: the server's (FULL). */
  validationMode?: ValidationMode;
}

/** Validation endpoints have no side effect, so their POSTs are retried like GETs. */
async function validateAt(api: Api, path: string, body: unknown, options: ValidateOptions | undefined): Promise<void> {
  await api.sendDiscardingBody('POST', path, {
    json: objectBody(body),
    query: { validationMode: options?.validationMode },
    idempotent: true,
    signal: options?.signal,
  });
}

/** `/v2/chart`: charts. */
export class Charts extends CrudResource<Chart, Input<Chart>, ChartSearchParams> {
  constructor(api: Api) {
    super(api, '/v2/chart');
  }

  /** Checks a chart without saving it; a 400 rejects with `BadRequestError`. */
  async validate(body: Input<Chart>, options?: CallOptions): Promise<void> {
    return validateAt(this.api, `${this.path}/validate`, body, { signal: options?.signal });
  }
}

/** `/v2/dashboard`: dashboards. */
export class Dashboards extends CrudResource<Dashboard, Input<Dashboard>, DashboardSearchParams> {
  constructor(api: Api) {
    super(api, '/v2/dashboard');
  }

  /** Checks a dashboard without saving it; a 400 rejects with `BadRequestError`. */
  async validate(body: Input<Dashboard>, options?: ValidateOptions): Promise<void> {
    return validateAt(this.api, `${this.path}/validate`, body, options);
  }
}

export interface CreateDashboardGroupOptions extends CallOptions {
  /** Create the group without the dashboard the server otherwise adds to it. */
  empty?: boolean;
}

/** `/v2/dashboardgroup`: dashboard groups. */
export class DashboardGroups extends CrudResource<DashboardGroup, Input<DashboardGroup>, DashboardGroupSearchParams> {
  constructor(api: Api) {
    super(api, '/v2/dashboardgroup');
  }

  override async create(body: Input<DashboardGroup>, options?: CreateDashboardGroupOptions): Promise<DashboardGroup> {
    return (await this.api.send<DashboardGroup>('POST', this.path, {
      json: objectBody(body),
      query: { empty: options?.empty },
      signal: options?.signal,
    })) as DashboardGroup;
  }

  /** Checks a dashboard group without saving it; a 400 rejects with `BadRequestError`. */
  async validate(body: Input<DashboardGroup>, options?: ValidateOptions): Promise<void> {
    return validateAt(this.api, `${this.path}/validate`, body, options);
  }
}

/** `/v2/crosslink`: data links. */
export class DataLinks extends CrudResource<DataLink, Input<DataLink>, DataLinkSearchParams> {
  constructor(api: Api) {
    super(api, '/v2/crosslink');
  }
}

/** `/v2/team`: teams, and the detectors and dashboard groups linked to them. */
export class Teams extends CrudResource<Team, Input<Team>, TeamSearchParams> {
  constructor(api: Api) {
    super(api, '/v2/team');
  }

  linkDetector(teamId: string, detectorId: string, options?: CallOptions): Promise<void> {
    return this.#link('POST', teamId, 'detector', detectorId, 'detectorId', options);
  }

  unlinkDetector(teamId: string, detectorId: string, options?: CallOptions): Promise<void> {
    return this.#link('DELETE', teamId, 'detector', detectorId, 'detectorId', options);
  }

  linkDashboardGroup(teamId: string, groupId: string, options?: CallOptions): Promise<void> {
    return this.#link('POST', teamId, 'dashboardgroup', groupId, 'groupId', options);
  }

  unlinkDashboardGroup(teamId: string, groupId: string, options?: CallOptions): Promise<void> {
    return this.#link('DELETE', teamId, 'dashboardgroup', groupId, 'groupId', options);
  }

  // Linking twice leaves the same link, so the POST is as safe to retry as the DELETE.
  async #link(
    method: 'POST' | 'DELETE',
    teamId: string,
    kind: 'detector' | 'dashboardgroup',
    id: string,
    idField: string,
    options: CallOptions | undefined,
  ): Promise<void> {
    await this.api.sendDiscardingBody(method, `${this.item(teamId)}/${kind}/${segment(id, idField)}`, {
      idempotent: true,
      signal: options?.signal,
    });
  }
}

export interface RotateOrgTokenOptions extends CallOptions {
  /** Seconds the previous secret keeps working. */
  graceful?: number;
  /** Seconds until the new secret expires. */
  secondsUntilExpiry?: number;
}

/** `/v2/token`: organization access tokens, addressed by name. */
export class OrgTokens extends CrudResource<OrgToken, Input<OrgToken>, NameSearchParams> {
  constructor(api: Api) {
    super(api, '/v2/token', 'name');
  }

  /** Issues a new secret. Not retried: each call rotates again. */
  async rotate(name: string, options?: RotateOrgTokenOptions): Promise<OrgToken> {
    return (await this.api.send<OrgToken>('POST', `${this.item(name)}/rotate`, {
      query: { graceful: options?.graceful, secondsUntilExpiry: options?.secondsUntilExpiry },
      signal: options?.signal,
    })) as OrgToken;
  }
}

/** `/v2/organization`: the organization of the token. */
export class OrganizationResource {
  readonly path = '/v2/organization';
  readonly #api: Api;

  constructor(api: Api) {
    this.#api = api;
  }

  async get(options?: CallOptions): Promise<Organization> {
    return (await this.#api.send<Organization>('GET', this.path, { signal: options?.signal })) as Organization;
  }
}
