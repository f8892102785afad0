/** The dashboard route against a fake warehouse: what it serves, what SQL it runs, what it refuses. */
import { appendFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Row, Warehouse } from '../../lambda/analytics/ports';
import type { ShippedView } from '../../lambda/analytics/contracts/views';
import { customerSql, dashboardRoute, filesVersion, lazyWarehouse, MAX_VIEW_ROWS, OVERVIEW_VIEWS, timelineSql } from '../../lambda/local/dashboard/route';
import { serveHttp, type HttpServer, type Route } from '../../lambda/local/http';

const view = (name: string): ShippedView => ({ name, comment: `what ${name} answers`, sql: `CREATE OR REPLACE VIEW ${name} AS SELECT 1`, file: `010-${name}.sql` });

/** A warehouse that records every statement and answers from `answer`. */
class FakeWarehouse implements Warehouse {
  readonly statements: string[] = [];
  closed = 0;
  constructor(
    readonly views: readonly ShippedView[],
    private readonly answer: (sql: string) => Row[] = () => [],
  ) {}
  async query(sql: string): Promise<Row[]> {
    this.statements.push(sql);
    return this.answer(sql);
  }
  async close(): Promise<void> {
    this.closed++;
  }
}

/** A GET with the path sent exactly as given (fetch would normalise `..` away). */
function rawGet(base: string, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolveGet, reject) => {
    const req = request({ hostname, port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const profilesRoute: Route = async (_req, res, url) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ route: 'profiles', path: url.pathname }));
};

