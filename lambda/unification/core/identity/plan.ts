/**
 * Deterministic identity resolution for one batch of events, as a pure plan:
 * given the events, who currently owns each identifier and the profiles
 * involved, decide which profiles the events belong to, which profiles merge,
 * and exactly which conditional writes make it so.
 *
 * Writes are optimistic (conditional on each profile's version and each
 * identifier's owner); a conflict sends the component back to be re-read and
 * re-planned. The plan is crash-safe when written in this order (see
 * usecases/unify-batch.ts): mark merged-away profiles and claim new
 * identifiers; write the survivor; repoint the merged-away identifiers. A
 * crash in between leaves marks and claims that the next plan completes (a
 * marked profile its survivor has not absorbed is `pending`; an identifier
 * owned by a profile that was never written points at a `ghost`), so the
 * outcome is the same as if nothing had failed.
 */
import type { Identifier, RejectedIdentifier, UnifyEvent } from '../../../shared/events';
import { refreshProfile, type ProfileDerivations } from '../profile/derive';
import type { IdentityRules } from './identity-rules';
import {
  applyEvents,
  emptyProfile,
  isTombstone,
  recordRejected,
  withMergedFrom,
  markMerged,
  mergeProfiles,
  pruneSeen,
  withIdentifiers,
  type MergeRecord,
  type Profile,
} from '../profile/profile';

/** Key of an identifier in the identifier index. Types never contain '#'. */
export function idKey(type: string, value: string): string {
  return `${type}#${value}`;
}

export function parseIdKey(key: string): Identifier {
  const at = key.indexOf('#');
  return { type: key.slice(0, at), value: key.slice(at + 1) };
}

/** Every identifier key the batch needs looked up (alias previous ids under both id types). */
export function keysToLookUp(events: readonly UnifyEvent[]): string[] {
  const keys = new Set<string>();
  for (const e of events) {
    for (const id of e.identifiers) keys.add(idKey(id.type, id.value));
    if (e.previousId !== undefined) {
      keys.add(idKey('userId', e.previousId));
      keys.add(idKey('anonymousId', e.previousId));
    }
  }
  return [...keys];
}

/** Profile ids referred to (by owners or merge pointers) that are neither loaded nor known absent. */
export function profilesToLoad(
  owners: ReadonlyMap<string, string>,
  profiles: ReadonlyMap<string, Profile>,
  absent: ReadonlySet<string>,
): string[] {
  const want = new Set<string>();
  const consider = (id: string) => {
    if (!profiles.has(id) && !absent.has(id)) want.add(id);
  };
  for (const id of owners.values()) consider(id);
  for (const p of profiles.values()) if (p.mergedInto !== undefined) consider(p.mergedInto);
  return [...want];
}

export interface Claim {
  readonly key: string;
  readonly profileId: string;
  /** The owner read before planning; null: the identifier must not exist yet. */
  readonly expectedOwner: string | null;
  /**
   * A repoint of a merged-away profile's identifier that this batch did not
   * carry: best effort, because lookups follow `mergedInto` anyway.
   */
  readonly soft: boolean;
}

export interface VersionedWrite {
  readonly profile: Profile;
  /** null: the profile must not exist yet. */
  readonly expectedVersion: number | null;
}

export interface ComponentPlan<E extends UnifyEvent = UnifyEvent> {
  readonly profileId: string;
  readonly events: readonly E[];
  readonly applied: readonly E[];
  readonly duplicates: readonly E[];
  /** Phase 1, in parallel: profiles merged away (or tombstones for ghosts) and identifier claims. */
  readonly marks: readonly VersionedWrite[];
  readonly claims: readonly Claim[];
  /** Phase 2: the surviving profile; undefined when nothing changed (a pure replay). */
  readonly survivor?: VersionedWrite;
  readonly merges: readonly MergeRecord[];
}

/** Profiles a batch matcher found to be one person (an Entity Resolution match group). */
export interface MatchLink {
  readonly matchId: string;
  readonly profileIds: readonly string[];
  /** The rule that matched them, when the matcher says. */
  readonly rule?: string;
}

/** A profile a match group could not merge, and why. */
export interface RejectedMatch {
  readonly matchId: string;
  readonly profileId: string;
  readonly reason: string;
}

export interface PlanInput<E extends UnifyEvent> {
  readonly events: readonly E[];
  /** Match groups to merge (batch matching); their profiles must be among `profiles`. */
  readonly links?: readonly MatchLink[];
  /** Told each profile a match group could not merge. */
  readonly onRejectedMatch?: (rejected: RejectedMatch) => void;
  readonly owners: ReadonlyMap<string, string>;
  readonly profiles: ReadonlyMap<string, Profile>;
  readonly rules: IdentityRules;
  /** Computed traits, enrichment and segments, recomputed on every survivor that changes. */
  readonly derivations?: ProfileDerivations;
  readonly nowMs: number;
  readonly dedupeWindowSeconds: number;
  readonly newProfileId: () => string;
}

