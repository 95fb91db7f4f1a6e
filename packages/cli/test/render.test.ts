import { describe, expect, it } from 'vitest';
import { CSV_HEADER, csvField, csvLine, jsonLine, renderProgress, renderTable } from '../src/format.js';
import { addData, addMetadata, createHistoryTable, renderHistoryTable } from '../src/history-table.js';
import {
  applyData,
  applyExpired,
  applyMetadata,
  createLiveState,
  redraw,
  renderLive,
  sparkline,
} from '../src/live-table.js';
import { formatNumber, seriesInfo, seriesName } from '../src/series.js';

const hostA = {
  sf_key: ['host', 'sf_metric'],
  sf_metric: '_SF_COMP_ABC_02-PUBLISH_METRIC',
  sf_originatingMetric: 'cpu.utilization',
  sf_streamLabel: 'cpu',
  host: 'a',
  sf_resolutionMs: 10_000,
};

describe('series metadata', () => {
  it('shows the originating metric of computed series and the key dimensions', () => {
    const info = seriesInfo('AAAAAAAAAAE', hostA);
    expect(info).toEqual({ tsId: 'AAAAAAAAAAE', metric: 'cpu.utilization', label: 'cpu', dimensions: { host: 'a' } });
    expect(seriesName(info)).toBe('host=a');
    expect(seriesInfo('x', { sf_metric: 'mem', region: 'eu', sf_type: 'MetricTimeSeries' })).toEqual({
      tsId: 'x',
      metric: 'mem',
      label: undefined,
      dimensions: { region: 'eu' },
    });
    expect(seriesName(seriesInfo('x', { sf_metric: 'mem', sf_key: ['sf_metric'] }))).toBe('mem');
  });

  it('formats numbers without float noise', () => {
    expect(formatNumber(null)).toBe('-');
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatNumber(12.3456789)).toBe('12.3457');
    expect(formatNumber(1e-7)).toBe('1.000e-7');
  });
});

describe('sparkline', () => {
  it('scales between min and max and leaves gaps blank', () => {
    expect(sparkline([0, 7, 14])).toBe('▁▅█');
    expect(sparkline([1, null, 1])).toBe('▄ ▄');
    expect(sparkline([null, null])).toBe('  ');
    expect(sparkline([1, 2, 3, 4, 5], 2)).toBe('▁█');
    expect(sparkline([])).toBe('');
  });
});

describe('live view', () => {
  it('renders the latest value and trend per series, as a pure function of the state', () => {
    const state = createLiveState("data('cpu.utilization').mean(by=['host']).publish()", 5);
    state.resolutionMs = 10_000;
    applyMetadata(state, 'A', hostA);
    applyMetadata(state, 'B', { ...hostA, host: 'b' });
    applyData(state, 1_700_000_000_000, { A: 10, B: 50 });
    applyData(state, 1_700_000_010_000, { A: 20 });
    applyData(state, 1_700_000_020_000, { A: 30, B: 40.5 });
    const lines = renderLive(state, { width: 100 });
    expect(lines).toEqual([
      "sfx flow · data('cpu.utilization').mean(by=['host']).publish()",
      '2023-11-14T22:13:40Z · resolution 10s · 2 series',
      '',
      'label  metric           host  value  trend',
      '-----  ---------------  ----  -----  -----',
      'cpu    cpu.utilization  a        30  ▁▅█',
      'cpu    cpu.utilization  b      40.5  █ ▁',
    ]);
    expect(renderLive(state, { width: 100 })).toEqual(lines);
    applyExpired(state, 'B');
    expect(renderLive(state).some((line) => line.includes(' b '))).toBe(false);
  });

  it('keeps a bounded history, cuts lines to the width and caps the rows', () => {
    const state = createLiveState('data("m").publish()', 3);
    for (let i = 0; i < 10; i++) applyData(state, i * 1000, { A: i, B: i, C: i });
    expect(state.series.get('A')?.history).toEqual([7, 8, 9]);
    const lines = renderLive(state, { width: 20, maxRows: 2 });
    expect(lines.every((line) => [...line].length <= 20)).toBe(true);
    expect(lines.at(-1)).toBe('… and 1 more series');
    expect(renderLive(createLiveState('p'))[1]).toBe('waiting for data · 0 series');
  });

  it('redraws in place by moving the cursor up over the previous frame', () => {
    expect(redraw(0, ['a', 'b'])).toBe('\x1b[Ja\nb\n');
    expect(redraw(2, ['c'])).toBe('\x1b[2A\r\x1b[Jc\n');
  });
});

describe('line formats', () => {
  const record = { timestampMs: 1_700_000_000_000, series: seriesInfo('A', hostA), value: 12.5 };
  it('writes one JSON object per value', () => {
    expect(JSON.parse(jsonLine(record))).toEqual({
      timestamp: 1_700_000_000_000,
      time: '2023-11-14T22:13:20Z',
      tsId: 'A',
      label: 'cpu',
      metric: 'cpu.utilization',
      dimensions: { host: 'a' },
      value: 12.5,
    });
    expect(JSON.parse(jsonLine({ ...record, value: null })).value).toBeNull();
  });

  it('writes CSV rows matching the header, quoting where needed', () => {
    expect(CSV_HEADER.split(',')).toHaveLength(7);
    expect(csvLine(record)).toBe('1700000000000,2023-11-14T22:13:20Z,A,cpu,cpu.utilization,host=a,12.5');
    const odd = { ...record, series: { ...record.series, dimensions: { host: 'a,"b"' } }, value: null };
    expect(csvLine(odd)).toBe('1700000000000,2023-11-14T22:13:20Z,A,cpu,cpu.utilization,"host=a,""b""",');
    expect(csvField('plain')).toBe('plain');
  });

  it('aligns tables and draws progress', () => {
    expect(
      renderTable(
        [
          ['name', 'n'],
          ['cpu', '12'],
          ['memory', '3'],
        ],
        ['left', 'right'],
      ),
    ).toEqual(['name     n', '------  --', 'cpu     12', 'memory   3']);
    expect(renderProgress(5, 10, 10, '5/10')).toBe('[#####.....]  50%  5/10');
    expect(renderProgress(0, 0, 4)).toBe('[####] 100%');
  });
});

describe('history table', () => {
  it('has a row per timestamp and a column per series', () => {
    const table = createHistoryTable();
    addMetadata(table, 'A', hostA);
    addMetadata(table, 'B', { ...hostA, host: 'b' });
    addData(table, 20_000, { A: 2, B: 4 });
    addData(table, 10_000, { A: 1 });
    expect(renderHistoryTable(table)).toEqual([
      'time                  host=a  host=b',
      '--------------------  ------  ------',
      '1970-01-01T00:00:10Z       1       -',
      '1970-01-01T00:00:20Z       2       4',
    ]);
    expect(renderHistoryTable(createHistoryTable())).toEqual(['(no data)']);
  });

  it('names the stream of each column when several are published, once', () => {
    const table = createHistoryTable();
    const total = { sf_key: ['sf_metric'], sf_metric: '_SF_COMP_X', sf_streamLabel: 'total' };
    addMetadata(table, 'T', total);
    addMetadata(table, 'A', { ...hostA, sf_streamLabel: 'max' });
    addData(table, 10_000, { T: 31, A: 10.5 });
    expect(renderHistoryTable(table)[0]).toBe('time                  max:host=a  total');
  });
});
