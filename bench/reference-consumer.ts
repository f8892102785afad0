/**
 * The consumer a team would write by hand, as the yardstick of the consumer
 * figure: decode each record, validate it with the same event schema, and
 * upsert one item per userId (else anonymousId) with the latest traits and an
 * event count. No identity resolution, no de-duplication, no computed traits
 * or segments. It talks to the same ProfileStore interface as c360's
 * consumer (one read and one conditional write per batch), so the ratio of
 * the two throughputs measured in one process on the same records says what
 * c360's extra work costs, whatever the machine.
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import { segmentEventSchema } from '../lambda/shared/events';
import { emptyProfile, type Profile, type TraitValue } from '../lambda/unification/core/profile/profile';
import type { ProfileStore } from '../lambda/unification/ports';

interface Pending {
  traits: Record<string, TraitValue>;
  events: number;
  firstSeen: number;
  lastSeen: number;
}

/** Returns the number of records it upserted (invalid ones are counted out, not thrown). */
export function createReferenceConsumer(store: ProfileStore, now: string) {
  return async (event: KinesisStreamEvent): Promise<number> => {
    const byUser = new Map<string, Pending>();
    let valid = 0;
    for (const r of event.Records) {
      let json: unknown;
      try {
        json = JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8'));
      } catch {
        continue;
      }
      const parsed = segmentEventSchema.safeParse(json);
      if (!parsed.success) continue;
      const e = parsed.data;
      const id = e.userId ?? e.anonymousId;
      if (id === undefined || id === null || id === '') continue;
      const ts = e.timestamp === undefined ? r.kinesis.approximateArrivalTimestamp * 1000 : Date.parse(e.timestamp);
      if (Number.isNaN(ts)) continue;
      valid++;
      const key = String(id);
      let p = byUser.get(key);
      if (p === undefined) byUser.set(key, (p = { traits: {}, events: 0, firstSeen: ts, lastSeen: ts }));
      p.events++;
      p.firstSeen = Math.min(p.firstSeen, ts);
      p.lastSeen = Math.max(p.lastSeen, ts);
      const traits = { ...e.context?.traits, ...(e.type === 'identify' ? e.traits : undefined) };
      const messageId = e.messageId ?? '';
      for (const name in traits) {
        const current = p.traits[name];
        if (current === undefined || current.t <= ts) p.traits[name] = { v: traits[name], t: ts, m: messageId };
      }
    }
    const ids = [...byUser.keys()];
    const current = await store.getProfiles(ids);
    const writes = ids.map((id) => {
      const p = byUser.get(id) as Pending;
      const before = current.get(id) ?? emptyProfile(id, now);
      const traits: Record<string, TraitValue> = { ...before.traits };
      for (const name in p.traits) {
        const t = p.traits[name] as TraitValue;
        const old = traits[name];
        if (old === undefined || old.t <= t.t) traits[name] = t;
      }
      const c = before.computed;
      const profile: Profile = {
        ...before,
        version: before.version + 1,
        updatedAt: now,
        traits,
        computed: {
          ...c,
          eventCount: c.eventCount + p.events,
          firstSeen: c.firstSeen === null ? p.firstSeen : Math.min(c.firstSeen, p.firstSeen),
          lastSeen: c.lastSeen === null ? p.lastSeen : Math.max(c.lastSeen, p.lastSeen),
        },
      };
      return { profile, expectedVersion: current.has(id) ? before.version : null };
    });
    await store.putProfiles(writes);
    return valid;
  };
}
