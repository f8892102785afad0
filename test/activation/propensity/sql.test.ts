/**
 * The propensity views (sql/activation/) on DuckDB, over the analytics
 * pillar's hand-built data dir (test/analytics/support/fixture-lake.ts) plus
 * a support file of our own: the timelines of the customers (profiles with
 * an order), their events resolved through the identity graph, revenue from
 * either property, csat of closed tickets, score events left out, and the
 * addresses by userId and anonymousId.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalWarehouse } from '../../../lambda/analytics/adapters/duckdb-warehouse';
import type { Warehouse } from '../../../lambda/analytics/ports';
import { SCORE_EVENT } from '../../../lambda/activation/contracts/events';
import type { ProfileTimeline } from '../../../lambda/activation/contracts/propensity';
import { WarehouseTrainingSource, readPropensityViews } from '../../../lambda/activation/adapters/warehouse-training-source';
import { writeFixtureLake } from '../../analytics/support/fixture-lake';

let dir: string;
let warehouse: Warehouse;
let timelines: ProfileTimeline[];

/** Eve (userId u7) closes two tickets, one without a csat; Ana (u1) is scored: that event must not count. */
const SUPPORT_LINES = [
  { type: 'track', messageId: 's1', userId: 'u7', event: 'Ticket Closed', timestamp: '2026-11-05T10:00:00.000Z', receivedAt: '2026-11-05T10:00:02.000Z', properties: { csat: 4, topic: 'returns' }, context: { channel: 'support' } },
  { type: 'track', messageId: 's2', userId: 'u7', event: 'Ticket Closed', timestamp: '2026-11-06T10:00:00.000Z', receivedAt: '2026-11-06T10:00:02.000Z', properties: { csat: 'n/a' }, context: { channel: 'support' } },
  { type: 'track', messageId: 's3', userId: 'u1', event: SCORE_EVENT, timestamp: '2026-11-09T06:00:00.000Z', receivedAt: '2026-11-09T06:00:01.000Z', properties: { model: 'churn', score: 0.4 }, context: {} },
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c360-propensity-sql-'));
  const fixture = await writeFixtureLake(join(dir, 'data'));
  const file = join(fixture.lakeDir, 'raw', 'source=support', 'dt=2026-11-05', 'shard-0100.jsonl.gz');
  await mkdir(join(fixture.lakeDir, 'raw', 'source=support', 'dt=2026-11-05'), { recursive: true });
  await writeFile(file, gzipSync(SUPPORT_LINES.map((l) => JSON.stringify(l)).join('\n') + '\n'));
  warehouse = await openLocalWarehouse({ lakeDir: fixture.lakeDir, curatedDir: fixture.curatedDir, segmentEventsFile: fixture.busFile });
  const source = new WarehouseTrainingSource(warehouse, { orderEvent: 'Order Completed', views: await readPropensityViews() });
  timelines = await source.timelines();
}, 60_000);

afterAll(async () => {
  await warehouse?.close();
  await rm(dir, { recursive: true, force: true });
});

const byId = (id: string) => timelines.find((t) => t.profileId === id);
const ms = (iso: string) => Date.parse(iso);

describe('the propensity views on DuckDB', () => {
  it('are two view files that parse', async () => {
    expect((await readPropensityViews()).map((v) => [v.file, v.name])).toEqual([
      ['010-propensity_events.sql', 'propensity_events'],
      ['011-propensity_addresses.sql', 'propensity_addresses'],
    ]);
  });

  it('give the timelines of the profiles with an order only', () => {
    // p-anon (no order) and p-crm (identify only) are not customers.
    expect(timelines.map((t) => t.profileId)).toEqual(['p-ana', 'p-bo', 'p-dee', 'p-eve', 'p-store']);
  });

  it('resolve events through the identity graph, with names, channels and revenue from either property', () => {
    expect(byId('p-bo')?.events).toEqual([
      // e9 (alias) is not activity; e10 identify, e7 as a2 with total "30.5", e11 in the app.
      { at: ms('2026-11-03T13:01:00.000Z'), name: 'identify', channel: 'mobile' },
      { at: ms('2026-11-09T12:00:00.000Z'), name: 'Order Completed', channel: 'web', revenue: 30.5 },
      { at: ms('2026-11-09T15:00:00.000Z'), name: 'Order Completed', channel: 'mobile', revenue: 400 },
    ]);
    // Ana's anonymous history (a1) is hers; the duplicate of e4 is kept once; her score event is left out.
    expect(byId('p-ana')?.events.map((e) => e.name)).toEqual(['page', 'Product Viewed', 'identify', 'Order Completed', 'screen']);
    expect(byId('p-ana')?.events[3]).toEqual({ at: ms('2026-11-02T10:10:00.000Z'), name: 'Order Completed', channel: 'web', revenue: 120 });
  });

  it('carry a closed ticket csat when it is a number', () => {
    const tickets = byId('p-eve')?.events.filter((e) => e.name === 'Ticket Closed');
    expect(tickets).toEqual([
      { at: ms('2026-11-05T10:00:00.000Z'), name: 'Ticket Closed', channel: 'support', csat: 4 },
      { at: ms('2026-11-06T10:00:00.000Z'), name: 'Ticket Closed', channel: 'support' },
    ]);
  });

  it('address each customer by its userId and anonymousId as the latest graph holds them', () => {
    expect(Object.fromEntries(timelines.map((t) => [t.profileId, t.address]))).toEqual({
      'p-ana': { userId: 'u1', anonymousId: 'a1' },
      'p-bo': { userId: 'u2', anonymousId: 'a2' },
      'p-dee': { anonymousId: 'r6' },
      'p-eve': { userId: 'u7' },
      'p-store': { anonymousId: 'r4' },
    });
  });

  it('follow the configured order event', async () => {
    const source = new WarehouseTrainingSource(warehouse, { orderEvent: "Ticket 'Closed'", views: await readPropensityViews() });
    expect(await source.timelines()).toEqual([]);
    const tickets = new WarehouseTrainingSource(warehouse, { orderEvent: 'Ticket Closed', views: await readPropensityViews() });
    expect((await tickets.timelines()).map((t) => t.profileId)).toEqual(['p-eve']);
  });

  it('read the views by name when the warehouse holds them', () => {
    const source = new WarehouseTrainingSource(warehouse, { orderEvent: 'Order Completed' });
    expect(source.eventsSql()).not.toContain('CREATE');
    expect(source.eventsSql()).toMatch(/^SELECT .* FROM propensity_events e\n/s);
    expect(source.addressesSql()).toBe('SELECT profile_id, user_id, anonymous_id FROM propensity_addresses');
  });
});
