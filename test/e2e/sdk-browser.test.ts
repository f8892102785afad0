/**
 * Wire compatibility in a real browser: Segment's analytics.js
 * (@segment/analytics-next, its standalone UMD build) on a web page of another
 * origin, loaded with `cdnURL` = the collector, fetches its source settings
 * from the collector and sends page, identify and track there, cross-origin (CORS
 * preflights answered by the collector itself). The first track request fails
 * with a 500; analytics.js retries it with `X-Retry-Count`, which the preflight
 * must allow, and the event arrives once.
 *
 * The failure is injected by a small proxy in front of the local runtime, not
 * by Playwright's page.route: while Playwright intercepts requests it answers
 * CORS preflights itself (allowing whatever is asked), which would hide the
 * collector's own CORS policy.
 */
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { AnalyticsBrowser } from '@segment/analytics-next';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../lambda/local/runtime';
import { requireChromium } from '../../bench/chromium';
import { getJson, streamEvents, testRuntime } from '../support/runtime';

/** analytics.js's standalone browser build (UMD: defines `AnalyticsNext`), as a CDN serves it. */
const ANALYTICS_JS = createRequire(import.meta.url).resolve('@segment/analytics-next/dist/umd/index.js');
const WRITE_KEY = 'e2e-browser-write-key';
const USER = 'browser-user-1';
/** The device time of the identify (fixed, in the past). */
const SIGNED_UP = '2026-05-06T07:08:09.000Z';
const DELIVERY_SLACK_MS = 60_000;
const TEST_TIMEOUT = 120_000;

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** What the browser got: the injected 500, or the collector's status. */
  status: number;
  responseHeaders: IncomingHttpHeaders;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Forwards every request to the runtime, keeping the Host header (the settings name the proxy as the host), failing the first track with a 500. */
