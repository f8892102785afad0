/**
 * The batch-file import on a million rows: a gzipped CRM export generated
 * into a temporary folder (streamed, never held in memory), imported through
 * the same pipeline as the Lambda function and `c360 import` (gunzip, CSV
 * parsing, row mapping, ingest normalisation, batches of 500), with an event
 * sink that accepts every batch at once, so the figures measure c360 and
 * not a stream. Reports rows per second and the process's peak RSS while
 * importing (memory must not grow with the file).
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { config as appConfig } from '../lambda/config/load';
import type { C360Config } from '../lambda/config';
import { importFile, importSettings } from '../lambda/collection/usecases/import-file';
import type { Figure } from './figures';

const FIRST = ['Ana', 'Bo', 'Cy', 'Di', 'Ed', 'Fi', 'Gi', 'Hal', 'Ivy', 'Jo'];
const LAST = ['Lee', 'Ng', 'Oh', 'Park', 'Fox', 'Diaz', 'Kim', 'Ruiz', 'Shaw', 'Wu'];
const CITIES = ['Portland,OR', 'Salem,OR', 'Seattle,WA', 'Boise,ID', 'Eugene,OR'];
const TIERS = ['bronze', 'silver', 'gold'];

/** Writes a gzipped CSV in the `crm` mapping's columns, row by row with backpressure. */
export async function writeCrmExport(path: string, rows: number): Promise<void> {
  const gzip = createGzip();
  const out = createWriteStream(path);
  gzip.pipe(out);
  const write = async (text: string) => {
    if (!gzip.write(text)) await once(gzip, 'drain');
  };
  await write('customer_id,email,phone,updated_at,first_name,last_name,city,state,loyalty_tier\n');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const first = FIRST[i % FIRST.length] as string;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length] as string;
    const day = String(1 + (i % 28)).padStart(2, '0');
    const phone = `(503) ${String(200 + (i % 700)).padStart(3, '0')}-${String(i % 10000).padStart(4, '0')}`;
    chunk += `cust_${i},${first.toLowerCase()}.${last.toLowerCase()}${i}@example.com,${phone},2026-10-${day}T09:30:00Z,${first},${last},${CITIES[i % CITIES.length]},${TIERS[i % TIERS.length]}\n`;
    if (i % 1000 === 999) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  gzip.end();
  await finished(out);
}

export interface ImportBenchOptions {
  /** @default 1,000,000 */
  readonly rows?: number;
}

export async function benchImport(config: C360Config = appConfig, options: ImportBenchOptions = {}): Promise<Figure[]> {
  const rows = options.rows ?? 1_000_000;
  const dir = await mkdtemp(join(tmpdir(), 'c360-bench-import-'));
  try {
    const file = join(dir, 'crm-export.csv.gz');
    await writeCrmExport(file, rows);
    const size = (await stat(file)).size;

    globalThis.gc?.();
    const rssBefore = process.memoryUsage.rss();
    let peakRss = rssBefore;
    const sample = () => {
      const rss = process.memoryUsage.rss();
      if (rss > peakRss) peakRss = rss;
    };
    const timer = setInterval(sample, 25);
    let sent = 0;
    const started = performance.now();
    const report = await importFile(
      { key: 'landing/crm/crm-export.csv.gz', body: createReadStream(file), fileTime: Date.now() },
      {
        settings: importSettings(config),
        events: {
          async put(records) {
            sent += records.length;
            return { calls: 1, retried: 0 };
          },
        },
        rejects: { open: () => ({ location: 'discarded', write: async () => {}, close: async () => {}, abort: async () => {} }) },
        reports: { location: 'discarded', put: async () => {} },
        onProgress: sample,
      },
    );
    const seconds = (performance.now() - started) / 1000;
    clearInterval(timer);
    sample();
    if (report.status !== 'completed' || report.sent !== rows || sent !== rows) {
      throw new Error(`bench import: expected ${rows} rows sent, got ${report.sent} (${report.status}, ${report.rejected} rejected)`);
    }

    const MB = 1024 * 1024;
    const workload = `${rows.toLocaleString('en-US')}-row gzipped CRM CSV (${(size / MB).toFixed(1)} MB), crm mapping, ingest normalisation, batches of 500 to a sink accepting everything; Node ${process.version}`;
    return [
      { section: 'import', name: 'rows imported per second', value: rows / seconds, unit: 'rows/s', workload },
      { section: 'import', name: 'wall time', value: seconds, unit: 's', workload },
      { section: 'import', name: 'peak RSS while importing', value: peakRss / MB, unit: 'MB', workload: `${workload}; whole process, sampled every 25 ms` },
      { section: 'import', name: 'RSS growth while importing', value: (peakRss - rssBefore) / MB, unit: 'MB', workload: `${workload}; peak minus RSS before the import` },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
