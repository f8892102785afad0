/**
 * The dashboard route of the local server: the C360 dashboard's pages and
 * static files, and the data they read. The pages call the profile API
 * directly (same origin) and read the shipped views through
 * `GET /dashboard/api/views/<name>` (only names the warehouse defines); the
 * customer timeline and the customer's exported row are fixed queries, where
 * the browser chooses only which profile ids (checked against the profile-id
 * pattern). Nothing else of SQL reaches the warehouse from a request.
 *
 *   GET /                                   overview (KPI cards, charts)
 *   GET /dashboard/segments                 segment sizes and members
 *   GET /dashboard/customer?email=…         one customer (any identifier, or profileId)
 *   GET /assets/<file>                      scripts and styles of the pages; /assets/chart.js is Chart.js
 *   GET /dashboard/api/views                the shipped views: name and what each answers
 *   GET /dashboard/api/views/<name>         a shipped view's rows
 *   GET /dashboard/api/timeline?profileId=…[&profileId=…][&limit=]   a customer's events, newest first
 *   GET /dashboard/api/customer/<profileId>   its segments, computed traits and consent in the latest export
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPUTED_COLUMN_PREFIX } from '../../analytics/contracts/curated';
import type { ShippedView } from '../../analytics/contracts/views';
import type { Row, Warehouse } from '../../analytics/ports';
import type { Route } from '../http';

export interface DashboardRouteDeps {
  /** The warehouse, opened on first use (see `lazyWarehouse`); called on every data request. */
  readonly warehouse: () => Promise<Warehouse>;
  /** Folder of the pages (`pages/`) and static files (`assets/`); defaults to this module's folder. */
  readonly root?: string;
  /** Chart.js's browser (UMD) build; defaults to the installed package's. */
  readonly chartJsFile?: string;
  /**
   * A fingerprint of the data the views read (see `filesVersion`): a view's
   * answer is kept until it changes. The shipped views do not read the clock,
   * so the same files give the same answer. Without it nothing is kept.
   */
  readonly dataVersion?: () => Promise<string>;
}

/** Most rows a view request returns (the dashboard's views are aggregates: a longer answer is cut and says so). */
export const MAX_VIEW_ROWS = 5000;
/** Timeline length when the request names none, and the most it may ask for. */
export const DEFAULT_TIMELINE_EVENTS = 100;
export const MAX_TIMELINE_EVENTS = 1000;
/** The profile ids one timeline request may name (a survivor and the profiles merged into it). */
export const MAX_TIMELINE_PROFILES = 50;
/** The views the overview page reads (assets/overview.js), KPI cards first: what a benchmark of the page requests. */
export const OVERVIEW_VIEWS = [
  'customers_overview',
  'active_customers_daily',
  'revenue_by_day_and_channel',
  'channel_mix',
  'lifetime_value_distribution',
  'rfm_segments',
  'cohort_retention_monthly',
  'merges_per_day',
  'identifiers_per_profile',
  'rejected_links_by_reason',
  'data_freshness',
  'quarantine_by_reason',
] as const;
/** The shipped event tables the timeline reads, one per Segment call type. */
export const TIMELINE_TABLES = ['tracks', 'identifies', 'pages', 'screens'] as const;

/** A profile id as the profile API accepts it: the only text a timeline request puts into SQL. */
const PROFILE_ID = /^[A-Za-z0-9-]{1,64}$/;
/** A static file name under assets/: no folders, no dots but the extension's. */
const ASSET_NAME = /^[a-z0-9][a-z0-9-]*\.(js|css|svg|png)$/;

const PAGES: Readonly<Record<string, string>> = {
  '/': 'overview.html',
  '/dashboard': 'overview.html',
  '/dashboard/segments': 'segments.html',
  '/dashboard/customer': 'customer.html',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Pages load only their own scripts and styles; data goes in as text, never as markup. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Chart.js's UMD build in the installed package (its exports map does not list dist/ files, so next to the package's main). */
