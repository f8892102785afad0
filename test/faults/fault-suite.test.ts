/**
 * The fault suite: the local runtime under misbehaving producers and failing
 * infrastructure. Every test ends on the accounting invariant: each record
 * sent is applied to exactly one profile or quarantined with a reason.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { aggregate, KPL_MAGIC } from '../../lambda/shared/kpl';
import { generateDemo } from '../../lambda/local/demo';
import { seededRandom } from '../../lambda/shared/random';
import { FaultyProfileStore, injectSdkFaults } from '../support/faults';
import { LocalPoller } from '../../lambda/local/poller';
import type { LocalRuntime, LocalRuntimeOptions } from '../../lambda/local/runtime';
import { payloadOf, sendPayloads, type Payload } from '../../lambda/local/send';
import { expectAccounting, expectedOutcome } from '../support/accounting';
import { allProfiles, testRuntime } from '../support/runtime';

const runtimes: LocalRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
});

async function start(opts: LocalRuntimeOptions = {}, shards = 2): Promise<LocalRuntime> {
  const runtime = await testRuntime({ unification: { consumer: { batchSize: 100, maxRetryAttempts: 1000 } } }, { shards, ...opts });
  runtimes.push(runtime);
  return runtime;
}

function goodTraffic(seed: number, people = 25): Payload[] {
  return generateDemo({ people, seed }).events.map((e) => payloadOf(JSON.stringify(e)));
}

function poisonPills(): Payload[] {
  const good = { type: 'track', messageId: 'pp-base', userId: 'pp-user', event: 'Product Viewed', timestamp: '2026-11-01T00:00:00Z' };
  const kplBody = Buffer.from([0x1a, 0xff, 0xff, 0xff]);
  const pills: Array<Buffer | string | object> = [
    '{"type":"track","event":',
    Buffer.from(JSON.stringify(good)).toString('base64'),
    Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x81]),
    Buffer.concat([KPL_MAGIC, Buffer.from('definitely not protobuf'), Buffer.alloc(16)]),
    Buffer.concat([KPL_MAGIC, kplBody, createHash('md5').update(kplBody).digest()]),
    'null',
    '[1,2,3]',
    '42',
    { type: 'track', messageId: 'pp-1', userId: 'u' },
    { type: 'purchase', messageId: 'pp-2', userId: 'u' },
    { type: 'identify', messageId: 'pp-3', userId: 'u', traits: 'vip' },
    { type: 'identify', messageId: 'pp-4', userId: { nested: true } },
    { type: 'track', messageId: 'pp-5', userId: 'u', event: 'X', timestamp: 1_700_000_000 },
    { type: 'track', messageId: 'pp-6', userId: 'u', event: 'X', timestamp: '2099-01-01T00:00:00Z' },
    { type: 'track', messageId: 'pp-7', userId: 'u', event: 'X', timestamp: '1990-01-01T00:00:00Z' },
    { type: 'track', messageId: 'pp-8', userId: 'u', event: 'X', properties: { blob: 'x'.repeat(40_000) } },
    { type: 'track', messageId: 'pp-9', userId: 'u', event: 'Order Completed', properties: { revenue: 'a lot' } },
    {
      type: 'identify',
      messageId: 'pp-10',
      userId: 'u',
      context: { externalIds: Array.from({ length: 10_000 }, (_, i) => ({ id: `d${i}`, type: 'deviceId' })) },
    },
  ];
  const plain = pills.map((p) => ({
    partitionKey: 'poison',
    data: Buffer.isBuffer(p) ? p : Buffer.from(typeof p === 'string' ? p : JSON.stringify(p)),
  }));
  // A KPL aggregate holding a good event between two bad ones.
  const mixed = aggregate([
    { partitionKey: 'poison', data: Buffer.from('not json') },
    { partitionKey: 'poison', data: Buffer.from(JSON.stringify({ ...good, messageId: 'pp-in-kpl' })) },
    { partitionKey: 'poison', data: Buffer.from(JSON.stringify({ type: 'alias', messageId: 'pp-11', userId: 'u' })) },
  ]);
  return [...plain, { partitionKey: 'poison', data: mixed }];
}

/** Identifiers as a string that does not depend on the order they were added in. */
const canonical = (ids: Readonly<Record<string, readonly string[]>>) => JSON.stringify(Object.entries(ids).sort());

/** Interleaves b into a (poison pills spread through good traffic). */
function interleave(a: Payload[], b: Payload[]): Payload[] {
  const out = [...a];
  b.forEach((x, i) => out.splice(Math.floor(((i + 1) * out.length) / (b.length + 1)), 0, x));
  return out;
}

