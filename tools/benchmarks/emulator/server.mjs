// The emulator under test, in its own process so its memory can be measured alone.
// Started by bench.mjs with --expose-gc; answers { cmd: 'stats' } with store stats and heap figures.
import { startEmulator } from '@sfx/emulator';

const maxPointsPerSeries = Number(process.argv[2] ?? 10_000);
const maxAgeMs = Number(process.argv[3] ?? 24 * 3_600_000);
const emulator = await startEmulator({ tokens: ['bench'], retention: { maxPointsPerSeries, maxAgeMs } });

function measure() {
  globalThis.gc?.();
  globalThis.gc?.();
  const memory = process.memoryUsage();
  return { heapUsed: memory.heapUsed, arrayBuffers: memory.arrayBuffers, rss: memory.rss };
}

const baseline = measure();
process.send({ port: emulator.port, baseline });
process.on('message', async (message) => {
  if (message.cmd === 'stats') {
    const stats = emulator.store.stats();
    const series = emulator.store.allSeries();
    // The retention bound: no series over its point budget, no point older than the age bound. `size` counts every
    // point held; `points()` only those inside the age bound, so a difference is a point kept past the bound.
    const overBudget = series.filter((s) => s.size > maxPointsPerSeries).length;
    const tooOld = series.reduce((sum, s) => sum + s.size - s.points(0, Number.MAX_SAFE_INTEGER).length, 0);
    const oldestAgeMs =
      Date.now() - Math.min(...series.map((s) => s.points(0, Number.MAX_SAFE_INTEGER)[0]?.timestamp ?? Date.now()));
    process.send({ stats, memory: measure(), overBudget, tooOld, oldestAgeMs });
  } else if (message.cmd === 'close') {
    await emulator.close();
    process.exit(0);
  }
});