function defaultChartJsFile(): string {
  return join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');
}

/** Opens the warehouse once, on first use; a failed open is retried by the next call. `close` closes it if it was opened. */
export function lazyWarehouse(open: () => Promise<Warehouse>): { get(): Promise<Warehouse>; close(): Promise<void> } {
  let opening: Promise<Warehouse> | undefined;
  let closed = false;
  return {
    get() {
      if (closed) return Promise.reject(new Error('the warehouse is closed: the runtime is stopping'));
      opening ??= open().catch((err: unknown) => {
        opening = undefined;
        throw err;
      });
      return opening;
    },
    async close() {
      closed = true;
      const w = await opening?.catch(() => undefined);
      opening = undefined;
      await w?.close();
    },
  };
}

/**
 * A fingerprint of the files at `paths` (folders walked): each file's path,
 * size and modification time. The local lake and curated zone gain files and
 * the bus and quarantine files are appended to, so any change shows.
 */
export async function filesVersion(paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  const add = async (file: string) => {
    const s = await stat(file).catch(() => undefined);
    hash.update(s === undefined || !s.isFile() ? `${file}\0-\n` : `${file}\0${s.size}\0${s.mtimeMs}\n`);
  };
  for (const root of paths) {
    const s = await stat(root).catch(() => undefined);
    if (s?.isDirectory() !== true) {
      await add(root);
      continue;
    }
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
    for (const file of files) await add(file);
  }
  return hash.digest('hex');
}

/** What the timeline reads of each event table (the shipped views tracks, identifies, pages, screens). */
const TIMELINE_COLUMNS: Readonly<Record<(typeof TIMELINE_TABLES)[number], string>> = {
  tracks: 'profile_id, message_id, event_time, channel, source, event, NULL AS name, properties',
  identifies: 'profile_id, message_id, event_time, channel, source, NULL AS event, NULL AS name, traits AS properties',
  pages: 'profile_id, message_id, event_time, channel, source, NULL AS event, name, properties',
  screens: 'profile_id, message_id, event_time, channel, source, NULL AS event, name, properties',
};

/** `'a', 'b'`: profile ids as SQL literals, each checked against the profile-id pattern first (so no quote can occur). */
function idList(profileIds: readonly string[]): string {
  if (profileIds.length === 0 || profileIds.length > MAX_TIMELINE_PROFILES) throw new Error(`name 1 to ${MAX_TIMELINE_PROFILES} profile ids`);
  for (const id of profileIds) if (!PROFILE_ID.test(id)) throw new Error(`${JSON.stringify(id)} is not a profile id`);
  return profileIds.map((id) => `'${id.replace(/'/g, "''")}'`).join(', ');
}

/**
 * The timeline statement of one event table: the newest `limit` events of
 * the given profiles (a survivor and the profiles merged into it), newest
 * first. Only the ids and the limit vary, both checked.
 */
export function timelineSql(table: (typeof TIMELINE_TABLES)[number], profileIds: readonly string[], limit: number): string {
  if (!TIMELINE_TABLES.includes(table)) throw new Error(`${table} is not an event table`);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TIMELINE_EVENTS) throw new Error(`limit must be an integer from 1 to ${MAX_TIMELINE_EVENTS}`);
  return `SELECT ${TIMELINE_COLUMNS[table]} FROM ${table} WHERE profile_id IN (${idList(profileIds)}) ORDER BY event_time DESC, message_id DESC LIMIT ${limit}`;
}

/**
 * What the profile API does not answer about one profile, from the latest
 * profile export: its segments (the shipped view segment_membership_current)
 * and its exported row (the curated profiles table: computed traits as
 * `computed_*` columns, consent).
 */