interface Link {
  readonly messageId?: string;
  readonly matchId?: string;
  readonly matchRule?: string;
  readonly sides: ReadonlyArray<{ readonly real: readonly string[]; readonly key: string }>;
}

class Group<E> {
  parent: Group<E> = this;
  /** Identifier values per type the group's profile would hold: the limits are checked against these. */
  readonly values = new Map<string, Set<string>>();
  /** Profiles' identifiers not yet added to `values` (most events never need a limit check). */
  unread: Array<Readonly<Record<string, readonly string[]>>> = [];
  readonly real = new Set<string>();
  /** Profiles an unmerge separated from those in this group: it never joins a group holding one. */
  readonly separated = new Set<string>();
  readonly ghosts = new Set<string>();
  readonly pending = new Set<string>();
  readonly keys = new Set<string>();
  /** Keys of the batch found through their owner, which may be a merged-away profile. */
  readonly owned = new Set<string>();
  readonly events: E[] = [];
  readonly links: Link[] = [];
  find(): Group<E> {
    let g: Group<E> = this;
    while (g.parent !== g) g = g.parent;
    this.parent = g;
    return g;
  }
}

export function planBatch<E extends UnifyEvent>(input: PlanInput<E>): ComponentPlan<E>[] {
  const { owners, profiles } = input;
  const now = new Date(input.nowMs).toISOString();
  const nowSeconds = Math.floor(input.nowMs / 1000);

  const { rules } = input;
  const addValues = (g: Group<E>, identifiers: Readonly<Record<string, readonly string[]>>) => {
    g.unread.push(identifiers);
  };
  /** The group's values per type, reading the profiles' identifiers the first time they are needed. */
  const valuesOf = (g: Group<E>): Map<string, Set<string>> => {
    for (const identifiers of g.unread) {
      for (const [type, values] of Object.entries(identifiers)) {
        let set = g.values.get(type);
        if (set === undefined) g.values.set(type, (set = new Set()));
        for (const v of values) set.add(v);
      }
    }
    g.unread = [];
    return g.values;
  };
  /** The first limit that adding `extra` to the group would break. */
  const breaks = (g: Group<E>, other: Group<E>) => {
    const mine = valuesOf(g);
    for (const [type, values] of valuesOf(other)) {
      const limit = rules.limit(type);
      if (!Number.isFinite(limit)) continue;
      const held = mine.get(type);
      let count = held?.size ?? 0;
      for (const v of values) if (!held?.has(v)) count++;
      if (count > limit) return { type, count, limit };
    }
    return undefined;
  };
  /** The limit that one more identifier would break (no allocation: this runs for most events). */
  const breaksWith = (g: Group<E>, id: Identifier) => {
    const limit = rules.limit(id.type);
    const held = valuesOf(g).get(id.type);
    const count = (held?.size ?? 0) + (held?.has(id.value) ? 0 : 1);
    return count > limit ? { type: id.type, count, limit } : undefined;
  };
  /** The profile of `b` that an unmerge separated from one of `a`'s (or the reverse). */
  const separatedBy = (a: Group<E>, b: Group<E>): string | undefined => {
    if (a.separated.size === 0 && b.separated.size === 0) return undefined;
    for (const id of b.real) if (a.separated.has(id)) return id;
    for (const id of a.real) if (b.separated.has(id)) return id;
    return undefined;
  };
  /** Identifiers an event carried that this plan does not link, by messageId. */
  const rejectedByEvent = new Map<string, RejectedIdentifier[]>();

  /** Follows merge pointers to the live profile (or to a ghost: an id with no profile). */
  const rootOf = (id: string): { id: string; live?: Profile; via: string[] } => {
    const via: string[] = [];
    let current = id;
    for (let hops = 0; hops < 32; hops++) {
      const p = profiles.get(current);
      if (p?.mergedInto === undefined) return p === undefined ? { id: current, via } : { id: current, live: p, via };
      via.push(current);
      current = p.mergedInto;
    }
    throw new Error(`merge pointers from profile ${id} form a chain longer than 32`);
  };

  const byRoot = new Map<string, Group<E>>();
  const byKey = new Map<string, Group<E>>();
  const groups: Group<E>[] = [];
  const newGroup = () => {
    const g = new Group<E>();
    groups.push(g);
    return g;
  };
  const groupOfOwner = (owner: string): Group<E> => {
    const root = rootOf(owner);
    let g = byRoot.get(root.id)?.find();
    if (g === undefined) {
      g = newGroup();
      byRoot.set(root.id, g);
      if (root.live !== undefined) {
        g.real.add(root.id);
        addValues(g, root.live.identifiers);
        for (const id of root.live.separatedFrom ?? []) g.separated.add(id);
      } else g.ghosts.add(root.id);
    }
    const rootProfile = root.live;
    for (const id of root.via) {
      if (!rootProfile?.mergedFrom.includes(id) && !g.pending.has(id)) {
        g.pending.add(id);
        const pending = profiles.get(id);
        if (pending !== undefined) addValues(g, pending.identifiers);
      }
    }
    return g;
  };
  const union = (a: Group<E>, b: Group<E>): Group<E> => {
    const ra = a.find();
    const rb = b.find();
    if (ra === rb) return ra;
    rb.parent = ra;
    for (const x of rb.real) ra.real.add(x);
    for (const x of rb.separated) ra.separated.add(x);
    for (const x of rb.ghosts) ra.ghosts.add(x);
    for (const x of rb.pending) ra.pending.add(x);
    for (const x of rb.keys) ra.keys.add(x);
    for (const x of rb.owned) ra.owned.add(x);
    for (const [type, values] of rb.values) {
      const set = ra.values.get(type);
      if (set === undefined) ra.values.set(type, new Set(values));
      else for (const v of values) set.add(v);
    }
    ra.unread.push(...rb.unread);
    ra.events.push(...rb.events);
    ra.links.push(...rb.links);
    return ra;
  };

  const groupOfKey = (key: string): Group<E> | undefined => {
    let g = byKey.get(key)?.find();
    if (g === undefined) {
      const owner = owners.get(key);
      if (owner !== undefined) {
        g = groupOfOwner(owner).find();
        g.owned.add(key);
        byKey.set(key, g);
      }
    }
    return g;
  };
  const claimKey = (g: Group<E>, key: string, id: Identifier) => {
    g.keys.add(key);
    if (!byKey.has(key)) byKey.set(key, g);
    let set = g.values.get(id.type);
    if (set === undefined) g.values.set(id.type, (set = new Set()));
    set.add(id.value);
  };

  for (const link of input.links ?? []) {
    let current: Group<E> | undefined;
    let first: string | undefined;
    for (const profileId of [...new Set(link.profileIds)].sort()) {
      const reject = (reason: string) => input.onRejectedMatch?.({ matchId: link.matchId, profileId, reason });
      if (!profiles.has(profileId)) {
        reject('no such profile');
        continue;
      }
      const g = groupOfOwner(profileId).find();
      if (current === undefined) {
        current = g;
        first = profileId;
        continue;
      }
      current = current.find();
      if (g === current) continue;
      const apart = separatedBy(current, g);
      if (apart !== undefined) {
        reject(`an unmerge separated ${apart} from this match group's other profiles`);
        continue;
      }
      const over = breaks(current, g);
      if (over !== undefined) {
        reject(`merging would give one profile ${over.count} ${over.type} values, over the limit of ${over.limit}`);
        continue;
      }
      current.links.push({
        matchId: link.matchId,
        ...(link.rule === undefined ? {} : { matchRule: link.rule }),
        sides: [
          { real: [...current.real], key: `profile#${first as string}` },
          { real: [...g.real], key: `profile#${profileId}` },
        ],
      });
      current = union(current, g);
    }
  }

  const sorted = [...input.events].sort((x, y) => x.ts - y.ts || (x.messageId < y.messageId ? -1 : x.messageId > y.messageId ? 1 : 0));
  for (const event of sorted) {
    const ids: Identifier[] = [...event.identifiers];
    if (event.previousId !== undefined) {
      const candidates = ['userId', 'anonymousId'].map((type) => ({ type, value: event.previousId as string }));
      const owned = candidates.find((c) => owners.has(idKey(c.type, c.value)) || byKey.has(idKey(c.type, c.value)));
      const fallbackType = rules.identifiers.includes('anonymousId') ? 'anonymousId' : 'userId';
      ids.push(owned ?? { type: fallbackType, value: event.previousId });
    }
    // Highest priority first: when a link would break a limit, the identifier left out is the lower-priority one.
    ids.sort((a, b) => rules.priority(a.type) - rules.priority(b.type) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));

    let current: Group<E> | undefined;
    const rejected: RejectedIdentifier[] = [];
    const accepted: string[] = [];
    for (const id of ids) {
      const key = idKey(id.type, id.value);
      const g = groupOfKey(key);
      if (current === undefined) {
        current = g ?? newGroup();
        if (g === undefined) claimKey(current, key, id);
        accepted.push(key);
        continue;
      }
      current = current.find();
      if (g === current) {
        accepted.push(key);
        continue;
      }
      if (g === undefined) {
        const over = breaksWith(current, id);
        if (over !== undefined) {
          rejected.push({ ...id, reason: `the profile already holds ${over.limit} ${over.type} value(s), the limit` });
          continue;
        }
        claimKey(current, key, id);
        accepted.push(key);
        continue;
      }
      const apart = separatedBy(current, g);
      if (apart !== undefined) {
        rejected.push({ ...id, reason: `it belongs to a profile an unmerge separated from this one (${apart})` });
        continue;
      }
      const over = breaks(current, g);
      if (over !== undefined) {
        rejected.push({
          ...id,
          reason: `it belongs to another profile; linking would give one profile ${over.count} ${over.type} values, over the limit of ${over.limit}`,
        });
        continue;
      }
      if (current.real.size > 0 && g.real.size > 0) {
        current.links.push({
          messageId: event.messageId,
          sides: [
            { real: [...current.real], key: accepted[0] as string },
            { real: [...g.real], key },
          ],
        });
      }
      current = union(current, g);
      current.keys.add(key);
      accepted.push(key);
    }
    const target = (current ?? newGroup()).find();
    target.events.push(event);
    if (rejected.length > 0) rejectedByEvent.set(event.messageId, rejected);
  }

  const plans: ComponentPlan<E>[] = [];
  for (const g of groups) {
    if (g.find() !== g) continue;
    plans.push(planComponent(g, input, now, nowSeconds, rejectedByEvent));
  }
  return plans;
}

