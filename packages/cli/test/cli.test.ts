import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@sfx/emulator';
import { RestClient } from '@sfx/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli, startCli } from './helpers.js';

const TOKEN = 'cli-token';
let emulator: Emulator;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ host: '127.0.0.1', port: 0, tokens: [TOKEN] });
  env = cleanEnv({
    SFX_TOKEN: TOKEN,
    SFX_INGEST_URL: emulator.ingestUrl,
    SFX_API_URL: emulator.apiUrl,
    SFX_STREAM_URL: emulator.streamUrl,
  });
  dir = mkdtempSync(join(tmpdir(), 'sfx-cli-'));
});

afterAll(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

function pointsOf(metric: string) {
  return [...emulator.store.findSeries(metric)].map((series) => ({
    dimensions: { ...series.dimensions },
    type: series.metricType,
    values: series.points(0, Number.MAX_SAFE_INTEGER).map((point) => point.value),
  }));
}

describe('help and usage', () => {
  it('prints help for every command with exit status 0', async () => {
    const commands = [
      [],
      ['emulator'],
      ['send'],
      ['event'],
      ['flow'],
      ['metrics', 'search'],
      ['dimensions', 'search'],
      ['detectors', 'list'],
    ];
    const results = await Promise.all(commands.map((command) => runCli([...command, '--help'], env)));
    results.forEach((result, i) => {
      expect(result.code, `sfx ${commands[i]?.join(' ')} --help`).toBe(0);
      expect(result.stdout).toMatch(/^Usage: sfx/);
    });
    expect(results[0]?.stdout).toMatch(/emulator[\s\S]*send[\s\S]*event[\s\S]*flow[\s\S]*metrics/);
    expect(results[2]?.stdout).toContain('--dim');
    expect(results[4]?.stdout).toContain('live|table|json|csv'.split('|')[0]);
  });

  it('prints help for the command groups and through `sfx help`, with exit status 0', async () => {
    const asked = [
      ['metrics', '--help'],
      ['dimensions', '--help'],
      ['detectors', '--help'],
      ['help', 'flow'],
      ['help'],
    ];
    const results = await Promise.all(asked.map((args) => runCli(args, env)));
    results.forEach((result, i) => {
      expect(result.code, `sfx ${asked[i]?.join(' ')}`).toBe(0);
      expect(result.stdout).toMatch(/^Usage: sfx/);
    });
    expect(results[0]?.stdout).toMatch(/search \[options\] <query>/);
    expect(results[3]?.stdout).toMatch(/^Usage: sfx flow/);
  });

  it('exits 2 when a command group is given without its command', async () => {
    const result = await runCli(['metrics'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Usage: sfx metrics/);
  });

  it('exits 2 with one line for usage errors', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['nosuch'], /unknown command 'nosuch'/],
      [['send', 'gauge', 'm', 'abc'], /value must be a finite number/],
      [['send', 'histogram', 'm', '1'], /gauge, counter or cumulative/],
      [['send', 'gauge', 'm', '1', '--dim', 'oops'], /--dim must be key=value/],
      [['send', 'gauge'], /missing arguments/],
      [['flow', "data('m').publish()", '--start', 'yesterday'], /--start must be/],
      [['flow', "data('m').publish()", '--output', 'xml'], /Allowed choices are live, table, json, csv/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args, env)));
    results.forEach((result, i) => {
      const [args, pattern] = cases[i] as [string[], RegExp];
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(pattern);
      expect(result.stderr.split('\n')[0]).toMatch(/^sfx: /);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });
  });

  it('asks for a token when neither --token nor SFX_TOKEN is set', async () => {
    const { SFX_TOKEN: _, ...noToken } = env;
    const result = await runCli(['send', 'gauge', 'm', '1'], noToken);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no token: pass --token or set SFX_TOKEN');
  });
});

