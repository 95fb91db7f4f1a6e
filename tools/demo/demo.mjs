#!/usr/bin/env node
// The one-command demo (`npm run demo`): builds what it needs, starts the emulator in this process,
// sends a minute of synthetic host metrics, finds them through the REST API, streams a SignalFlow
// computation live, checks the streamed values against what was sent, and exits by itself.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const DEADLINE_MS = 28_000;
/** The whole run, build included, should end this long after the process started. */
const TOTAL_BUDGET_MS = 26_000;
const processStart = Date.now() - process.uptime() * 1000;
const liveFlag = process.argv.indexOf('--live-seconds');
const LIVE_SECONDS = liveFlag > 0 ? Math.min(20, Math.max(1, Number(process.argv[liveFlag + 1]) || 10)) : 10;
/** Streaming is the step that can wait: it is shortened (to 3 s at least) when the build took long. */
const MIN_LIVE_MS = Math.min(3_000, LIVE_SECONDS * 1000);
const HOSTS = ['web-1', 'web-2', 'db-1'];
const TOKEN = 'demo-token';
const PROGRAM = "data('cpu.utilization').mean(by=['host']).publish()";

const tty = process.stdout.isTTY === true;
const color = tty && !process.env.NO_COLOR;
const bold = (text) => (color ? `\x1b[1m${text}\x1b[22m` : text);
const dim = (text) => (color ? `\x1b[2m${text}\x1b[22m` : text);
const step = (n, text) => console.log(`\n${bold(`${n}.`)} ${bold(text)}`);

