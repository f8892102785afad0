/**
 * Unmerge: split a profile that was merged away (`restoredId`) back out of
 * its survivor by replaying the component's journaled events under the
 * identity rules with that merge's link excluded. Pure: the use case
 * (usecases/unmerge.ts) reads the inputs and writes the result atomically.
 *
 * Sides: the restored profile starts from the identifiers it held when it
 * was merged (its frozen doc); the survivor from those it held before the
 * merge (events journaled under it earlier, and the docs of the profiles it
 * had absorbed by then). Every event is then replayed in event-time order,
 * linking identifiers as the real-time resolver does (limits included), but
 * never joining the two sides: an identifier that would join them is
 * rejected on that event, with the reason. Identifiers neither side held
 * join whichever side their events link them to; an event linked to neither
 * stays where it was journaled. Each side is then rebuilt from its events,
 * so its traits, computed values and consent are exact, and both record the unmerge
 * and stay separated from now on.
 */
import type { Identifier, UnifyEvent } from '../../../shared/events';
import type { IdentityRules } from './identity-rules';
import { idKey, parseIdKey } from './keys';
import {
  applyEvents,
  emptyProfile,
  messageKey,
  recordRejected,
  withIdentifiers,
  type MergeRecord,
  type Profile,
  type RejectedLink,
  type TraitFold,
  type UnmergeRecord,
} from '../profile/profile';

export interface JournaledEvents {
  /** The profile the events were journaled under. */
  readonly profileId: string;
  readonly at: string;
  readonly events: readonly UnifyEvent[];
  readonly moved?: readonly string[];
}

export interface UnmergeInput {
  /** The live profile the restored one was merged into (directly or through another merge). */
  readonly survivor: Profile;
  /** Docs of the profiles the survivor absorbed (as they were when merged), by id. */
  readonly absorbed: ReadonlyMap<string, Profile>;
  /** Journal entries of the survivor and every profile it absorbed. */
  readonly journal: readonly JournaledEvents[];
  readonly restoredId: string;
  readonly rules: IdentityRules;
  readonly nowMs: number;
  readonly reason?: string;
  /** Recomputes what derives from a profile's data (enrichment, segments). */
  readonly refresh: (profile: Profile) => Profile;
  /** Computed traits from config, rebuilt from the replayed events. */
  readonly traits?: TraitFold;
}

export interface UnmergeResult {
  readonly survivor: Profile;
  readonly restored: Profile;
  readonly record: UnmergeRecord;
  /** Events now the other side's, by the profile they are journaled under, with the side they moved to. */
  readonly moves: ReadonlyArray<{ readonly from: string; readonly to: string; readonly events: readonly UnifyEvent[] }>;
}

export class UnmergeError extends Error {
  constructor(
    message: string,
    /** `not_found`: no such merge; `conflict`: the data does not allow it. */
    readonly code: 'not_found' | 'conflict',
  ) {
    super(message);
  }
}

type Side = 'restored' | 'survivor';

interface Group {
  parent: Group;
  side?: Side;
  readonly values: Map<string, Set<string>>;
}

function find(g: Group): Group {
  let root = g;
  while (root.parent !== root) root = root.parent;
  g.parent = root;
  return root;
}

