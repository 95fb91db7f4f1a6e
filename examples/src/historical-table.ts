// Runs a computation over a past hour and collects it into a table: a row per timestamp, a column per series.
import { SignalFx, type SignalFxOptions } from '@sfx/sdk';
import { runMain } from './run-main.js';

export interface Table {
  columns: string[];
  rows: Array<{ timestampMs: number; values: Array<number | null> }>;
}

export async function historicalTable(
  program: string,
  range: { start: number; stop: number; resolution?: number },
  options: SignalFxOptions = {},
  token?: string,
): Promise<Table> {
  const flow = new SignalFx(options).signalflow(token);
  const names = new Map<string, string>(); // tsId -> column name
  const byTimestamp = new Map<number, Map<string, number | null>>();
  try {
    // With a stop in the past the computation ends by itself, and the loop with it.
    const computation = flow.execute(program, { ...range, immediate: true });
    for await (const message of computation) {
      if (message.type === 'metadata') {
        const { sf_key: keys = [], ...properties } = message.properties as Record<string, unknown> & {
          sf_key?: string[];
        };
        const dims = keys.filter((key) => !key.startsWith('sf_')).map((key) => `${key}=${String(properties[key])}`);
        names.set(message.tsId, dims.join(',') || message.tsId);
      } else if (message.type === 'data') {
        byTimestamp.set(message.logicalTimestampMs, new Map(Object.entries(message.data)));
      }
    }
  } finally {
    await flow.close();
  }
  const tsIds = [...names.keys()].sort((a, b) => (names.get(a) as string).localeCompare(names.get(b) as string));
  return {
    columns: tsIds.map((tsId) => names.get(tsId) as string),
    rows: [...byTimestamp.keys()]
      .sort((a, b) => a - b)
      .map((timestampMs) => ({
        timestampMs,
        values: tsIds.map((tsId) => byTimestamp.get(timestampMs)?.get(tsId) ?? null),
      })),
  };
}

/** The table as text, columns aligned. */
export function formatTable(table: Table): string {
  const header = ['time', ...table.columns];
  const body = table.rows.map((row) => [
    new Date(row.timestampMs).toISOString(),
    ...row.values.map((value) => (value === null ? '-' : String(Number(value.toFixed(3))))),
  ]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((cells) => (cells[i] ?? '').length)));
  return [header, ...body].map((cells) => cells.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ')).join('\n');
}

runMain(import.meta.url, async () => {
  const stop = Math.floor(Date.now() / 60_000) * 60_000;
  const table = await historicalTable("data('cpu.utilization').mean(by=['host']).publish()", {
    start: stop - 3_600_000,
    stop,
    resolution: 60_000,
  });
  console.log(formatTable(table));
});
