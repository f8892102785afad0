import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileClient } from '../../lambda/client/profile-client';
import { generateDemo } from '../../lambda/local/demo';
import type { LocalRuntime } from '../../lambda/local/runtime';
import { payloadOf, sendPayloads } from '../../lambda/local/send';
import { allProfiles, testRuntime } from '../support/runtime';

const DAY = 86_400_000;

describe('unification on the local runtime: explained merges, unmerge, segments', () => {
  let runtime: LocalRuntime;
  let client: ProfileClient;
  const demo = generateDemo({ people: 40, seed: 11 });

  beforeAll(async () => {
    runtime = await testRuntime();
    client = new ProfileClient({ endpoint: runtime.apiUrl, sign: false });
    await sendPayloads(runtime.kinesis, runtime.streamName, demo.events.map((e) => payloadOf(JSON.stringify(e))));
    await runtime.poller?.drain();
    // And one merge for certain: two profiles, then the event that links them.
    const send = async (events: object[]) => {
      await sendPayloads(runtime.kinesis, runtime.streamName, events.map((e) => payloadOf(JSON.stringify(e))));
      await runtime.poller?.drain();
    };
    await send([
      { type: 'track', messageId: 'x-web', anonymousId: 'x-anon', event: 'Order Completed', properties: { revenue: 40 }, timestamp: '2026-11-01T10:00:00Z' },
      { type: 'identify', messageId: 'x-crm', userId: 'x-user', traits: { email: 'x@example.org' }, timestamp: '2026-11-01T11:00:00Z' },
    ]);
    await send([{ type: 'identify', messageId: 'x-link', userId: 'x-user', anonymousId: 'x-anon', timestamp: '2026-11-02T10:00:00Z' }]);
  }, 60_000);
  afterAll(async () => runtime?.stop());

  it('explains every merge of the demo data from the API: which identifiers, carried together by which event', async () => {
    const all = await allProfiles(runtime);
    const byId = new Map(all.map((p) => [p.profileId, p]));
    const live = all.filter((p) => p.mergedInto === undefined);
    const merged = live.filter((p) => p.mergedFrom.length > 0);
    expect(merged.some((p) => p.merges.some((m) => m.messageId === 'x-link'))).toBe(true);
    // A placeholder id two shards raced for held no data: its record names the identifier they raced for.
    const heldData = (id: string) => {
      const p = byId.get(id);
      return p !== undefined && (p.computed.eventCount > 0 || Object.keys(p.identifiers).length > 0);
    };
    const eventsById = new Map<string, unknown>(demo.events.map((e) => [String(e.messageId), e]));
    eventsById.set('x-link', { userId: 'x-user', anonymousId: 'x-anon' });
    for (const p of merged) {
      const history = await client.getMergeHistory(p.profileId);
      expect(history?.merges.map((m) => m.merged).sort()).toEqual([...p.mergedFrom].sort());
      for (const m of history?.merges ?? []) {
        if (m.rule === 'placeholder') {
          expect(heldData(m.merged)).toBe(false);
          expect(m.identifier).toBeDefined();
          continue;
        }
        expect(m.rule).toBe('shared-identifier');
        // The event named carried both identifiers the merge names.
        const event = JSON.stringify(eventsById.get(m.messageId as string) ?? {}).toLowerCase();
        for (const id of [m.identifier, m.matchedWith]) expect(event, JSON.stringify(m)).toContain(String(id?.value).toLowerCase().replace(/^\+1/, ''));
      }
      const identities = await client.getIdentities(p.profileId);
      expect(identities?.identifiers).toEqual(p.identifiers);
    }
  });

  it('unmerges through the client, and each side keeps exactly its own events', async () => {
    const survivor = (await allProfiles(runtime)).find((p) => p.mergedInto === undefined && p.merges.some((m) => m.messageId === 'x-link'));
    const restoredId = survivor?.merges.at(-1)?.merged as string;
    const before = survivor?.computed.eventCount as number;
    const out = await client.unmerge(survivor?.profileId as string, restoredId, 'test');
    expect(out.restored.profileId).toBe(restoredId);
    expect(out.survivor.computed.eventCount + out.restored.computed.eventCount).toBe(before);
    expect((await client.getProfile(restoredId))?.profileId).toBe(restoredId);
    const history = await client.getMergeHistory(survivor?.profileId as string);
    expect(history?.unmerges.map((u) => u.restored)).toEqual([restoredId]);
    expect(history?.separatedFrom).toContain(restoredId);
  });

  it('keeps segment membership queryable by segment, publishes the changes on the local bus, and re-checks as time passes', async () => {
    const live = (await allProfiles(runtime)).filter((p) => p.mergedInto === undefined);
    const expected = live.filter((p) => p.segments?.recentBuyers !== undefined).map((p) => p.profileId).sort();
    expect(expected.length).toBeGreaterThan(0);
    const members: string[] = [];
    for await (const id of client.allSegmentMembers('recentBuyers', 7)) members.push(id);
    expect(members.sort()).toEqual(expected);

    const lines = (await readFile(join(runtime.dataDir, 'bus', 'segment-events.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.some((e) => e.source === 'c360.segments' && e['detail-type'] === 'Segment Entered' && e.detail.segment === 'recentBuyers')).toBe(true);

    // A year later, nobody has ordered in the last 30 days.
    const outcome = await runtime.recheck(() => Date.now() + 365 * DAY);
    expect(outcome.written).toBeGreaterThanOrEqual(expected.length);
    expect((await client.segmentMembers('recentBuyers')).profileIds).toEqual([]);
    const lapsed: string[] = [];
    for await (const id of client.allSegmentMembers('lapsedCustomers')) lapsed.push(id);
    expect(lapsed.sort()).toEqual(expect.arrayContaining(expected));
  });
});
