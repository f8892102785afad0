/**
 * The tracking_plan_violations view on DuckDB over a small lake built by the
 * real paths: events the collector accepted flagged (written to the raw lake
 * as Firehose files them) and events the stream consumer blocked (written by
 * the file quarantine sink), next to events and quarantine entries that have
 * nothing to do with the plan. Expected counts are worked out by hand below.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalWarehouse } from '../../lambda/analytics/adapters/duckdb-warehouse';
import type { Warehouse } from '../../lambda/analytics/ports';
import type { EventSink, OutgoingRecord } from '../../lambda/collection/ports';
import { collect, ingestOptionsOf } from '../../lambda/collection/usecases/collect';
import { parseConfig } from '../../lambda/config';
import { FileQuarantineSink } from '../../lambda/unification/adapters/quarantine';
import { MemoryProfileStore } from '../../lambda/unification/adapters/memory-profile-store';
import { unifySettings } from '../../lambda/unification/settings';
import { unifyBatch } from '../../lambda/unification/usecases/unify-batch';
import { record } from '../support/events';

const NOW = Date.UTC(2026, 10, 1, 12);
const config = parseConfig({
  trackingPlan: {
    sources: { pos: 'block' },
    events: { 'Order Completed': { properties: { order_id: { type: 'string' }, revenue: { type: 'number' } }, required: ['order_id', 'revenue'] } },
    identify: { properties: { email: { type: 'string' } }, required: ['email'] },
  },
});

let dir: string;
let warehouse: Warehouse;

async function collected(source: string, events: unknown[]): Promise<Buffer[]> {
  const records: OutgoingRecord[] = [];
  const sink: EventSink = {
    async put(group) {
      records.push(...group);
      return { calls: 1, retried: 0 };
    },
  };
  await collect({ events, source, receivedAt: NOW }, { events: sink, ingest: ingestOptionsOf(config) });
  return records.map((r) => r.data);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c360-plan-view-'));
  const lakeDir = join(dir, 'lake');
  // web (mode allow): two orders without revenue (one also without order_id), one good order, one identify without email.
  const web = await collected('web', [
    { type: 'track', event: 'Order Completed', userId: 'u1', messageId: 'w1', properties: { order_id: 'A' } },
    { type: 'track', event: 'Order Completed', userId: 'u2', messageId: 'w2', properties: {} },
    { type: 'track', event: 'Order Completed', userId: 'u3', messageId: 'w3', properties: { order_id: 'B', revenue: 3 } },
    { type: 'identify', userId: 'u4', messageId: 'w4', traits: { name: 'Dee' } },
    { type: 'page', userId: 'u1', messageId: 'w5', name: 'Home' },
  ]);
  expect(web).toHaveLength(5);
  const rawFile = join(lakeDir, 'raw/source=web/dt=2026-11-01/part-0001.jsonl.gz');
  await mkdir(join(rawFile, '..'), { recursive: true });
  // An event the collector never checked (no flag) is not counted either.
  const unchecked = JSON.stringify({ type: 'track', event: 'Order Completed', userId: 'u9', messageId: 'w9', receivedAt: '2026-11-01T12:00:00.000Z', context: { source: 'web' } });
  await writeFile(rawFile, gzipSync([...web.map((b) => b.toString('utf8')), unchecked].join('\n') + '\n'));

  // Straight to the stream: two pos orders without order_id (blocked), one web order with a string revenue (flagged, not in the lake here), one unparsable record.
  const order = (messageId: string, source: string, properties: Record<string, unknown>) =>
    record({ type: 'track', event: 'Order Completed', userId: `s-${messageId}`, messageId, timestamp: '2026-11-01T10:00:00.000Z', properties, context: { source } }, NOW);
  await unifyBatch(
    [order('p1', 'pos', { revenue: 1 }), order('p2', 'pos', { revenue: 2 }), order('p3', 'web', { order_id: 'C', revenue: '4' }), record('not json', NOW)],
    'shard-0001-1',
    'kinesis',
    { store: new MemoryProfileStore(), quarantine: new FileQuarantineSink(lakeDir), settings: unifySettings(config), clock: () => NOW },
  );
  warehouse = await openLocalWarehouse({ lakeDir, curatedDir: join(dir, 'curated'), segmentEventsFile: join(dir, 'bus.jsonl') });
}, 60_000);

afterAll(async () => {
  await warehouse?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('tracking_plan_violations', () => {
  it('counts flagged events by source, event and reason, and blocked ones by their quarantine reason', async () => {
    const rows = await warehouse.query('SELECT source, event, reason, action, events FROM tracking_plan_violations ORDER BY action, source, event, reason');
    expect(rows).toEqual([
      // w1 and w2 lack revenue, w2 also order_id; w4 lacks email. w3 and w5 keep the plan; w9 was never checked.
      { source: 'web', event: 'Order Completed', reason: 'order_id: required', action: 'flag', events: 1 },
      { source: 'web', event: 'Order Completed', reason: 'revenue: required', action: 'flag', events: 2 },
      { source: 'web', event: 'identify', reason: 'email: required', action: 'flag', events: 1 },
      // p1 and p2, blocked by the consumer (source pos read from the record); 'not json' is not the plan's.
      { source: 'pos', event: 'Order Completed', reason: 'order_id: required', action: 'reject', events: 2 },
    ]);
  });

  it('has the columns source, event, reason, action, events, and nothing from other quarantine reasons', async () => {
    const all = await warehouse.query('SELECT * FROM tracking_plan_violations');
    expect(Object.keys(all[0] ?? {})).toEqual(['source', 'event', 'reason', 'action', 'events']);
    expect(all.some((r) => String(r.reason).includes('JSON'))).toBe(false);
  });
});