describe('send and event', () => {
  it('sends one datapoint of each kind with dimensions', async () => {
    const gauge = await runCli(['send', 'gauge', 'cli.gauge', '42.5', '--dim', 'host=a', '-d', 'region=eu'], env);
    expect(gauge.code).toBe(0);
    expect(gauge.stdout).toBe('sent 1, failed 0, dropped 0\n');
    const counter = await runCli(['send', 'counter', 'cli.counter', '3', '--output', 'json'], env);
    expect(JSON.parse(counter.stdout)).toEqual({ sent: 1, failed: 0, dropped: 0, invalid: 0, errors: [] });
    const cumulative = await runCli(['send', 'cumulative', 'cli.total', '9007199254740993'], env);
    expect(cumulative.code).toBe(0);
    expect(pointsOf('cli.gauge')).toEqual([{ dimensions: { host: 'a', region: 'eu' }, type: 'gauge', values: [42.5] }]);
    expect(pointsOf('cli.counter')).toEqual([{ dimensions: {}, type: 'counter', values: [3] }]);
    expect(pointsOf('cli.total')[0]?.type).toBe('cumulative_counter');
  });

  it('uses --token over SFX_TOKEN, and fails with exit 1 and one line on a refused token', async () => {
    const result = await runCli(['send', 'gauge', 'cli.refused', '1', '--token', 'wrong'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('sent 0, failed 1, dropped 0\n');
    expect(result.stderr).toMatch(/^sfx: .*\(SFX_ERR_AUTH\)\n$/);
    expect(result.stderr).not.toContain('wrong');
    expect(pointsOf('cli.refused')).toEqual([]);
    const verbose = await runCli(['send', 'gauge', 'cli.refused', '1', '--token', 'wrong', '--verbose'], env);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/^sfx: .*\(SFX_ERR_AUTH\)\nAuthError: [^\n]*\n\s+at /m);
    expect(verbose.stderr).not.toContain('wrong');
  });

  it('sends a JSON-lines file and a CSV file, counting bad lines', async () => {
    const jsonl = join(dir, 'points.jsonl');
    writeFileSync(
      jsonl,
      [
        '{"metric":"file.jsonl","value":1,"dimensions":{"host":"a"}}',
        '',
        '{"metric":"file.jsonl","value":2,"type":"gauge","dimensions":{"host":"b"}}',
        '{"metric":"file.count","value":5,"type":"counter"}',
      ].join('\n'),
    );
    const fromJsonl = await runCli(['send', '--file', jsonl, '--dim', 'source=file'], env);
    expect(fromJsonl.code).toBe(0);
    expect(fromJsonl.stdout).toBe('sent 3, failed 0, dropped 0\n');
    expect(pointsOf('file.jsonl').map((s) => s.dimensions)).toEqual(
      expect.arrayContaining([
        { host: 'a', source: 'file' },
        { host: 'b', source: 'file' },
      ]),
    );

    const csv = join(dir, 'points.csv');
    writeFileSync(
      csv,
      'type,metric,value,host\ngauge,file.csv,1.5,a\ngauge,file.csv,oops,b\ncumulative,file.csv.total,10,a\n',
    );
    const fromCsv = await runCli(['send', '--file', csv], env);
    expect(fromCsv.code).toBe(1);
    expect(fromCsv.stdout).toBe('sent 2, failed 0, dropped 0, invalid 1\n');
    expect(fromCsv.stderr).toContain('points.csv:3: value must be a finite number');
    expect(pointsOf('file.csv')).toEqual([{ dimensions: { host: 'a' }, type: 'gauge', values: [1.5] }]);
  });

  it('reports a missing file as a usage error', async () => {
    const result = await runCli(['send', '--file', join(dir, 'missing.jsonl')], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot read .*missing\.jsonl: ENOENT/);
  });

  it('sends an event with dimensions and typed properties', async () => {
    const result = await runCli(
      [
        'event',
        'deploy',
        '--dim',
        'service=shop',
        '--prop',
        'version=1.2.3',
        '--prop',
        'replicas=3',
        '--prop',
        'canary=true',
      ],
      env,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('event deploy sent\n');
    const event = emulator.store.events().find((e) => e.eventType === 'deploy');
    expect(event).toMatchObject({
      category: 'USER_DEFINED',
      dimensions: { service: 'shop' },
      properties: { version: '1.2.3', replicas: 3, canary: true },
    });
  });

  it('fails with exit 1 and one line when the server cannot be reached, with the stack under --verbose', async () => {
    const closed = cleanEnv({ SFX_TOKEN: TOKEN, SFX_API_URL: 'http://127.0.0.1:9' });
    const plain = await runCli(['metrics', 'search', 'cpu.*', '--timeout', '2s'], closed);
    expect(plain.code).toBe(1);
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
    expect(plain.stderr).toMatch(/^sfx: .*SFX_ERR_CONNECTION/);
    const verbose = await runCli(['metrics', 'search', 'cpu.*', '--timeout', '2s', '--verbose'], closed);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/\n\s+at /);
    expect(verbose.stderr).toMatch(/^sfx: debug: GET http:\/\/127\.0\.0\.1:9\/v2\/metric\S* attempt 1 failed/m);
  });
});

describe('metadata', () => {
  it('searches metrics and dimensions as a table or as JSON', async () => {
    await runCli(['send', 'gauge', 'meta.cpu', '1', '--dim', 'host=meta-1'], env);
    const table = await runCli(['metrics', 'search', 'meta.*'], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^name\s+type\s+description\n/);
    expect(table.stdout).toMatch(/meta\.cpu\s+GAUGE/);
    expect(table.stdout).toContain('1 of 1 metrics');
    const json = await runCli(['metrics', 'search', 'name:meta.*', '--output', 'json'], env);
    expect(JSON.parse(json.stdout)).toMatchObject({ count: 1, results: [{ name: 'meta.cpu' }] });
    const dims = await runCli(['dimensions', 'search', 'host:meta-*'], env);
    expect(dims.code).toBe(0);
    expect(dims.stdout).toMatch(/host\s+meta-1/);
  });

  it('lists detectors', async () => {
    const empty = await runCli(['detectors', 'list'], env);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe('no detectors found\n');
    const rest = new RestClient({ token: TOKEN, endpoint: emulator.apiUrl });
    await rest.detectors.create({
      name: 'CPU high',
      programText: "detect(when(data('cpu.utilization') > 90)).publish('cpu high')",
      rules: [{ detectLabel: 'cpu high', severity: 'Critical' }],
    });
    await rest.close();
    const listed = await runCli(['detectors', 'list', '--output', 'json'], env);
    expect(JSON.parse(listed.stdout).results.map((d: { name: string }) => d.name)).toEqual(['CPU high']);
  });
});

describe('sfx emulator', () => {
  it('prints its URLs, accepts data, and stops on SIGINT with exit 0', async () => {
    const cli = startCli(['emulator', '--port', '0', '--token', 'emu-token', '--output', 'json'], cleanEnv());
    const line = await cli.waitFor(/\{.*\}\n/);
    const urls = JSON.parse(line) as { ingestUrl: string; apiUrl: string; token: string };
    expect(urls.token).toBe('emu-token');
    expect(urls.ingestUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const sent = await runCli(
      ['send', 'gauge', 'emu.metric', '7', '--token', 'emu-token', '--ingest-url', urls.ingestUrl],
      cleanEnv(),
    );
    expect(sent.code).toBe(0);
    const found = await runCli(
      ['metrics', 'search', 'emu.*', '--token', 'emu-token', '--api-url', urls.apiUrl],
      cleanEnv(),
    );
    expect(found.stdout).toContain('emu.metric');
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(0);
  });

  it('prints its URLs and the export line as text, token from SFX_TOKEN, and rejects a bad port', async () => {
    const cli = startCli(['emulator', '--port', '0'], cleanEnv({ SFX_TOKEN: 'env-token' }));
    await cli.waitFor(/Press Ctrl-C to stop\.\n/);
    const url = /^ {2}ingest {2}(http:\/\/127\.0\.0\.1:\d+)$/m.exec(cli.stdout())?.[1];
    expect(url, cli.stdout()).toBeDefined();
    expect(cli.stdout()).toContain('sfx emulator running (token env-token)');
    expect(cli.stdout()).toContain(
      `export SFX_TOKEN=env-token SFX_INGEST_URL=${url} SFX_API_URL=${url} SFX_STREAM_URL=${url}`,
    );
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('emulator stopped\n');
    const bad = await runCli(['emulator', '--port', '70000'], cleanEnv());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--port must be 0 to 65535/);
  });
});
