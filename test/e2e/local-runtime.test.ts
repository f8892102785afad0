import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../lambda/local/demo';
import type { LocalRuntime } from '../../lambda/local/runtime';
import { payloadOf, sendPayloads } from '../../lambda/local/send';
import { allProfiles, getJson, quarantineEntries, testRuntime } from '../support/runtime';

describe('local runtime, end to end', () => {
  let runtime: LocalRuntime;
  const demo = generateDemo({ people: 40, seed: 7 });
  const payloads = demo.events.map((e) => payloadOf(JSON.stringify(e)));
  const poison = demo.poison.map(payloadOf);

  const sendAll = async () => {
    const half = Math.floor(payloads.length / 2);
    await sendPayloads(runtime.kinesis, runtime.streamName, payloads.slice(0, half));
    // Applied before the rest arrives: profiles the first half made apart (an anonymous order, a web visitor) are merged by the second.
    await runtime.poller?.drain();
    await sendPayloads(runtime.kinesis, runtime.streamName, payloads.slice(half), { aggregateEvery: 10 });
    await sendPayloads(runtime.kinesis, runtime.streamName, poison);
    await runtime.poller?.drain();
  };

  beforeAll(async () => {
    runtime = await testRuntime();
    await sendAll();
  }, 60_000);
  afterAll(async () => runtime?.stop());

  it('accounts for every record: each event is in exactly one profile or quarantined with a reason', async () => {
    expect(runtime.totals.payloads).toBe(payloads.length + poison.length);
    expect(runtime.totals.applied).toBe(payloads.length);
    expect(runtime.totals.quarantined).toBe(poison.length);
    const live = (await allProfiles(runtime)).filter((p) => p.mergedInto === undefined);
    expect(live.reduce((n, p) => n + p.computed.eventCount, 0)).toBe(payloads.length);
    const rejects = await quarantineEntries(runtime);
    expect(rejects).toHaveLength(poison.length);
    expect(rejects.every((r) => r.reason.length > 0)).toBe(true);
  });

  it('shows one profile joining web, app, store, CRM and support activity, found by email, phone or userId', async () => {
    const hero = demo.people[0];
    const byEmail = await getJson(`${runtime.apiUrl}/profiles?email=${encodeURIComponent(hero?.email ?? '')}`);
    expect(byEmail.status).toBe(200);
    expect(Object.keys(byEmail.body.channels as object).sort()).toEqual(['crm', 'mobile', 'store', 'support', 'web']);
    expect(byEmail.body.identifiers).toMatchObject({ userId: [hero?.userId], email: [hero?.email], phone: [hero?.phone] });
    const byPhone = await getJson(`${runtime.apiUrl}/profiles?phone=${encodeURIComponent(hero?.phone ?? '')}`);
    const byUser = await getJson(`${runtime.apiUrl}/profiles?userId=${hero?.userId}`);
    expect(byPhone.body.profileId).toBe(byEmail.body.profileId);
    expect(byUser.body.profileId).toBe(byEmail.body.profileId);
    // the later CRM correction wins by event time, whatever order the events arrived in
    expect((byEmail.body.traits as Record<string, unknown>).loyaltyTier).toBe('gold');
  });

  it('keeps every person in one profile: no two people merged, no person split across their identified channels', async () => {
    const live = (await allProfiles(runtime)).filter((p) => p.mergedInto === undefined);
    for (const person of demo.people) {
      const holding = live.filter((p) => p.identifiers.email?.includes(person.email));
      expect(holding).toHaveLength(1);
      expect(holding[0]?.identifiers.email).toEqual([person.email]);
      if (person.channels.includes('crm')) expect(holding[0]?.identifiers.userId).toEqual([person.userId]);
    }
  });

  it('answers a merged-away profile id with its survivor', async () => {
    // (an empty tombstone, left where two consumers raced to create one profile, is not a merge to explain)
    const merged = (await allProfiles(runtime)).find((p) => p.mergedInto !== undefined && p.computed.eventCount > 0);
    expect(merged).toBeDefined();
    const out = await getJson(`${runtime.apiUrl}/profiles/${merged?.profileId}`);
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ requestedId: merged?.profileId });
    expect((out.body.mergedFrom as string[]).includes(merged?.profileId as string)).toBe(true);
  });

  it('leaves every profile unchanged when the same events are sent again', async () => {
    const before = await allProfiles(runtime);
    const applied = runtime.totals.applied;
    await sendAll();
    expect(await allProfiles(runtime)).toEqual(before);
    expect(runtime.totals.applied).toBe(applied);
    expect(runtime.totals.duplicates).toBe(payloads.length);
  });
});