if (!process.argv.includes('--no-build')) {
  console.log(dim('building @sfx/cli, @sfx/emulator, @sfx/reporter and what they need (cached by nx)…'));
  const built = spawnSync(
    'npx',
    [
      'nx',
      'run-many',
      '-t',
      'build',
      '-p',
      '@sfx/cli',
      '@sfx/emulator',
      '@sfx/reporter',
      '@sfx/sdk',
      '--outputStyle=static',
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false' } },
  );
  if (built.status !== 0) {
    console.error('demo: the build failed; run `npm run build` to see why');
    process.exit(1);
  }
}

const { startEmulator } = await import('@sfx/emulator');
const { SignalFx } = await import('@sfx/sdk');
const { MetricsRegistry, SignalFxReporter } = await import('@sfx/reporter');
const { applyData, applyMetadata, createLiveState, redraw, renderLive, formatNumber } = await import('@sfx/cli');

/** The synthetic CPU of a host at a second: a slow wave, different per host, rounded to a tenth. */
function cpuAt(hostIndex, second) {
  return Math.round((45 + 25 * Math.sin(second / 9 + hostIndex * 2) + hostIndex * 5) * 10) / 10;
}
/** The synthetic memory of a host at a second, in bytes. */
function memoryAt(hostIndex, second) {
  return (2 + hostIndex) * 1_073_741_824 + (second % 60) * 1_048_576;
}

const started = Date.now();
const watchdog = setTimeout(() => {
  console.error(`\ndemo: did not finish within ${DEADLINE_MS / 1000} s; giving up`);
  process.exit(1);
}, DEADLINE_MS);
watchdog.unref();

const cleanups = [];
let exitCode = 0;
try {
  step(1, 'Starting the emulator in this process');
  const emulator = await startEmulator({ host: '127.0.0.1', port: 0, tokens: [TOKEN] });
  cleanups.push(() => emulator.close());
  console.log(`   ingest ${emulator.ingestUrl}   api ${emulator.apiUrl}   stream ${emulator.streamUrl}`);

  const sfx = new SignalFx({ ingestUrl: emulator.ingestUrl, apiUrl: emulator.apiUrl, streamUrl: emulator.streamUrl });

  step(2, `Sending a minute of cpu.utilization and memory.used for ${HOSTS.length} hosts`);
  const nowSecond = Math.floor(Date.now() / 1000);
  const firstSecond = nowSecond - 60;
  const ingest = sfx.ingest(TOKEN);
  cleanups.push(() => ingest.close());
  const sentCpu = new Map(); // `${host}@${ms}` -> value, to check the computation's output
  for (let second = firstSecond; second < nowSecond; second++) {
    ingest.send({
      gauges: HOSTS.map((host, i) => {
        const value = cpuAt(i, second);
        sentCpu.set(`${host}@${second * 1000}`, value);
        return { metric: 'cpu.utilization', value, timestamp: second * 1000, dimensions: { host } };
      }),
    });
  }
  const cpuResult = await ingest.flush();
  console.log(
    `   cpu.utilization through @sfx/ingest: ${cpuResult.sent} sent, ${cpuResult.failed} failed, ${cpuResult.dropped} dropped`,
  );

  // memory.used goes through a registry and its reporter, as an application would report it.
  const registry = new MetricsRegistry();
  const reporter = new SignalFxReporter({ registry, ingest, intervalMs: 60_000 });
  const memory = HOSTS.map((host) => registry.gauge('memory.used', { host }));
  for (let second = firstSecond; second < nowSecond; second++) {
    memory.forEach((gauge, i) => {
      gauge.set(memoryAt(i, second));
    });
    await reporter.reportNow(second * 1000);
  }
  const memoryResult = await ingest.flush();
  console.log(
    `   memory.used through the @sfx/reporter registry: ${memoryResult.sent} sent, ${memoryResult.failed} failed`,
  );
  if (cpuResult.failed + cpuResult.dropped + memoryResult.failed + memoryResult.dropped > 0) exitCode = 1;

  step(3, 'Finding the metrics and hosts with @sfx/rest');
  const rest = sfx.rest(TOKEN);
  cleanups.push(() => rest.close());
  const metrics = await rest.metrics.search({ query: 'name:*' });
  console.log(
    `   metrics: ${metrics.results
      .map((m) => m.name)
      .sort()
      .join(', ')}  (${metrics.count} found)`,
  );
  const hosts = await rest.dimensions.search({ query: 'key:host' });
  console.log(
    `   hosts:   ${hosts.results
      .map((d) => d.value)
      .sort()
      .join(', ')}  (${hosts.count} found)`,
  );
  const found = new Set(metrics.results.map((m) => m.name));
  if (!found.has('cpu.utilization') || !found.has('memory.used')) {
    console.error('   demo: the REST API did not list both metrics');
    exitCode = 1;
  }

  step(4, `Streaming ${PROGRAM} with @sfx/signalflow`);
  const flow = sfx.signalflow(TOKEN);
  cleanups.push(() => flow.close());
  const state = createLiveState(PROGRAM, 40);
  // maxDelay: 2 s of slack for points sent every 250 ms, so that a busy machine shows no gaps.
  const computation = flow.execute(PROGRAM, { start: firstSecond * 1000, resolution: 1000, maxDelay: 2000 });

  // Keep sending: one cpu point per host per second while the computation streams live.
  let liveSecond = nowSecond;
  const sendLive = () => {
    const second = Math.floor(Date.now() / 1000);
    for (; liveSecond <= second; liveSecond++) {
      ingest.send({
        gauges: HOSTS.map((host, i) => {
          const value = cpuAt(i, liveSecond);
          sentCpu.set(`${host}@${liveSecond * 1000}`, value);
          return { metric: 'cpu.utilization', value, timestamp: liveSecond * 1000, dimensions: { host } };
        }),
      });
    }
    // flush() never rejects; what fails is counted in ingest.stats() and checked in the summary.
    ingest.flush();
  };
  sendLive();
  const sender = setInterval(sendLive, 250);
  const liveMs = Math.max(MIN_LIVE_MS, Math.min(LIVE_SECONDS * 1000, processStart + TOTAL_BUDGET_MS - Date.now()));
  const stopAt = Date.now() + liveMs;
  const stopTimer = setTimeout(() => computation.close().catch(() => {}), stopAt - Date.now());
  cleanups.push(() => {
    clearInterval(sender);
    clearTimeout(stopTimer);
  });

  let drawn = 0;
  let lastDraw = 0;
  let checked = 0;
  let mismatched = 0;
  const draw = (force) => {
    if (!tty || (!force && Date.now() - lastDraw < 200)) return;
    lastDraw = Date.now();
    // Lines are indented by 3, so they get 3 columns less; a pseudo-terminal may report 0 columns.
    const width = Math.max(40, (process.stdout.columns || 100) - 3);
    const lines = renderLive(state, { width }).map((line) => `   ${line}`);
    process.stdout.write(redraw(drawn, lines));
    drawn = lines.length;
  };
  const hostOf = new Map();
  try {
    for await (const message of computation) {
      if (message.type === 'metadata') {
        applyMetadata(state, message.tsId, message.properties);
        hostOf.set(message.tsId, message.properties.host);
      } else if (message.type === 'data') {
        state.resolutionMs = computation.resolution ?? state.resolutionMs;
        applyData(state, message.logicalTimestampMs, message.data);
        for (const [tsId, value] of Object.entries(message.data)) {
          const expected = sentCpu.get(`${hostOf.get(tsId)}@${message.logicalTimestampMs}`);
          if (expected === undefined || value === null) continue;
          checked++;
          if (Math.abs(value - expected) > 1e-9) mismatched++;
        }
        draw(false);
      }
      if (Date.now() >= stopAt) break;
    }
  } finally {
    await computation.close().catch(() => {});
  }
  draw(true);
  if (!tty) for (const line of renderLive(state, { width: 100 })) console.log(`   ${line}`);

  step(5, 'Summary');
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const stats = ingest.stats();
  console.log(`   datapoints sent:     ${stats.sent} (failed ${stats.failed}, dropped ${stats.dropped})`);
  console.log(`   metrics found:       ${metrics.count}, hosts found: ${hosts.count}`);
  console.log(`   streamed:            ${state.timestamps} timestamps × ${state.series.size} series`);
  console.log(`   values checked:      ${checked - mismatched}/${checked} equal to what was sent`);
  const latest = [...state.series.values()]
    .map((s) => `${s.info.dimensions.host ?? s.info.tsId}=${formatNumber(s.history.at(-1) ?? null)}`)
    .join('  ');
  console.log(`   latest cpu mean:     ${latest}`);
  console.log(`   done in ${seconds} s`);
  if (stats.failed + stats.dropped > 0) {
    console.error('   demo: some datapoints were not delivered');
    exitCode = 1;
  }
  if (state.timestamps === 0 || state.series.size !== HOSTS.length || checked === 0 || mismatched > 0) {
    console.error('   demo: the computation did not stream the expected values');
    exitCode = 1;
  }
} catch (error) {
  console.error(`\ndemo: ${error instanceof Error ? error.message : String(error)}`);
  if (process.argv.includes('--verbose')) console.error(error);
  exitCode = 1;
} finally {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch {
      // Closing is best effort: the process ends next.
    }
  }
  clearTimeout(watchdog);
}
process.exitCode = exitCode;
