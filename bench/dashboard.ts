/**
 * The dashboard's overview against a given lake (the bench passes a generated
 * one of a million events): the time to open the local warehouse, to serve
 * every data request of the overview page through the dashboard route (first
 * load, every view computed; second load, the answers kept because the files
 * did not change, as the runtime serves them), and, when a Chromium is on the
 * machine, the page's load in a headless browser until every chart is drawn,
 * with every view computed and with the answers kept. A plain count over the
 * lake's raw files in the same run (bench/analytics-views.ts `rawFileCount`) is the reference.
 */
import { openLocalWarehouse } from '../lambda/analytics/adapters/duckdb-warehouse';
import type { Warehouse } from '../lambda/analytics/ports';
import { dashboardRoute, filesVersion, lazyWarehouse, OVERVIEW_VIEWS } from '../lambda/local/dashboard/route';
import { serveHttp, type HttpServer, type Route } from '../lambda/local/http';
import { rawFileCount } from './analytics-views';
import { findChromium } from './chromium';
import type { Figure } from './figures';

export interface DashboardBenchOptions {
  readonly lakeDir: string;
  readonly curatedDir: string;
  /** The bus file of segment entered / exited events (segment_events). */
  readonly busFile: string;
}

const SECTION = 'dashboard';
/** How long the browser may take for the page (the machine may be slow). */
const PAGE_TIMEOUT_MS = 600_000;

/** The overview page's data requests, in the order the page makes them. */
const OVERVIEW_REQUESTS = ['/dashboard/api/views', ...OVERVIEW_VIEWS.map((v) => `/dashboard/api/views/${v}`)];

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await work();
  return { ms: performance.now() - t0, value };
}

/** Every overview data request, one after the other (the warehouse runs one query at a time anyway). */
async function loadOverviewData(baseUrl: string): Promise<{ totalMs: number; slowest: { path: string; ms: number } }> {
  let totalMs = 0;
  let slowest = { path: '', ms: -1 };
  for (const path of OVERVIEW_REQUESTS) {
    const { ms } = await timed(async () => {
      const res = await fetch(`${baseUrl}${path}`);
      const body = await res.text();
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${body.slice(0, 300)}`);
    });
    totalMs += ms;
    if (ms > slowest.ms) slowest = { path, ms };
  }
  return { totalMs, slowest };
}

/** The page's load in headless Chromium, navigation until every chart is drawn (body[data-ready]), in ms. */
async function pageLoad(executablePath: string, url: string): Promise<number> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, timeout: PAGE_TIMEOUT_MS });
  try {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const load = await timed(async () => {
      await page.goto(url, { timeout: PAGE_TIMEOUT_MS });
      await page.waitForSelector('body[data-ready="true"]', { timeout: PAGE_TIMEOUT_MS });
    });
    const errors = await page.locator('.card .error').count();
    if (errors > 0) throw new Error(`the overview drew ${errors} card(s) with an error`);
    return load.ms;
  } finally {
    await browser.close();
  }
}

export async function benchDashboard(opts: DashboardBenchOptions): Promise<Figure[]> {
  const figures: Figure[] = [];
  const opened = await timed(() => openLocalWarehouse({ lakeDir: opts.lakeDir, curatedDir: opts.curatedDir, segmentEventsFile: opts.busFile }));
  const warehouse: Warehouse = opened.value;
  const lazy = lazyWarehouse(async () => warehouse);
  const noApi: Route = async (_req, res) => {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not_found"}');
  };
  const serve = (dashboard: Route) => serveHttp({ collector: noApi, profiles: noApi, dashboard }, 0);
  const servers: HttpServer[] = [];
  try {
    // As the runtime serves it: answers kept until the files change.
    const kept = await serve(dashboardRoute({ warehouse: lazy.get, dataVersion: () => filesVersion([opts.lakeDir, opts.curatedDir, opts.busFile]) }));
    servers.push(kept);
    const count = await rawFileCount(opts.lakeDir);
    const events = count.events;
    const workload = `local lake of ${events.toLocaleString('en-US')} raw events, DuckDB in process, ${OVERVIEW_REQUESTS.length} overview data requests`;
    figures.push(
      { section: SECTION, name: 'open the local warehouse (DuckDB, shims, base tables, shipped views)', value: opened.ms, unit: 'ms', workload },
      { section: SECTION, name: 'reference: count of the raw lake files', value: count.ms, unit: 'ms', workload },
    );
    const first = await loadOverviewData(kept.url);
    const second = await loadOverviewData(kept.url);
    figures.push(
      { section: SECTION, name: 'overview data, every request through the route, every view computed', value: first.totalMs, unit: 'ms', workload },
      { section: SECTION, name: `overview data, slowest view (${first.slowest.path.replace('/dashboard/api/views/', '')})`, value: first.slowest.ms, unit: 'ms', workload },
      { section: SECTION, name: 'overview data, every view computed, relative to the reference count', value: first.totalMs / Math.max(count.ms, 0.001), unit: '×', workload },
      { section: SECTION, name: 'overview data, reload with the files unchanged (answers kept)', value: second.totalMs, unit: 'ms', workload },
    );

    const executablePath = findChromium();
    if (executablePath !== undefined) {
      figures.push({ section: SECTION, name: 'overview page in headless Chromium until every chart is drawn, answers kept', value: await pageLoad(executablePath, `${kept.url}/`), unit: 'ms', workload });
      const computing = await serve(dashboardRoute({ warehouse: lazy.get }));
      servers.push(computing);
      figures.push({ section: SECTION, name: 'overview page in headless Chromium until every chart is drawn, every view computed', value: await pageLoad(executablePath, `${computing.url}/`), unit: 'ms', workload });
    }
  } finally {
    for (const s of servers) await s.stop();
    await lazy.close();
  }
  return figures;
}