export function planUnmerge(input: UnmergeInput): UnmergeResult {
  const { survivor, absorbed, restoredId, rules } = input;
  const now = new Date(input.nowMs).toISOString();
  if (survivor.mergedInto !== undefined) throw new UnmergeError(`profile ${survivor.profileId} is itself merged into ${survivor.mergedInto}`, 'conflict');
  if (!survivor.mergedFrom.includes(restoredId)) {
    throw new UnmergeError(`profile ${restoredId} is not merged into ${survivor.profileId}`, 'not_found');
  }
  const restoredDoc = absorbed.get(restoredId);
  const merge = [...survivor.merges].reverse().find((m) => m.merged === restoredId);
  if (restoredDoc === undefined || merge === undefined) {
    throw new UnmergeError(`profile ${restoredId} left no record of its merge into ${survivor.profileId}; there is nothing to split`, 'not_found');
  }

  // The restored side: the profile and every profile merged into it before it was merged away.
  const subtree = new Set<string>([restoredId]);
  const leadsToRestored = (id: string): boolean => {
    let current: string | undefined = id;
    for (let hops = 0; current !== undefined && hops < 64; hops++) {
      if (current === restoredId) return true;
      if (current === survivor.profileId) return false;
      current = absorbed.get(current)?.mergedInto;
    }
    return false;
  };
  for (const id of survivor.mergedFrom) if (leadsToRestored(id)) subtree.add(id);
  const sideOfJournal = (profileId: string): Side => (subtree.has(profileId) ? 'restored' : 'survivor');

  // Events, each once, where they are journaled (minus those an earlier unmerge moved away).
  const events = new Map<string, { event: UnifyEvent; journaledUnder: string }>();
  const preMergeSurvivorEvents: UnifyEvent[] = [];
  const moved = new Set(input.journal.flatMap((e) => (e.moved ?? []).map((id) => `${e.profileId}|${id}`)));
  for (const entry of input.journal) {
    for (const event of entry.events) {
      if (moved.has(`${entry.profileId}|${event.messageId}`) || events.has(event.messageId)) continue;
      events.set(event.messageId, { event, journaledUnder: entry.profileId });
      if (entry.profileId === survivor.profileId && entry.at < merge.at) preMergeSurvivorEvents.push(event);
    }
  }
  if (events.size !== survivor.computed.eventCount) {
    throw new UnmergeError(
      `the journal holds ${events.size} of profile ${survivor.profileId}'s ${survivor.computed.eventCount} events; ` +
        'an unmerge replays them all, so it cannot split this profile exactly',
      'conflict',
    );
  }

  // Seed the two sides with the identifiers each held at the time of the merge.
  const groups = new Map<string, Group>();
  const newGroup = (side?: Side): Group => {
    const g = { values: new Map<string, Set<string>>() } as Group;
    g.parent = g;
    if (side !== undefined) g.side = side;
    return g;
  };
  const sideGroups: Record<Side, Group> = { restored: newGroup('restored'), survivor: newGroup('survivor') };
  const add = (g: Group, id: Identifier) => {
    const key = idKey(id.type, id.value);
    if (groups.has(key)) return;
    groups.set(key, g);
    let set = g.values.get(id.type);
    if (set === undefined) g.values.set(id.type, (set = new Set()));
    set.add(id.value);
  };
  const identifiersOf = (p: Profile) =>
    Object.entries(p.identifiers).flatMap(([type, values]) => values.map((value) => ({ type, value })));
  for (const id of identifiersOf(restoredDoc)) add(sideGroups.restored, id);
  const mergedBefore = new Set(survivor.merges.filter((m) => m.at < merge.at).map((m) => m.merged));
  for (const [id, doc] of absorbed) {
    if (!subtree.has(id) && mergedBefore.has(id)) for (const i of identifiersOf(doc)) add(sideGroups.survivor, i);
  }
  for (const e of preMergeSurvivorEvents) for (const i of e.identifiers) add(sideGroups.survivor, i);
  if (merge.matchedWith !== undefined) add(sideGroups.survivor, merge.matchedWith);

  const union = (a: Group, b: Group): Group => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return ra;
    const [into, from] = rb.side !== undefined && ra.side === undefined ? [rb, ra] : [ra, rb];
    from.parent = into;
    for (const [type, values] of from.values) {
      const set = into.values.get(type);
      if (set === undefined) into.values.set(type, new Set(values));
      else for (const v of values) set.add(v);
    }
    return into;
  };
  const overLimit = (a: Group, b: Group): string | undefined => {
    for (const [type, values] of b.values) {
      const limit = rules.limit(type);
      if (!Number.isFinite(limit)) continue;
      const held = a.values.get(type);
      let count = held?.size ?? 0;
      for (const v of values) if (!held?.has(v)) count++;
      if (count > limit) return `linking would give one profile ${count} ${type} values, over the limit of ${limit}`;
    }
    return undefined;
  };

  // Replay in event-time order, as the resolver would have linked them, without joining the sides.
  const ordered = [...events.values()].sort(
    (x, y) => x.event.ts - y.event.ts || (x.event.messageId < y.event.messageId ? -1 : x.event.messageId > y.event.messageId ? 1 : 0),
  );
  const placed: Array<{ event: UnifyEvent; group: Group; journaledUnder: string; rejected: RejectedLink[] }> = [];
  for (const { event, journaledUnder } of ordered) {
    const ids = [...event.identifiers].sort(
      (a, b) => rules.priority(a.type) - rules.priority(b.type) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0),
    );
    let current: Group | undefined;
    const rejected: RejectedLink[] = [];
    for (const id of ids) {
      const key = idKey(id.type, id.value);
      const g = groups.get(key);
      if (current === undefined) {
        current = g ?? newGroup();
        if (g === undefined) add(current, id);
        continue;
      }
      current = find(current);
      const other = g === undefined ? undefined : find(g);
      if (other === current) continue;
      if (other === undefined) {
        const held = current.values.get(id.type)?.size ?? 0;
        const limit = rules.limit(id.type);
        if (held + 1 > limit) {
          rejected.push({ ...id, reason: `the profile already holds ${limit} ${id.type} value(s), the limit`, messageId: event.messageId, at: event.timestamp });
        } else add(current, id);
        continue;
      }
      if (current.side !== undefined && other.side !== undefined && current.side !== other.side) {
        rejected.push({
          ...id,
          reason: `an unmerge separated profile ${restoredId} from ${survivor.profileId}`,
          messageId: event.messageId,
          at: event.timestamp,
        });
        continue;
      }
      const over = overLimit(current, other);
      if (over !== undefined) {
        rejected.push({ ...id, reason: over, messageId: event.messageId, at: event.timestamp });
        continue;
      }
      current = union(current, other);
    }
    placed.push({ event, group: current ?? newGroup(), journaledUnder, rejected });
  }

  // Groups linked to neither side stay with the side their events were journaled under.
  const sideOf = (g: Group, journaledUnder: string): Side => find(g).side ?? sideOfJournal(journaledUnder);
  const unsided = new Map<Group, Side>();
  for (const p of placed) {
    const root = find(p.group);
    if (root.side === undefined && !unsided.has(root)) unsided.set(root, sideOf(root, p.journaledUnder));
  }
  /** A group's side; a group no event placed (never happens for a seed) goes with the survivor. */
  const resolvedSide = (g: Group): Side => {
    const root = find(g);
    return root.side ?? unsided.get(root) ?? 'survivor';
  };
  const bySide: Record<Side, typeof placed> = { restored: [], survivor: [] };
  for (const p of placed) bySide[resolvedSide(p.group)].push(p);

  const record: UnmergeRecord = {
    at: now,
    from: survivor.profileId,
    restored: restoredId,
    merge,
    ...(input.reason === undefined ? {} : { reason: input.reason }),
    events: { from: bySide.survivor.length, restored: bySide.restored.length },
  };
  const seenWindow = new Map([...survivor.seen, ...[...absorbed.values()].flatMap((p) => p.seen)].map(([k, at]) => [k, at] as const));
  const restoredMerges = survivor.merges.filter((m) => m !== merge && subtree.has(m.merged) && m.merged !== restoredId);
  const survivorMerges = survivor.merges.filter((m) => m !== merge && !subtree.has(m.merged));

  const build = (side: Side, base: Profile, merges: readonly MergeRecord[], mergedFrom: string[], other: string): Profile => {
    const mine = bySide[side];
    const linked = mine.map(({ event, rejected }) => {
      if (rejected.length === 0) return event;
      const out = new Set(rejected.map((r) => idKey(r.type, r.value)));
      return { ...event, identifiers: event.identifiers.filter((id) => !out.has(idKey(id.type, id.value))) };
    });
    let profile = applyEvents(base, linked, Math.floor(input.nowMs / 1000), input.traits).profile;
    // Every identifier the side's groups hold, including those it held before the merge.
    profile = withIdentifiers(
      profile,
      [...groups.entries()].filter(([, g]) => resolvedSide(g) === side).map(([key]) => parseIdKey(key)),
      linked,
    );
    profile = recordRejected(
      profile,
      mine.flatMap(({ event, rejected }) => [
        ...(event.rejectedIdentifiers ?? []).map((r) => ({ ...r, messageId: event.messageId, at: event.timestamp })),
        ...rejected,
      ]),
    );
    const keys = new Set(mine.map(({ event }) => messageKey(event.messageId)));
    return input.refresh({
      ...profile,
      version: base.version + 1,
      updatedAt: now,
      merges: [...merges],
      mergedFrom: mergedFrom.sort(),
      unmerges: [...(base.unmerges ?? []), record],
      separatedFrom: [...new Set([...(base.separatedFrom ?? []), other])].sort(),
      seen: [...seenWindow].filter(([k]) => keys.has(k)),
    });
  };
  const fresh = (p: Profile): Profile => {
    // Consent and identifier explanations too are rebuilt from the side's own events: each side gets back the decisions it made and the events that brought its identifiers.
    const { links: _l, mergedInto: _m, segments: _s, aggregates: _a, recheckAt: _r, enriched: _e, rejectedIdentifiers: _ri, consent: _c, scores: _sc, rejectedScores: _rsc, ...rest } = p;
    const empty = emptyProfile(p.profileId, p.createdAt);
    return { ...rest, identifiers: empty.identifiers, traits: empty.traits, computed: empty.computed, channels: empty.channels, seen: [] };
  };
  const restored = build('restored', fresh(restoredDoc), restoredMerges, [...subtree].filter((id) => id !== restoredId), survivor.profileId);
  const rebuiltSurvivor = build(
    'survivor',
    fresh(survivor),
    survivorMerges,
    survivor.mergedFrom.filter((id) => !subtree.has(id)),
    restoredId,
  );
  // Keep the survivor's segment entry times (and the restored profile's, from when it was merged).
  const withSegments = (rebuilt: Profile, before: Profile): Profile =>
    rebuilt.segments === undefined || before.segments === undefined
      ? rebuilt
      : { ...rebuilt, segments: Object.fromEntries(Object.entries(rebuilt.segments).map(([s, at]) => [s, before.segments?.[s] ?? at])) };

  const moves: Array<{ from: string; to: string; events: UnifyEvent[] }> = [];
  const addMove = (from: string, to: string, event: UnifyEvent) => {
    let move = moves.find((m) => m.from === from && m.to === to);
    if (move === undefined) moves.push((move = { from, to, events: [] }));
    move.events.push(event);
  };
  for (const p of bySide.restored) if (sideOfJournal(p.journaledUnder) !== 'restored') addMove(p.journaledUnder, restoredId, p.event);
  for (const p of bySide.survivor) if (sideOfJournal(p.journaledUnder) !== 'survivor') addMove(p.journaledUnder, survivor.profileId, p.event);

  return {
    survivor: withSegments(rebuiltSurvivor, survivor),
    restored: withSegments(restored, { ...restoredDoc, segments: restoredDoc.segments ?? {} }),
    record,
    moves,
  };
}
