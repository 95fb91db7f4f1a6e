import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  type AlertMutingRule,
  type Chart,
  type Dashboard,
  type DashboardGroup,
  type DataLink,
  type Detector,
  type Dimension,
  type Event,
  type Incident,
  type Metric,
  type MetricTimeSeries,
  type Organization,
  type OrgToken,
  RestClient,
  type SearchResult,
  type Session,
  type Tag,
  type Team,
} from '../src/index.js';
import { type Recorder, startRecorder } from './recorder.js';

// Each getter with the type it must resolve to; `tsc --noEmit` over the tests checks the types,
// the runtime part checks that a field no type names reaches the caller intact.
describe('returned objects', () => {
  let server: Recorder;
  let rest: RestClient;
  const extra = { addedByServerLater: { nested: [1, 'two'] } };

  beforeAll(async () => {
    server = await startRecorder((req) =>
      req.rawPath.endsWith('/events') || req.rawPath.endsWith('/incidents') || req.rawPath === '/v2/incident'
        ? { body: [{ ...extra }] }
        : { body: { id: 'X', ...extra } },
    );
    rest = new RestClient({ token: 'types-token', endpoint: server.url, retry: false });
  });
  afterAll(async () => {
    await rest.close();
    await server.close();
  });

  it('are typed per resource, pages and session included, and keep unknown fields', async () => {
    const got = {
      metric: await rest.metrics.get('m'),
      dimension: await rest.dimensions.get('k', 'v'),
      mts: await rest.metricTimeSeries.get('X'),
      tag: await rest.tags.get('t'),
      organization: await rest.organization.get(),
      detector: await rest.detectors.get('X'),
      incident: await rest.incidents.get('X'),
      events: await rest.detectors.events('X'),
      chart: await rest.charts.get('X'),
      dashboard: await rest.dashboards.get('X'),
      dashboardGroup: await rest.dashboardGroups.get('X'),
      dataLink: await rest.dataLinks.get('X'),
      team: await rest.teams.get('X'),
      orgToken: await rest.orgTokens.get('X'),
      alertMutingRule: await rest.alertMutingRules.get('X'),
    };
    expectTypeOf(got.metric).toEqualTypeOf<Metric>();
    expectTypeOf(got.dimension).toEqualTypeOf<Dimension>();
    expectTypeOf(got.mts).toEqualTypeOf<MetricTimeSeries>();
    expectTypeOf(got.tag).toEqualTypeOf<Tag>();
    expectTypeOf(got.organization).toEqualTypeOf<Organization>();
    expectTypeOf(got.detector).toEqualTypeOf<Detector>();
    expectTypeOf(got.incident).toEqualTypeOf<Incident>();
    expectTypeOf(got.events).toEqualTypeOf<Event[]>();
    expectTypeOf(got.chart).toEqualTypeOf<Chart>();
    expectTypeOf(got.dashboard).toEqualTypeOf<Dashboard>();
    expectTypeOf(got.dashboardGroup).toEqualTypeOf<DashboardGroup>();
    expectTypeOf(got.dataLink).toEqualTypeOf<DataLink>();
    expectTypeOf(got.team).toEqualTypeOf<Team>();
    expectTypeOf(got.orgToken).toEqualTypeOf<OrgToken>();
    expectTypeOf(got.alertMutingRule).toEqualTypeOf<AlertMutingRule>();
    expectTypeOf(got.detector.addedByServerLater).toEqualTypeOf<unknown>();
    expectTypeOf(got.detector.name).toEqualTypeOf<string>();
    for (const [name, value] of Object.entries(got)) {
      const object = Array.isArray(value) ? value[0] : value;
      expect(object, name).toMatchObject(extra);
    }
    expect(server.requests).toHaveLength(Object.keys(got).length);
    expectTypeOf(rest.metrics.search).returns.resolves.toEqualTypeOf<SearchResult<Metric>>();
    expectTypeOf(rest.teams.list).returns.toEqualTypeOf<AsyncGenerator<Team, void, undefined>>();
    expectTypeOf(rest.incidents.search).returns.resolves.toEqualTypeOf<Incident[]>();
    expectTypeOf(rest.detectors.incidents).returns.resolves.toEqualTypeOf<Incident[]>();
    expectTypeOf(RestClient.login).returns.resolves.toEqualTypeOf<Session>();
    expectTypeOf<Session['accessToken']>().toEqualTypeOf<string>();
    // Inputs accept fields the types do not name, so new API fields can be sent before a release names them.
    expectTypeOf<{ name: string; brandNew: number }>().toMatchTypeOf<Parameters<typeof rest.charts.create>[0]>();
  });
});