async function send(runtime: LocalRuntime, records: Payload[]): Promise<void> {
  await sendPayloads(runtime.kinesis, runtime.streamName, records);
  await runtime.poller?.drain(120_000);
}

describe('fault suite', () => {
  it('quarantines every poison pill with a reason while the good traffic around it is applied', async () => {
    const runtime = await start();
    const records = interleave(goodTraffic(1), poisonPills());
    await send(runtime, records);
    const expected = expectedOutcome(runtime, records);
    expect(expected.rejectedPayloads).toBe(poisonPills().length - 1 + 2);
    await expectAccounting(runtime, expected);
    expect(runtime.poller?.stats.sentToOnFailure).toBe(0);
  });

  it('changes nothing when the whole stream is replayed twice, by re-reading it and by re-sending it', async () => {
    const runtime = await start();
    const records = interleave(goodTraffic(2), poisonPills());
    await send(runtime, records);
    const before = await allProfiles(runtime);

    // A second event source mapping reads the same stream from the start.
    const replay = new LocalPoller({
      kinesis: runtime.kinesis,
      streamName: runtime.streamName,
      streamArn: runtime.streamArn,
      handler: runtime.consumer(),
      onFailure: async () => {
        throw new Error('nothing may be given up on');
      },
      batchSize: 100,
      maxRetryAttempts: 10,
      maxRecordAgeSeconds: 3600,
      bisectBatchOnError: true,
      pollIntervalMs: 20,
    });
    await replay.start();
    await replay.drain(120_000);
    await replay.stop();
    expect(await allProfiles(runtime)).toEqual(before);

    // The producer sends everything again: new records, same messages.
    await send(runtime, records);
    expect(await allProfiles(runtime)).toEqual(before);
    await expectAccounting(runtime, expectedOutcome(runtime, records), 2);
  });

  it('builds the same customer view whatever order the records arrive in', async () => {
    const records = goodTraffic(3);
    const shuffled = [...records].sort(() => seededRandom(7)() - 0.5);
    const reversed = [...records].reverse();
    const views: unknown[] = [];
    for (const order of [records, shuffled, reversed]) {
      const runtime = await start({}, 1);
      await send(runtime, order);
      await expectAccounting(runtime, expectedOutcome(runtime, order));
      const live = (await allProfiles(runtime)).filter((p) => p.mergedInto === undefined);
      views.push(
        live
          .map((p) => ({ identifiers: p.identifiers, traits: p.traits, computed: p.computed, channels: p.channels }))
          .sort((a, b) => (canonical(a.identifiers) < canonical(b.identifiers) ? -1 : 1)),
      );
    }
    expect(views[1]).toEqual(views[0]);
    expect(views[2]).toEqual(views[0]);
  });

  it('recovers when a batch throws mid-way and when the consumer dies between two writes', async () => {
    const random = seededRandom(11);
    let store: FaultyProfileStore | undefined;
    const runtime = await start({
      wrapStore: (inner) => (store = new FaultyProfileStore(inner, { failRate: 0.05, dieAfterWriteRate: 0.15, random })),
    });
    const records = interleave(goodTraffic(4, 40), poisonPills());
    await send(runtime, records);
    expect(store?.failures).toBeGreaterThan(5);
    const stats = runtime.poller?.stats;
    expect((stats?.retries ?? 0) + (stats?.bisections ?? 0)).toBeGreaterThan(0);
    await expectAccounting(runtime, expectedOutcome(runtime, records));
  });

  it('loses no update and makes no duplicate profile when several consumers work on overlapping identities at once', async () => {
    // Random partition keys scatter each person's events over four shards, read in parallel.
    const runtime = await start({}, 4);
    const records = goodTraffic(5, 60).map((p, i) => ({ ...p, partitionKey: `k${i}` }));
    await send(runtime, records);
    await expectAccounting(runtime, expectedOutcome(runtime, records));
    expect(runtime.totals.applied).toBe(expectedOutcome(runtime, records).validKeys.length);
  });

  it('retries DynamoDB throttling and transient errors without losing a record', async () => {
    const runtime = await start();
    const faults = injectSdkFaults(runtime.doc, 0.2, seededRandom(13));
    const records = interleave(goodTraffic(6), poisonPills());
    await send(runtime, records);
    expect(faults.injected()).toBeGreaterThan(10);
    await expectAccounting(runtime, expectedOutcome(runtime, records));
  });
});
