/**
 * The shipped views on the local warehouse (DuckDB in process) over a
 * synthetic lake (bench/analytics-lake.ts): milliseconds for each view
 * (`SELECT count(*) FROM <view>`, so the time is DuckDB's and not the
 * conversion of rows to JavaScript), and each as a multiple of a reference
 * measured in the same run, a plain scan of the raw lake
 * (`rawFileScanSql`: a count straight over the lake's gzipped JSON files,
 * which the warehouse's own kept tables do not shortcut), which makes the ratios comparable
 * between machines. Each query runs twice and the faster run counts.
 *
 * Run directly: `npx tsx bench/analytics-views.ts [events]` prints a table.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { openLocalWarehouse } from '../lambda/analytics/adapters/duckdb-warehouse';
import type { Warehouse } from '../lambda/analytics/ports';
import { LAKE_FILE_EXTENSION, RAW_ZONE } from '../lambda/collection/contracts/lake-layout';
import { writeBenchLake, type BenchLake } from './analytics-lake';
import { formatTable, type Figure } from './figures';

const RUNS = 2;

async function bestOf(warehouse: Warehouse, sql: string): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await warehouse.query(sql);
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

/**
 * The reference: every raw event counted straight from the lake's gzipped
 * files by a DuckDB of its own (so the warehouse's kept tables neither
 * shortcut nor pay for it), best of RUNS: the time in ms and the count.
 */
export async function rawFileCount(lakeDir: string): Promise<{ ms: number; events: number }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const glob = `${join(lakeDir, RAW_ZONE)}/*/*/*${LAKE_FILE_EXTENSION}`.replace(/'/g, "''");
    let best = Number.POSITIVE_INFINITY;
    let events = 0;
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      const result = await connection.runAndReadAll(`SELECT count(*) AS events FROM read_json('${glob}', format = 'newline_delimited')`);
      best = Math.min(best, performance.now() - started);
      events = Number(result.getRowObjects()[0]?.events ?? 0);
    }
    return { ms: best, events };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Times every shipped view over `lake` (of `events` raw events). */
export async function benchViews(lake: BenchLake, events: number): Promise<Figure[]> {
  const warehouse = await openLocalWarehouse({ lakeDir: lake.lakeDir, curatedDir: lake.curatedDir, segmentEventsFile: lake.busFile });
  try {
    const workload = `${events.toLocaleString('en-US')} raw events (3 sources x 30 days, JSON lines gzip), ${lake.profiles.toLocaleString('en-US')} exported profiles; DuckDB in memory, best of ${RUNS}; Node ${process.version}`;
    const figures: Figure[] = [];
    const scanMs = (await rawFileCount(lake.lakeDir)).ms;
    figures.push({ section: 'analytics', name: 'reference: count of the raw lake files', value: scanMs, unit: 'ms', workload: `${workload}; count(*) over read_json of the gzipped files` });
    // The first read of the lake loads the warehouse's kept tables (and the events table): timed apart, once.
    const loaded = performance.now();
    await warehouse.query('SELECT count(*) FROM events');
    const loadMs = performance.now() - loaded;
    figures.push({ section: 'analytics', name: 'first read: lake loaded and events built', value: loadMs, unit: 'ms', workload });
    figures.push({ section: 'analytics', name: 'first read / raw file count', value: loadMs / scanMs, unit: 'x', workload: 'ratio to the reference of the same run' });
    for (const view of warehouse.views) {
      const ms = await bestOf(warehouse, `SELECT count(*) FROM ${view.name}`);
      figures.push({ section: 'analytics', name: `view ${view.name}`, value: ms, unit: 'ms', workload: `${workload}; SELECT count(*) FROM ${view.name}` });
      figures.push({ section: 'analytics', name: `view ${view.name} / raw scan`, value: ms / scanMs, unit: 'x', workload: 'ratio to the reference scan of the same run' });
    }
    return figures;
  } finally {
    await warehouse.close();
  }
}

/** Generates a synthetic lake of `events` raw events in a temporary folder, runs `fn` over it, then removes it. */
export async function withBenchLake<T>(events: number, fn: (lake: BenchLake, generateSeconds: number) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'c360-bench-lake-'));
  try {
    const generated = performance.now();
    const lake = await writeBenchLake(dir, events);
    return await fn(lake, (performance.now() - generated) / 1000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const events = process.argv[2] === undefined ? 1_000_000 : Number(process.argv[2]);
  console.log(formatTable(await withBenchLake(events, (lake) => benchViews(lake, events))));
}