function byAge(a: Profile, b: Profile): number {
  return a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? -1 : 1) : a.profileId < b.profileId ? -1 : 1;
}

function planComponent<E extends UnifyEvent>(
  g: Group<E>,
  input: PlanInput<E>,
  now: string,
  nowSeconds: number,
  rejectedByEvent: ReadonlyMap<string, readonly RejectedIdentifier[]>,
): ComponentPlan<E> {
  const { owners, profiles } = input;
  const live = [...g.real].map((id) => profiles.get(id) as Profile).sort(byAge);
  const ghosts = [...g.ghosts].sort();
  const survivorBefore = live[0];
  const survivorId = survivorBefore?.profileId ?? ghosts[0] ?? input.newProfileId();
  let state = survivorBefore ?? emptyProfile(survivorId, now);
  let changed = survivorBefore === undefined;

  const merges: MergeRecord[] = [];
  const marks: VersionedWrite[] = [];
  const absorbed: Profile[] = [];
  /** Why a placeholder id is absorbed: the identifier that pointed at it. */
  const placeholderRecord = (id: string): MergeRecord => {
    const key = [...g.keys, ...g.owned].sort().find((k) => owners.get(k) === id);
    return { at: now, survivor: survivorId, merged: id, rule: 'placeholder', ...(key === undefined ? {} : { identifier: parseIdKey(key) }) };
  };
  const fold = input.derivations === undefined ? undefined : { compiled: input.derivations.computedTraits, nowMs: input.nowMs };

  // A pending profile that another one in this component absorbed before being frozen comes in
  // with it: absorbing it on its own as well would count its events twice.
  const pending = [...g.pending].sort();
  // (The survivor's own mergedFrom is among them, so what it already holds is skipped too.)
  const inside =
    pending.length === 0 ? new Set<string>() : new Set([...live, ...pending.map((id) => profiles.get(id))].flatMap((p) => p?.mergedFrom ?? []));
  for (const id of pending) {
    const p = profiles.get(id);
    if (p === undefined || inside.has(id) || id === survivorId) continue;
    changed = true;
    if (isTombstone(p)) {
      // A placeholder left by a race, never holding data.
      state = withMergedFrom(state, [id], [placeholderRecord(id)]);
      continue;
    }
    const record: MergeRecord = { at: now, survivor: survivorId, merged: id, rule: 'resumed' };
    state = mergeProfiles(state, { ...p, mergedInto: undefined }, record, fold);
    merges.push(record);
    absorbed.push(p);
  }
  for (const loser of live.slice(1)) {
    const record = mergeReason(g.links, loser.profileId, survivorId, now);
    state = mergeProfiles(state, loser, record, fold);
    merges.push(record);
    absorbed.push(loser);
    marks.push({ profile: markMerged(loser, survivorId, now), expectedVersion: loser.version });
    changed = true;
  }
  const tombstones = ghosts.filter((ghost) => ghost !== survivorId);
  for (const ghost of tombstones) {
    // An identifier points at a profile that was never written (a race, or a crash between writes):
    // occupy the id so that its late writer fails and re-plans, and let it redirect here.
    marks.push({ profile: markMerged(emptyProfile(ghost, now), survivorId, now), expectedVersion: null });
  }
  if (tombstones.length > 0) {
    state = withMergedFrom(state, tombstones, tombstones.map(placeholderRecord));
    changed = true;
  }

  // An event's identifiers that were not linked stay out of the profile's identifiers.
  const linked = g.events.map((e) => {
    const rejected = rejectedByEvent.get(e.messageId);
    if (rejected === undefined) return e;
    const out = new Set(rejected.map((r) => idKey(r.type, r.value)));
    return { ...e, identifiers: e.identifiers.filter((id) => !out.has(idKey(id.type, id.value))) };
  });
  const { profile: afterEvents, applied: appliedLinked, duplicates: duplicatesLinked } = applyEvents(state, linked, nowSeconds, fold);
  const original = new Map(g.events.map((e) => [e.messageId, e]));
  const applied = appliedLinked.map((e) => original.get(e.messageId) as E);
  const duplicates = duplicatesLinked.map((e) => original.get(e.messageId) as E);
  state = afterEvents;
  if (applied.length > 0) {
    changed = true;
    state = recordRejected(
      state,
      applied.flatMap((e) =>
        [...(e.rejectedIdentifiers ?? []), ...(rejectedByEvent.get(e.messageId) ?? [])].map((r) => ({ ...r, messageId: e.messageId, at: e.timestamp })),
      ),
    );
  }

  const claims: Claim[] = [];
  const claimed = new Set<string>();
  const missing: Identifier[] = [];
  for (const key of [...g.keys].sort()) {
    claimed.add(key);
    const owner = owners.get(key) ?? null;
    if (owner !== survivorId) claims.push({ key, profileId: survivorId, expectedOwner: owner, soft: false });
    const id = parseIdKey(key);
    if (!state.identifiers[id.type]?.includes(id.value)) missing.push(id);
  }
  if (missing.length > 0) {
    state = withIdentifiers(state, missing);
    changed = true;
  }
  // Identifiers the batch reached through merge pointers now point straight at the survivor.
  for (const key of [...g.owned].sort()) {
    const owner = owners.get(key);
    if (claimed.has(key) || owner === undefined || owner === survivorId) continue;
    claimed.add(key);
    claims.push({ key, profileId: survivorId, expectedOwner: owner, soft: true });
  }
  for (const p of absorbed) {
    for (const [type, values] of Object.entries(p.identifiers)) {
      for (const value of values) {
        const key = idKey(type, value);
        if (claimed.has(key)) continue;
        claimed.add(key);
        claims.push({ key, profileId: survivorId, expectedOwner: p.profileId, soft: true });
      }
    }
  }

  if (changed && input.derivations !== undefined) state = refreshProfile(state, input.derivations, input.nowMs);
  const survivor: VersionedWrite | undefined = changed
    ? {
        profile: {
          ...state,
          version: (survivorBefore?.version ?? 0) + 1,
          updatedAt: now,
          seen: pruneSeen(state.seen, nowSeconds, input.dedupeWindowSeconds),
        },
        expectedVersion: survivorBefore?.version ?? null,
      }
    : undefined;
  return {
    profileId: survivorId,
    events: g.events,
    applied,
    duplicates,
    marks,
    claims,
    ...(survivor === undefined ? {} : { survivor }),
    merges,
  };
}

function mergeReason(links: readonly Link[], loserId: string, survivorId: string, now: string): MergeRecord {
  for (const link of links) {
    const loserSide = link.sides.find((s) => s.real.includes(loserId));
    const otherSide = link.sides.find((s) => s !== loserSide);
    if (loserSide !== undefined && otherSide !== undefined && link.matchId !== undefined) {
      return {
        at: now,
        survivor: survivorId,
        merged: loserId,
        rule: 'matched',
        matchId: link.matchId,
        ...(link.matchRule === undefined ? {} : { matchRule: link.matchRule }),
      };
    }
    if (loserSide !== undefined && otherSide !== undefined) {
      return {
        at: now,
        survivor: survivorId,
        merged: loserId,
        rule: 'shared-identifier',
        identifier: parseIdKey(loserSide.key),
        matchedWith: parseIdKey(otherSide.key),
        ...(link.messageId === undefined ? {} : { messageId: link.messageId }),
      };
    }
  }
  return { at: now, survivor: survivorId, merged: loserId, rule: 'shared-identifier' };
}
