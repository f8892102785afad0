/**
 * Hot profiles against the local runtime, whose DynamoDB refuses items over
 * 400 KB as the real one does: a bot flooding one userId, traits that grow past
 * the item limit, and a merge of two profiles each near it. The shard keeps
 * moving (nothing reaches the on-failure file, later traffic is applied) and
 * every event is either applied or quarantined with a reason naming the limit.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../lambda/local/runtime';
import { payloadOf, sendPayloads, type Payload } from '../../lambda/local/send';
import { PROFILE_BUDGET_BYTES } from '../../lambda/unification/core/profile/size-budget';
import { allProfiles, quarantineEntries, testRuntime } from '../support/runtime';

const runtimes: LocalRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
});

async function start(): Promise<LocalRuntime> {
  const runtime = await testRuntime({ unification: { consumer: { batchSize: 500, maxRetryAttempts: 3 } } }, { shards: 1 });
  runtimes.push(runtime);
  return runtime;
}

async function send(runtime: LocalRuntime, events: readonly object[]): Promise<void> {
  const records: Payload[] = events.map((e) => payloadOf(JSON.stringify(e)));
  await sendPayloads(runtime.kinesis, runtime.streamName, records);
  await runtime.poller?.drain(240_000);
}

/** A trait value of about `bytes` of JSON that deflate cannot shrink. */
const blob = (bytes: number) => randomBytes(Math.ceil((bytes * 3) / 4)).toString('base64').slice(0, bytes);

async function live(runtime: LocalRuntime) {
  return (await allProfiles(runtime)).filter((p) => p.mergedInto === undefined);
}

async function expectShardMoving(runtime: LocalRuntime): Promise<void> {
  expect(await readFile(runtime.onFailureFile, 'utf8').catch(() => '')).toBe('');
  expect(runtime.poller?.stats.sentToOnFailure).toBe(0);
  // Traffic sent after the hot profile is applied.
  await send(runtime, [{ type: 'track', messageId: 'after-1', userId: 'someone-else', event: 'Page Viewed', timestamp: '2026-11-02T00:00:00Z' }]);
  const other = (await live(runtime)).find((p) => p.identifiers.userId?.includes('someone-else'));
  expect(other?.computed.eventCount).toBe(1);
}

describe('hot profiles', () => {
  it('applies 20,000 events a bot sends for one userId within a minute', async () => {
    const runtime = await start();
    const t0 = Date.parse('2026-11-01T12:00:00Z');
    const events = Array.from({ length: 20_000 }, (_, i) => ({
      type: 'track',
      messageId: `bot-${i}`,
      userId: 'bot',
      anonymousId: `bot-device-${i % 3}`,
      event: i % 10 === 0 ? 'Order Completed' : 'Product Viewed',
      properties: { sku: `sku-${i % 97}`, revenue: i % 10 === 0 ? 1 : undefined },
      timestamp: new Date(t0 + (i * 60_000) / 20_000).toISOString(),
    }));
    await send(runtime, events);
    const bot = (await live(runtime)).filter((p) => p.identifiers.userId?.includes('bot'));
    expect(bot).toHaveLength(1);
    const quarantined = await quarantineEntries(runtime);
    // Applied or quarantined with a reason: all 20,000 accounted for.
    expect((bot[0]?.computed.eventCount ?? 0) + quarantined.length).toBe(20_000);
    expect(bot[0]?.computed.eventCount).toBe(20_000);
    expect(bot[0]?.computed.orderCount).toBe(2_000);
    await expectShardMoving(runtime);
  }, 300_000);

  it('quarantines, naming the limit, the identify events that would take a profile past the item limit', async () => {
    const runtime = await start();
    // 40 events, each adding a 15 KB trait: 600 KB of traits, past DynamoDB's 400 KB.
    const events = Array.from({ length: 40 }, (_, i) => ({
      type: 'identify',
      messageId: `grow-${i}`,
      userId: 'grower',
      traits: { [`note${i}`]: blob(15_000) },
      timestamp: new Date(Date.parse('2026-11-01T00:00:00Z') + i * 1000).toISOString(),
    }));
    await send(runtime, events);
    const [grower] = (await live(runtime)).filter((p) => p.identifiers.userId?.includes('grower'));
    const quarantined = await quarantineEntries(runtime);
    const applied = grower?.computed.eventCount ?? 0;
    expect(applied).toBeGreaterThanOrEqual(20);
    expect(applied + quarantined.length).toBe(40);
    expect(quarantined.length).toBeGreaterThan(0);
    for (const q of quarantined) expect(q.reason).toMatch(/profile size limit.*DynamoDB items are limited to 400 KB/);
    // The earliest events are the ones applied: each later one would have broken the budget.
    const kept = Object.keys(grower?.traits ?? {}).filter((t) => t.startsWith('note'));
    expect(kept).toHaveLength(applied);
    expect(quarantined.map((q) => (JSON.parse(q.data) as { messageId: string }).messageId).sort()).toEqual(
      events.slice(applied).map((e) => e.messageId).sort(),
    );
    expect(Buffer.byteLength(JSON.stringify(grower))).toBeLessThanOrEqual(PROFILE_BUDGET_BYTES);
    await expectShardMoving(runtime);
  }, 300_000);

  it('does not merge two profiles each near the limit, and quarantines the event that would have merged them', async () => {
    const runtime = await start();
    const big = (who: string, id: object, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        type: 'identify',
        messageId: `${who}-${i}`,
        ...id,
        traits: { [`${who}${i}`]: blob(15_000) },
        timestamp: new Date(Date.parse('2026-11-01T00:00:00Z') + i * 1000).toISOString(),
      }));
    await send(runtime, [...big('a', { anonymousId: 'anon-a' }, 14), ...big('b', { userId: 'user-b' }, 14)]);
    expect(await live(runtime)).toHaveLength(2);
    expect(await quarantineEntries(runtime)).toHaveLength(0);

    const join = { type: 'identify', messageId: 'join-1', userId: 'user-b', anonymousId: 'anon-a', timestamp: '2026-11-01T01:00:00Z' };
    await send(runtime, [join]);
    const profiles = await live(runtime);
    expect(profiles).toHaveLength(2);
    expect(profiles.every((p) => p.merges.length === 0 && p.computed.eventCount === 14)).toBe(true);
    const quarantined = await quarantineEntries(runtime);
    expect(quarantined).toHaveLength(1);
    expect(JSON.parse(quarantined[0]?.data ?? '{}')).toMatchObject({ messageId: 'join-1' });
    expect(quarantined[0]?.reason).toMatch(/profile size limit.*the merge of .* is not made/);
    await expectShardMoving(runtime);
  }, 300_000);
});