describe('the dashboard route', () => {
  let server: HttpServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  async function serve(warehouse: () => Promise<Warehouse>, dataVersion?: () => Promise<string>): Promise<string> {
    const dashboard = dashboardRoute({ warehouse, ...(dataVersion === undefined ? {} : { dataVersion }) });
    server = await serveHttp({ collector: profilesRoute, profiles: profilesRoute, dashboard }, 0);
    return server.url;
  }

  it('serves a shipped view as JSON, selecting from the view by its own name, and answers 404 for any other name without querying', async () => {
    const wh = new FakeWarehouse([view('customers_overview'), view('channel_mix')], (sql) =>
      sql.includes('customers_overview') ? [{ total_profiles: 7n, identified: 5, at: new Date('2026-11-01T00:00:00Z') }] : [],
    );
    const url = await serve(async () => wh);
    const ok = await fetch(`${url}/dashboard/api/views/customers_overview`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      view: 'customers_overview',
      comment: 'what customers_overview answers',
      rows: [{ total_profiles: 7, identified: 5, at: '2026-11-01T00:00:00.000Z' }],
      truncated: false,
    });
    expect(wh.statements).toEqual([`SELECT * FROM customers_overview LIMIT ${MAX_VIEW_ROWS + 1}`]);

    for (const name of ['raw_events', 'customers_overview;DROP%20VIEW%20channel_mix', 'CUSTOMERS_OVERVIEW', 'customers_overview/extra', '%27%20OR%201%3D1']) {
      const res = await fetch(`${url}/dashboard/api/views/${name}`);
      expect(res.status, name).toBe(404);
      expect(((await res.json()) as { error: string }).error).toBe('not_found');
    }
    expect(wh.statements).toHaveLength(1);

    const list = await fetch(`${url}/dashboard/api/views`);
    expect(await list.json()).toEqual({ views: [{ name: 'customers_overview', comment: 'what customers_overview answers' }, { name: 'channel_mix', comment: 'what channel_mix answers' }] });
  });

  it('cuts a view answer at the row limit and says so', async () => {
    const rows = Array.from({ length: MAX_VIEW_ROWS + 1 }, (_, i) => ({ i }));
    const url = await serve(async () => new FakeWarehouse([view('merges_per_day')], () => rows));
    const body = (await (await fetch(`${url}/dashboard/api/views/merges_per_day`)).json()) as { rows: unknown[]; truncated: boolean };
    expect(body.rows).toHaveLength(MAX_VIEW_ROWS);
    expect(body.truncated).toBe(true);
  });

  it('reads the timeline with one fixed statement per event table, the profile ids quoted as literals, newest event first', async () => {
    const byTable: Record<string, Row[]> = {
      tracks: [
        { message_id: 't2', event_time: '2026-11-03T10:00:00.000Z', event: 'Order Completed' },
        { message_id: 't1', event_time: '2026-11-01T10:00:00.000Z', event: 'Product Viewed' },
      ],
      identifies: [{ message_id: 'i1', event_time: '2026-11-02T10:00:00.000Z' }],
      pages: [],
      screens: [{ message_id: 's1', event_time: '2026-11-04T10:00:00.000Z', name: 'Home' }],
    };
    const wh = new FakeWarehouse([], (sql) => byTable[/FROM (\w+)/.exec(sql)?.[1] ?? ''] ?? []);
    const url = await serve(async () => wh);
    const res = await fetch(`${url}/dashboard/api/timeline?profileId=p-1&profileId=p-2&limit=3`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { events: Array<{ table: string; message_id: string }>; truncated: boolean };
    expect(body.events.map((e) => [e.table, e.message_id])).toEqual([
      ['screens', 's1'],
      ['tracks', 't2'],
      ['identifies', 'i1'],
    ]);
    expect(body.truncated).toBe(true);
    expect(wh.statements).toEqual(['tracks', 'identifies', 'pages', 'screens'].map((t) => timelineSql(t as 'tracks', ['p-1', 'p-2'], 3)));
    expect(wh.statements[0]).toBe(
      `SELECT profile_id, message_id, event_time, channel, source, event, NULL AS name, properties FROM tracks WHERE profile_id IN ('p-1', 'p-2') ORDER BY event_time DESC, message_id DESC LIMIT 3`,
    );
  });

  it("answers a customer's segments, computed traits and consent from the latest export with fixed statements", async () => {
    const wh = new FakeWarehouse([], (sql) =>
      sql.includes('segment_membership_current')
        ? [{ segment: 'highValue', entered_at: '2026-11-02T10:00:00.000Z' }]
        : [{ profile_id: 'p-1', email: 'a@b.example', computed_lifetime_value: 620, consent: '{"marketing":{"granted":true}}', export_id: '20261103T000000Z' }],
    );
    const url = await serve(async () => wh);
    const res = await fetch(`${url}/dashboard/api/customer/p-1`);
    expect(await res.json()).toEqual({
      profileId: 'p-1',
      exported: true,
      exportId: '20261103T000000Z',
      computedTraits: { lifetime_value: 620 },
      consent: { marketing: { granted: true } },
      segments: [{ segment: 'highValue', entered_at: '2026-11-02T10:00:00.000Z' }],
    });
    expect(wh.statements).toEqual([customerSql('p-1').segments, customerSql('p-1').profile]);
    expect(wh.statements).toEqual([
      "SELECT segment, entered_at FROM segment_membership_current WHERE profile_id = 'p-1' ORDER BY segment",
      "SELECT * FROM profiles WHERE profile_id = 'p-1' AND export_id = (SELECT max(export_id) FROM profiles) LIMIT 1",
    ]);
    expect((await fetch(`${url}/dashboard/api/customer/p'1`)).status).toBe(400);
    expect(wh.statements).toHaveLength(2);
  });

  it('refuses a timeline request whose profile id or limit is not plain, before any query', async () => {
    const wh = new FakeWarehouse([]);
    const url = await serve(async () => wh);
    for (const query of ["profileId=x'%20OR%20'1'%3D'1", 'profileId=a%3Bb', '', 'profileId=p-1&limit=0', 'profileId=p-1&limit=1e9', 'profileId=p-1&limit=2.5']) {
      const res = await fetch(`${url}/dashboard/api/timeline?${query}`);
      expect(res.status, query).toBe(400);
    }
    expect(wh.statements).toEqual([]);
    expect(() => timelineSql('tracks', ["x' OR '1'='1"], 10)).toThrow(/not a profile id/);
    expect(() => timelineSql('raw_events' as 'tracks', ['p-1'], 10)).toThrow(/not an event table/);
  });

  it('serves the pages, scripts, styles and Chart.js with their content types, and the profile API keeps its paths', async () => {
    const url = await serve(async () => new FakeWarehouse([]));
    const expectations: Array<[string, string, RegExp]> = [
      ['/', 'text/html; charset=utf-8', /<script type="module" src="\/assets\/overview.js">/],
      ['/dashboard/segments', 'text/html; charset=utf-8', /segments.js/],
      ['/dashboard/customer?email=a%40b.example', 'text/html; charset=utf-8', /customer.js/],
      ['/assets/dashboard.css', 'text/css; charset=utf-8', /\.kpi/],
      ['/assets/common.js', 'text/javascript; charset=utf-8', /export function el/],
      ['/assets/chart.js', 'text/javascript; charset=utf-8', /Chart\.js v4/],
    ];
    for (const [path, type, content] of expectations) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe(type);
      expect(res.headers.get('content-security-policy'), path).toContain("script-src 'self'");
      expect(await res.text(), path).toMatch(content);
    }
    for (const path of ['/profiles', '/profiles/p-1/merges', '/segments', '/segments/highValue/members']) {
      expect(await (await fetch(`${url}${path}`)).json(), path).toEqual({ route: 'profiles', path });
    }
  });

  it('never serves a file outside the dashboard folder, however the path is spelled', async () => {
    const url = await serve(async () => new FakeWarehouse([]));
    for (const path of [
      '/assets/../route.ts',
      '/assets/..%2froute.ts',
      '/assets/%2e%2e%2froute.ts',
      '/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/assets/..%5c..%5c..%5c..%5cpackage.json',
      '/assets/%252e%252e%252froute.ts',
      '/assets//etc/passwd',
      '/assets/%2Fetc%2Fpasswd',
      '/assets/route.ts',
      '/assets/pages',
      '/assets/.hidden.js',
      '/assets/%E0%A4%A',
      '/dashboard/../../package.json',
    ]) {
      const res = await rawGet(url, path);
      if (res.status === 200) {
        // The URL parser resolves a literal `..` before routing: the path then names the profile API's space (or a page).
        expect(res.body.startsWith('{"route":"profiles"') || res.body.startsWith('<!doctype html>'), path).toBe(true);
      } else {
        expect(res.status, path).toBe(404);
      }
      expect(res.body, path).not.toMatch(/"name": "c360"|import type|root:x:0/);
    }
  });

  it('answers other methods with 405, and 503 while the warehouse cannot be opened, then opens it on a later request', async () => {
    let attempts = 0;
    const wh = new FakeWarehouse([view('channel_mix')]);
    const lazy = lazyWarehouse(async () => {
      attempts++;
      if (attempts === 1) throw new Error('the lake folder is not readable');
      return wh;
    });
    const url = await serve(lazy.get);
    const post = await rawGet(url, '/dashboard/api/views/channel_mix', 'POST');
    expect(post.status).toBe(405);
    const first = await fetch(`${url}/dashboard/api/views/channel_mix`);
    expect(first.status).toBe(503);
    expect(await first.json()).toEqual({ error: 'warehouse_unavailable', message: 'the lake folder is not readable' });
    expect((await fetch(`${url}/dashboard/api/views/channel_mix`)).status).toBe(200);
    expect((await fetch(`${url}/dashboard/api/views`)).status).toBe(200);
    expect(attempts).toBe(2);
    await lazy.close();
    expect(wh.closed).toBe(1);
    await expect(lazy.get()).rejects.toThrow(/closed/);
  });

  it('names in OVERVIEW_VIEWS exactly the views the overview page reads', async () => {
    const url = await serve(async () => new FakeWarehouse([]));
    const script = await (await fetch(`${url}/assets/overview.js`)).text();
    const read = [...script.matchAll(/view: '([a-z_]+)'|viewRows\('([a-z_]+)'\)/g)].map((m) => m[1] ?? m[2]);
    expect([...new Set(read)].sort()).toEqual([...OVERVIEW_VIEWS].sort());
  });

  it("keeps a view's answer while the data version stays the same, and asks the warehouse again once it changes", async () => {
    let version = 'v1';
    let served = 0;
    const wh = new FakeWarehouse([view('channel_mix')], () => [{ channel: 'web', events: ++served }]);
    const url = await serve(async () => wh, async () => version);
    const events = async () => ((await (await fetch(`${url}/dashboard/api/views/channel_mix`)).json()) as { rows: Array<{ events: number }> }).rows[0]?.events;
    expect(await events()).toBe(1);
    expect(await events()).toBe(1);
    expect(wh.statements).toHaveLength(1);
    version = 'v2';
    expect(await events()).toBe(2);
    expect(wh.statements).toHaveLength(2);
  });

  it('fingerprints the data files: a new file, an appended line or a new folder entry changes it, nothing else does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'c360-dashboard-version-'));
    const lake = join(dir, 'lake');
    const bus = join(dir, 'bus', 'segment-events.jsonl');
    const paths = [lake, join(dir, 'curated'), bus];
    const before = await filesVersion(paths);
    expect(await filesVersion(paths)).toBe(before);
    await mkdir(join(lake, 'raw', 'source=web', 'dt=2026-11-01'), { recursive: true });
    await writeFile(join(lake, 'raw', 'source=web', 'dt=2026-11-01', 'a.jsonl.gz'), 'x');
    const withLake = await filesVersion(paths);
    expect(withLake).not.toBe(before);
    expect(await filesVersion(paths)).toBe(withLake);
    await mkdir(join(dir, 'bus'), { recursive: true });
    await writeFile(bus, '{}\n');
    const withBus = await filesVersion(paths);
    expect(withBus).not.toBe(withLake);
    await appendFile(bus, '{}\n');
    expect(await filesVersion(paths)).not.toBe(withBus);
  });

  it('answers a query that fails with a 500 carrying its message', async () => {
    const url = await serve(async () =>
      new FakeWarehouse([view('channel_mix')], () => {
        throw new Error('Binder Error: column missing');
      }),
    );
    const res = await fetch(`${url}/dashboard/api/views/channel_mix`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'internal', message: 'Binder Error: column missing' });
  });
});