export function customerSql(profileId: string): { segments: string; profile: string } {
  const id = idList([profileId]);
  return {
    segments: `SELECT segment, entered_at FROM segment_membership_current WHERE profile_id = ${id} ORDER BY segment`,
    profile: `SELECT * FROM profiles WHERE profile_id = ${id} AND export_id = (SELECT max(export_id) FROM profiles) LIMIT 1`,
  };
}

/** A value as JSON can carry it: DuckDB's big integers as numbers (or text past 2^53), dates as ISO-8601. */
function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(v)]));
  return value;
}
const jsonRows = (rows: readonly Row[]) => rows.map((r) => jsonValue(r) as Record<string, unknown>);

/** A JSON-text column (consent by purpose) as its value; null when absent, the text itself if it is not JSON. */
function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(JSON.stringify(body));
}
const notFound = (res: ServerResponse, message: string) => sendJson(res, 404, { error: 'not_found', message });

export function dashboardRoute(deps: DashboardRouteDeps): Route {
  const root = resolve(deps.root ?? HERE);
  const pagesDir = join(root, 'pages');
  const assetsDir = join(root, 'assets');
  const chartJsFile = deps.chartJsFile ?? defaultChartJsFile();

  async function sendFile(res: ServerResponse, file: string, head: boolean): Promise<void> {
    const body = await readFile(file).catch(() => undefined);
    if (body === undefined) return notFound(res, 'no such file');
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache', ...SECURITY_HEADERS });
    res.end(head ? undefined : body);
  }

  /** `/assets/<name>`: a file directly in assets/ (never outside it), or Chart.js. */
  function assetFile(name: string): string | undefined {
    if (name === 'chart.js') return chartJsFile;
    if (!ASSET_NAME.test(name)) return undefined;
    const file = resolve(assetsDir, name);
    return dirname(file) === assetsDir && file.startsWith(assetsDir + sep) ? file : undefined;
  }

  /** The warehouse, or undefined once a 503 saying why it cannot be opened is sent. */
  async function warehouseOr503(res: ServerResponse): Promise<Warehouse | undefined> {
    try {
      return await deps.warehouse();
    } catch (err) {
      sendJson(res, 503, { error: 'warehouse_unavailable', message: (err as Error).message });
      return undefined;
    }
  }

  /** Answers of the views, by view name, with the data version they were computed at. */
  const answers = new Map<string, { version: string; body: Promise<unknown> }>();

  async function viewAnswer(warehouse: Warehouse, view: ShippedView): Promise<unknown> {
    const compute = async () => {
      // The name is one of the warehouse's own view names (NNN-name.sql: [a-z][a-z0-9_]*), never the request's text.
      const rows = await warehouse.query(`SELECT * FROM ${view.name} LIMIT ${MAX_VIEW_ROWS + 1}`);
      return { view: view.name, comment: view.comment, rows: jsonRows(rows.slice(0, MAX_VIEW_ROWS)), truncated: rows.length > MAX_VIEW_ROWS };
    };
    if (deps.dataVersion === undefined) return compute();
    // Taken before the query: data that changes while it runs gives a new version, so the next request asks again.
    const version = await deps.dataVersion();
    const kept = answers.get(view.name);
    if (kept?.version === version) return kept.body;
    const body = compute();
    answers.set(view.name, { version, body });
    body.catch(() => {
      if (answers.get(view.name)?.body === body) answers.delete(view.name);
    });
    return body;
  }

  async function views(res: ServerResponse, rest: readonly string[]): Promise<void> {
    const warehouse = await warehouseOr503(res);
    if (warehouse === undefined) return;
    if (rest.length === 0) return sendJson(res, 200, { views: warehouse.views.map((v) => ({ name: v.name, comment: v.comment })) });
    const [name, ...extra] = rest;
    const view = extra.length === 0 ? warehouse.views.find((v) => v.name === name) : undefined;
    if (view === undefined) return notFound(res, `no shipped view ${JSON.stringify(rest.join('/'))}`);
    sendJson(res, 200, await viewAnswer(warehouse, view));
  }

  async function timeline(res: ServerResponse, url: URL): Promise<void> {
    const ids = [...new Set(url.searchParams.getAll('profileId'))];
    const bad = ids.find((id) => !PROFILE_ID.test(id));
    if (ids.length === 0 || ids.length > MAX_TIMELINE_PROFILES || bad !== undefined) {
      return sendJson(res, 400, {
        error: 'bad_request',
        message: bad !== undefined ? `${JSON.stringify(bad)} is not a profile id` : `name 1 to ${MAX_TIMELINE_PROFILES} profileId parameters`,
      });
    }
    const limitText = url.searchParams.get('limit');
    const limit = limitText === null ? DEFAULT_TIMELINE_EVENTS : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TIMELINE_EVENTS) {
      return sendJson(res, 400, { error: 'bad_request', message: `limit must be an integer from 1 to ${MAX_TIMELINE_EVENTS}` });
    }
    const warehouse = await warehouseOr503(res);
    if (warehouse === undefined) return;
    const events: Array<Record<string, unknown>> = [];
    for (const table of TIMELINE_TABLES) {
      for (const row of jsonRows(await warehouse.query(timelineSql(table, ids, limit)))) events.push({ table, ...row });
    }
    const time = (e: Record<string, unknown>) => String(e.event_time ?? '');
    events.sort((a, b) => (time(a) < time(b) ? 1 : time(a) > time(b) ? -1 : String(b.message_id ?? '').localeCompare(String(a.message_id ?? ''))));
    sendJson(res, 200, { profileIds: ids, events: events.slice(0, limit), truncated: events.length > limit });
  }

  async function customer(res: ServerResponse, profileId: string): Promise<void> {
    if (!PROFILE_ID.test(profileId)) return sendJson(res, 400, { error: 'bad_request', message: `${JSON.stringify(profileId)} is not a profile id` });
    const warehouse = await warehouseOr503(res);
    if (warehouse === undefined) return;
    const sql = customerSql(profileId);
    const segments = jsonRows(await warehouse.query(sql.segments));
    const [row] = jsonRows(await warehouse.query(sql.profile));
    const computedTraits = Object.fromEntries(
      Object.entries(row ?? {})
        .filter(([k]) => k.startsWith(COMPUTED_COLUMN_PREFIX))
        .map(([k, v]) => [k.slice(COMPUTED_COLUMN_PREFIX.length), v]),
    );
    sendJson(res, 200, {
      profileId,
      exported: row !== undefined,
      ...(row === undefined ? {} : { exportId: row.export_id ?? null, computedTraits, consent: parseJsonText(row.consent) }),
      segments,
    });
  }

  return async (req, res, url) => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: 'method_not_allowed', message: `${method} is not supported on ${url.pathname}; use GET` });
    }
    const path = url.pathname;
    const page = PAGES[path.length > 1 ? path.replace(/\/+$/, '') : path];
    if (page !== undefined) return sendFile(res, join(pagesDir, page), method === 'HEAD');
    if (path.startsWith('/assets/')) {
      let name: string;
      try {
        name = decodeURIComponent(path.slice('/assets/'.length));
      } catch {
        return notFound(res, 'no such file');
      }
      const file = assetFile(name);
      return file === undefined ? notFound(res, 'no such file') : sendFile(res, file, method === 'HEAD');
    }
    if (path.startsWith('/dashboard/api/')) {
      const [kind, ...rest] = path.slice('/dashboard/api/'.length).split('/').filter((s) => s.length > 0);
      // A failing query rejects: the server answers 500 with its message.
      if (kind === 'views') return views(res, rest);
      if (kind === 'timeline' && rest.length === 0) return timeline(res, url);
      if (kind === 'customer' && rest.length === 1) return customer(res, rest[0] as string);
    }
    return notFound(res, `no dashboard route ${path}`);
  };
}