function faultyProxy(target: () => string, allowedOrigin: string, seen: Seen[]): Server {
  let failedOne = false;
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry: Seen = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: body.toString('utf8'), status: 0, responseHeaders: {} };
      seen.push(entry);
      if (req.method === 'POST' && req.url === '/v1/t' && !failedOne) {
        failedOne = true;
        entry.status = 500;
        // As the collector answers its own failures: with the CORS header, so the page can read the status.
        res.writeHead(500, { 'content-type': 'application/json', 'access-control-allow-origin': allowedOrigin, vary: 'origin' });
        res.end(JSON.stringify({ error: 'internal', message: 'injected failure' }));
        return;
      }
      const url = new URL(req.url ?? '/', target());
      const upstream = httpRequest(url, { method: req.method, headers: req.headers }, (up) => {
        entry.status = up.statusCode ?? 0;
        entry.responseHeaders = up.headers;
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
}

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Segment analytics.js (analytics-next) in Chromium to the local runtime', () => {
  let runtime: LocalRuntime | undefined;
  let browser: Browser | undefined;
  let pageServer: Server | undefined;
  let proxy: Server | undefined;
  const seen: Seen[] = [];
  const consoleErrors: string[] = [];
  let proxyUrl = '';

  beforeAll(async () => {
    const script = await readFile(ANALYTICS_JS);
    pageServer = createServer((req, res) => {
      if (req.url === '/analytics.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(script);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><html><head><title>shop</title><script src="/analytics.js"></script></head><body>shop</body></html>');
    });
    const pageOrigin = await listen(pageServer);
    proxy = faultyProxy(() => runtime?.apiUrl ?? '', pageOrigin, seen);
    proxyUrl = await listen(proxy);
    // Only the page's origin may call the collector.
    runtime = await testRuntime({ collection: { sources: { web: { localWriteKeys: [WRITE_KEY] } }, corsAllowedOrigins: [pageOrigin] } });

    browser = await chromium.launch({ executablePath: requireChromium('the browser SDK tests'), headless: true });
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(`${pageOrigin}/`);
    await page.evaluate(
      async ({ writeKey, cdnURL, user, signedUp }) => {
        // The UMD build's global; typed by the package's own declarations.
        const { AnalyticsBrowser: Browser } = (globalThis as unknown as { AnalyticsNext: { AnalyticsBrowser: typeof AnalyticsBrowser } }).AnalyticsNext;
        const analytics = Browser.load({ writeKey, cdnURL });
        // As the README's snippet does: a page view, then sign-up, then an order.
        await analytics.page();
        await analytics.identify(user, { email: 'Kim.Park@Example.org', firstName: 'Kim' }, { timestamp: new Date(signedUp), context: { channel: 'web' } });
        await analytics.track('Order Completed', { orderId: 'B-1', revenue: 30, currency: 'USD' });
      },
      { writeKey: WRITE_KEY, cdnURL: proxyUrl, user: USER, signedUp: SIGNED_UP },
    );
    // The retry comes after analytics.js's backoff (about a second).
    await until('the retried track', () => seen.filter((s) => s.method === 'POST' && s.path === '/v1/t' && s.status === 200).length === 1);
    await runtime.poller?.drain();
  }, TEST_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    for (const s of [pageServer, proxy]) {
      s?.closeAllConnections();
      await new Promise<void>((r) => (s === undefined ? r() : s.close(() => r())));
    }
  });

  it('loads its source settings from the collector, which point it at the collector', () => {
    const settings = seen.filter((s) => s.path === `/v1/projects/${WRITE_KEY}/settings`);
    expect(settings.map((s) => [s.method, s.status])).toEqual([['GET', 200]]);
    expect(settings[0]?.responseHeaders['access-control-allow-origin']).toBe(settings[0]?.headers.origin);
    // The settings are all analytics.js fetched from its cdnURL (no plugin bundle), and every event went to the collector.
    expect(seen.filter((s) => s.method === 'GET').map((s) => s.path)).toEqual([`/v1/projects/${WRITE_KEY}/settings`]);
    const posts = seen.filter((s) => s.method === 'POST');
    expect(new Set(posts.map((s) => s.path))).toEqual(new Set(['/v1/p', '/v1/i', '/v1/t']));
    expect(consoleErrors.filter((e) => !e.includes('500'))).toEqual([]);
  });

  it('retries the failed track with X-Retry-Count, allowed by the collector’s preflight, and the event arrives once', async () => {
    const tracks = seen.filter((s) => s.method === 'POST' && s.path === '/v1/t');
    expect(tracks.map((t) => t.status)).toEqual([500, 200]);
    const [first, retry] = tracks as [Seen, Seen];
    expect(first.headers['x-retry-count']).toBeUndefined();
    expect(retry.headers['x-retry-count']).toBe('1');
    // The same event, sent again.
    const messageId = (JSON.parse(retry.body) as { messageId: string }).messageId;
    expect((JSON.parse(first.body) as { messageId: string }).messageId).toBe(messageId);
    // Every preflight was the collector's own, and allowed what the browser asked for.
    const preflights = seen.filter((s) => s.method === 'OPTIONS');
    expect(preflights.length).toBeGreaterThan(0);
    for (const p of preflights) {
      expect(p.status).toBe(204);
      const allowed = String(p.responseHeaders['access-control-allow-headers']).split(',').map((h) => h.trim().toLowerCase());
      for (const h of String(p.headers['access-control-request-headers']).split(',')) expect(allowed).toContain(h.trim().toLowerCase());
      expect(allowed).toContain('x-retry-count');
    }
    const events = (await streamEvents(runtime as LocalRuntime)).filter((e) => e.messageId === messageId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'track', event: 'Order Completed', context: { source: 'web', library: { name: 'analytics.js' } } });
  });

  it('shows one unified profile: traits, identifiers, the order, the device time and the channel', async () => {
    const rt = runtime as LocalRuntime;
    const res = await getJson(`${rt.apiUrl}/profiles?userId=${USER}`);
    expect(res.status).toBe(200);
    const profile = res.body as {
      profileId: string;
      traits: Record<string, unknown>;
      identifiers: Record<string, string[]>;
      computed: { eventCount: number; orderCount: number; totalRevenue: number; firstSeen: string };
      channels: Record<string, number>;
    };
    expect(profile.traits).toMatchObject({ email: 'kim.park@example.org', firstName: 'Kim' });
    expect(profile.identifiers.userId).toEqual([USER]);
    expect(profile.identifiers.email).toEqual(['kim.park@example.org']);
    // analytics.js gives every browser an anonymousId and sends it with each call.
    expect(profile.identifiers.anonymousId).toHaveLength(1);
    // The page view, sent before sign-up under the browser's anonymousId, is joined by the identify.
    expect(profile.computed).toMatchObject({ eventCount: 3, orderCount: 1, totalRevenue: 30 });
    expect(Math.abs(Date.parse(profile.computed.firstSeen) - Date.parse(SIGNED_UP))).toBeLessThan(DELIVERY_SLACK_MS);
    expect(profile.channels).toMatchObject({ web: 1 });
  });
});
