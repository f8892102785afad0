/**
 * Unmerge: split a profile that was merged away (`restoredId`) back out of
 * its survivor. Pure: the use case (usecases/unmerge.ts) reads the inputs and
 * writes the result atomically.
 *
 * What it starts from. A profile journals nothing until its first merge; at
 * that merge it journals a base (its doc as it was just before) and from then
 * on every write journals the events it applied (usecases/journal-writes.ts).
 * A merged-away profile's doc is frozen at its merge and stands for all of
 * its events up to then. So the survivor is its base, the docs of the
 * profiles it absorbed directly, and the events journaled after the base.
 * A doc that holds the restored profile (the survivor, and any profile on the
 * way down to the restored one) is opened up the same way, and so is a doc
 * that still holds a profile an earlier unmerge took out of this one.
 *
 * Sides. The restored profile starts from its frozen doc (its state at the
 * merge: identifiers, traits, computed values, aggregates, consent); the
 * survivor from its base, the docs it had absorbed before that merge, and
 * the events journaled before it. Those pre-merge events and docs stay with
 * the side that held them. What came after the merge (docs absorbed later,
 * then journaled events in event-time order) is linked as the real-time
 * resolver does (limits included), but never joining the two sides: an
 * identifier that would join them is rejected on that event, with the
 * reason. What links to neither side stays with the survivor, under which it
 * was journaled or absorbed. Each side is then folded from its docs and
 * events (folds are order-independent, so a base plus later events equals a
 * replay of all of them); both record the unmerge and stay separated from
 * now on.
 *
 * Exactness: the bases, the docs and the distinct journaled events must
 * account for every one of the survivor's events; when journal items are
 * missing (expired by the table's TTL, or a profile older than the journal)
 * the unmerge is refused rather than guessed.
 */
import type { Identifier, UnifyEvent } from '../../../shared/events';
import type { IdentityRules } from './identity-rules';
import { idKey, parseIdKey } from './keys';
import {
  applyEvents,
  emptyProfile,
  mergeProfiles,
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
  /** The profile the entry was journaled under. */
  readonly profileId: string;
  readonly at: string;
  /** The profile's version the entry was written at; a base stands for every entry at or below its own version. */
  readonly version: number;
  readonly events: readonly UnifyEvent[];
  readonly moved?: readonly string[];
  /** The profile as it was before its first merge (at `base.version`). */
  readonly base?: Profile;
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
  /** Computed traits from config, folded over the docs and replayed events. */
  readonly traits?: TraitFold;
}

export interface UnmergeResult {
  readonly survivor: Profile;
  readonly restored: Profile;
  readonly record: UnmergeRecord;
  /** Events now the other side's, by the profile they are journaled under, with the side they moved to. */
  readonly moves: ReadonlyArray<{ readonly from: string; readonly to: string; readonly events: readonly UnifyEvent[] }>;
  /** Docs (as read) of profiles absorbed after the merge that linking gave the restored side: they now redirect to it. */
  readonly rehomed: readonly Profile[];
  /**
   * The base the restored profile journals from now on, when it keeps
   * profiles it absorbed but was rebuilt from its doc rather than from a base
   * of its own: its frozen doc (at that doc's version).
   */
  readonly restoredBase?: Profile;
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

/** A doc that goes whole to one side: a base, or a merged-away profile's frozen doc. */
interface DocUnit {
  readonly doc: Profile;
  /** Set for a merged-away profile's doc: the profile that goes with it (with what it absorbed). */
  readonly absorbedId?: string;
  /** When it was merged (processing time): before the undone merge, it stays with the side that held it. */
  readonly mergedAt?: string;
  readonly fixed?: Side;
}

interface EventUnit {
  readonly event: UnifyEvent;
  readonly journaledUnder: string;
  /** When it was journaled (processing time). */
  readonly at: string;
  readonly fixed?: Side;
}

const identifiersOf = (p: Profile): Identifier[] =>
  Object.entries(p.identifiers).flatMap(([type, values]) => values.map((value) => ({ type, value })));

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

  // The units: each doc that must be opened up gives its base, its direct children and its journaled events.
  const live = new Set(survivor.mergedFrom);
  const journalOf = new Map<string, JournaledEvents[]>();
  for (const e of input.journal) {
    let list = journalOf.get(e.profileId);
    if (list === undefined) journalOf.set(e.profileId, (list = []));
    list.push(e);
  }
  const mergedAt = (id: string): string | undefined =>
    [...survivor.merges].reverse().find((m) => m.merged === id)?.at ?? absorbed.get(id)?.updatedAt;
  /** Profiles a doc absorbed itself rather than through another one it absorbed, among those still merged here. */
  const directChildren = (doc: Profile): string[] => {
    const held = doc.mergedFrom.filter((id) => live.has(id));
    const inner = new Set(held.flatMap((id) => absorbed.get(id)?.mergedFrom ?? []));
    return held.filter((id) => !inner.has(id));
  };
  const mustOpen = (doc: Profile): boolean =>
    doc.profileId === survivor.profileId || doc.mergedFrom.includes(restoredId) || doc.mergedFrom.some((id) => !live.has(id));

  const docs: DocUnit[] = [];
  const events = new Map<string, EventUnit>();
  const reached = new Set<string>();
  let restoredOpened = false;
  const expand = (doc: Profile, side: Side | undefined, at: string | undefined, depth: number): void => {
    if (depth > 64) throw new UnmergeError(`the merges into ${survivor.profileId} nest deeper than 64 levels at ${doc.profileId}`, 'conflict');
    // A profile two docs list (an interrupted merge completed by another) is taken once.
    if (reached.has(doc.profileId)) return;
    reached.add(doc.profileId);
    if (!mustOpen(doc)) {
      docs.push({ doc, absorbedId: doc.profileId, ...(at === undefined ? {} : { mergedAt: at }), ...(side === undefined ? {} : { fixed: side }) });
      return;
    }
    if (doc.profileId === restoredId) restoredOpened = true;
    const entries = journalOf.get(doc.profileId) ?? [];
    const base = latestBase(entries, doc.version);
    const fixedHere = side ?? 'survivor';
    docs.push({ doc: base ?? emptyProfile(doc.profileId, doc.createdAt), fixed: fixedHere });
    const from = base?.version ?? 0;
    const moved = new Set(entries.flatMap((e) => e.moved ?? []));
    for (const entry of entries) {
      if (entry.version <= from) continue;
      for (const event of entry.events) {
        if (moved.has(event.messageId) || events.has(event.messageId)) continue;
        // Journaled before the undone merge: it stays with the side that held it; after it, it is linked.
        const fixed = side ?? (entry.at < merge.at ? 'survivor' : undefined);
        events.set(event.messageId, { event, journaledUnder: doc.profileId, at: entry.at, ...(fixed === undefined ? {} : { fixed }) });
      }
    }
    for (const id of directChildren(doc)) {
      if (id === restoredId) {
        expand(restoredDoc, 'restored', merge.at, depth + 1);
        continue;
      }
      const child = absorbed.get(id);
      if (child === undefined) continue;
      const childAt = mergedAt(id);
      // A doc on the way down to the restored profile is opened with its parts placed by time, like the survivor's.
      const before = childAt !== undefined && childAt < merge.at && !child.mergedFrom.includes(restoredId);
      expand(child, side ?? (before ? 'survivor' : undefined), childAt, depth + 1);
    }
  };
  expand(survivor, undefined, undefined, 0);
  if (!docs.some((d) => d.absorbedId === restoredId) && !restoredOpened) {
    throw new UnmergeError(`the doc of a profile between ${survivor.profileId} and ${restoredId} is missing; the merge cannot be traced`, 'conflict');
  }

  const accounted = docs.reduce((n, d) => n + d.doc.computed.eventCount, 0) + events.size;
  if (accounted !== survivor.computed.eventCount) {
    throw new UnmergeError(
      `the journal holds ${accounted} of profile ${survivor.profileId}'s ${survivor.computed.eventCount} events ` +
        '(counting those its bases and the merged docs stand for); an unmerge needs them all to split this profile exactly',
      'conflict',
    );
  }

  // Identifiers an event carried that were not linked when it was applied (a limit, an earlier unmerge) are not linked now either.
  const notLinked = new Map<string, string>();
  for (const p of [survivor, ...absorbed.values()]) {
    for (const r of p.rejectedIdentifiers ?? []) notLinked.set(`${r.messageId}|${idKey(r.type, r.value)}`, r.reason);
  }
  const priorRejections = (event: UnifyEvent): Array<Identifier & { reason: string }> =>
    notLinked.size === 0
      ? []
      : event.identifiers.flatMap((id) => {
          const reason = notLinked.get(`${event.messageId}|${idKey(id.type, id.value)}`);
          return reason === undefined ? [] : [{ ...id, reason }];
        });
  const linkable = (event: UnifyEvent): readonly Identifier[] => {
    const prior = priorRejections(event);
    if (prior.length === 0) return event.identifiers;
    const out = new Set(prior.map((r) => idKey(r.type, r.value)));
    return event.identifiers.filter((id) => !out.has(idKey(id.type, id.value)));
  };

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
  for (const side of ['restored', 'survivor'] as const) {
    for (const d of docs) if (d.fixed === side) for (const id of identifiersOf(d.doc)) add(sideGroups[side], id);
    for (const e of events.values()) if (e.fixed === side) for (const id of linkable(e.event)) add(sideGroups[side], id);
    if (side === 'survivor' && merge.matchedWith !== undefined) add(sideGroups.survivor, merge.matchedWith);
  }

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

  const separated = `an unmerge separated profile ${restoredId} from ${survivor.profileId}`;
  /** Links identifiers as the resolver would, without joining the sides; the group they end in and those rejected, with the reason. */
  const link = (identifiers: readonly Identifier[]): { group: Group; rejected: Array<Identifier & { reason: string }> } => {
    const ids = [...identifiers].sort(
      (a, b) => rules.priority(a.type) - rules.priority(b.type) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0),
    );
    let current: Group | undefined;
    const rejected: Array<Identifier & { reason: string }> = [];
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
        if (held + 1 > limit) rejected.push({ ...id, reason: `the profile already holds ${limit} ${id.type} value(s), the limit` });
        else add(current, id);
        continue;
      }
      if (current.side !== undefined && other.side !== undefined && current.side !== other.side) {
        rejected.push({ ...id, reason: separated });
        continue;
      }
      const over = overLimit(current, other);
      if (over !== undefined) {
        rejected.push({ ...id, reason: over });
        continue;
      }
      current = union(current, other);
    }
    return { group: current ?? newGroup(), rejected };
  };
  // After the merge: docs absorbed later first (in merge order), then the events, in event-time order.
  const placedDocs = docs.map((unit) => ({ unit, group: unit.fixed === undefined ? undefined : sideGroups[unit.fixed] }));
  const laterDocs = placedDocs
    .filter((p) => p.group === undefined)
    .sort((a, b) => ((a.unit.mergedAt ?? '') < (b.unit.mergedAt ?? '') ? -1 : (a.unit.mergedAt ?? '') > (b.unit.mergedAt ?? '') ? 1 : 0));
  for (const p of laterDocs) p.group = link(identifiersOf(p.unit.doc)).group;
  const ordered = [...events.values()].sort(
    (x, y) => x.event.ts - y.event.ts || (x.event.messageId < y.event.messageId ? -1 : x.event.messageId > y.event.messageId ? 1 : 0),
  );
  const placed = ordered.map((unit) => {
    const prior = priorRejections(unit.event);
    if (unit.fixed !== undefined) return { unit, group: sideGroups[unit.fixed], rejected: prior };
    const linked = link(linkable(unit.event));
    return { unit, group: linked.group, rejected: [...prior, ...linked.rejected] };
  });

  /** A group's side; one linked to neither side stays with the survivor. */
  const sideOf = (g: Group): Side => find(g).side ?? 'survivor';
  const held: Record<Side, Set<string>> = { restored: new Set(), survivor: new Set() };
  for (const [key, g] of groups) held[sideOf(g)].add(key);

  const docsOf = (side: Side) => placedDocs.filter((p) => sideOf(p.group as Group) === side).map((p) => p.unit);
  const eventsOf = (side: Side) => placed.filter((p) => sideOf(p.group) === side);

  // Profiles that go with the restored side: the restored one, what its doc holds, and later-absorbed docs linked to it.
  const restoredIds = new Set<string>([restoredId, ...restoredDoc.mergedFrom.filter((id) => live.has(id))]);
  const rehomed: Profile[] = [];
  for (const d of docsOf('restored')) {
    if (d.absorbedId === undefined || d.absorbedId === restoredId || restoredIds.has(d.absorbedId)) continue;
    const doc = absorbed.get(d.absorbedId);
    if (doc === undefined) continue;
    rehomed.push(doc);
    restoredIds.add(d.absorbedId);
    for (const id of doc.mergedFrom) if (live.has(id)) restoredIds.add(id);
  }

  const seenWindow = new Map(
    [...docs.map((d) => d.doc), survivor, ...absorbed.values()].flatMap((p) => p.seen).map(([k, at]) => [k, at] as const),
  );
  const restoredMerges = survivor.merges.filter((m) => m !== merge && restoredIds.has(m.merged) && m.merged !== restoredId);
  const survivorMerges = survivor.merges.filter((m) => m !== merge && !restoredIds.has(m.merged));

  const build = (side: Side, current: Profile, merges: readonly MergeRecord[], mergedFrom: string[], other: string, record: UnmergeRecord): Profile => {
    const mine = held[side];
    const keep = (p: Profile): Profile => {
      const { segments: _s, enriched: _e, recheckAt: _r, mergedInto: _m, ...rest } = p;
      const identifiers = Object.fromEntries(
        Object.entries(p.identifiers)
          .map(([type, values]) => [type, values.filter((v) => mine.has(idKey(type, v)))] as const)
          .filter(([, values]) => values.length > 0),
      );
      const links = p.links === undefined ? undefined : Object.fromEntries(Object.entries(p.links).filter(([key]) => mine.has(key)));
      const { links: _l, ...withoutLinks } = rest;
      return { ...withoutLinks, identifiers, ...(links === undefined ? {} : { links }) };
    };
    const sideDocs = docsOf(side);
    // The side's own doc (its base or its frozen doc) comes first: the profile keeps its id and creation time.
    const primaryIndex = Math.max(
      0,
      sideDocs.findIndex((d) => d.doc.profileId === current.profileId),
    );
    const primary = sideDocs[primaryIndex]?.doc ?? emptyProfile(current.profileId, current.createdAt);
    let profile: Profile = { ...keep(primary), profileId: current.profileId };
    const foldRecord: MergeRecord = { at: now, survivor: current.profileId, merged: current.profileId, rule: 'resumed' };
    sideDocs.forEach((d, i) => {
      if (i !== primaryIndex) profile = mergeProfiles(profile, keep(d.doc), foldRecord, input.traits);
    });
    const mineEvents = eventsOf(side);
    const rejectedLinks: RejectedLink[] = [];
    const linked = mineEvents.map(({ unit, rejected }) => {
      const event = unit.event;
      const out = new Map(rejected.map((r) => [idKey(r.type, r.value), r.reason]));
      for (const id of event.identifiers) {
        const key = idKey(id.type, id.value);
        if (!mine.has(key) && !out.has(key)) out.set(key, separated);
      }
      for (const r of event.rejectedIdentifiers ?? []) rejectedLinks.push({ ...r, messageId: event.messageId, at: event.timestamp });
      for (const [key, reason] of out) rejectedLinks.push({ ...parseIdKey(key), reason, messageId: event.messageId, at: event.timestamp });
      if (out.size === 0) return event;
      return { ...event, identifiers: event.identifiers.filter((id) => !out.has(idKey(id.type, id.value))) };
    });
    // The docs' de-duplication windows are not the events' to be checked against: each journaled event counts once.
    profile = applyEvents({ ...profile, seen: [] }, linked, Math.floor(input.nowMs / 1000), input.traits).profile;
    profile = withIdentifiers(profile, [...mine].map(parseIdKey), linked);
    profile = recordRejected(profile, rejectedLinks);
    const keys = new Set([...sideDocs.flatMap((d) => d.doc.seen.map(([k]) => k)), ...mineEvents.map(({ unit }) => messageKey(unit.event.messageId))]);
    return input.refresh({
      ...profile,
      version: current.version + 1,
      updatedAt: now,
      merges: [...merges],
      mergedFrom: mergedFrom.sort(),
      unmerges: [...(current.unmerges ?? []), record],
      separatedFrom: [...new Set([...(current.separatedFrom ?? []), other])].sort(),
      seen: [...seenWindow].filter(([k]) => keys.has(k)),
    });
  };
  const draftRecord: UnmergeRecord = {
    at: now,
    from: survivor.profileId,
    restored: restoredId,
    merge,
    ...(input.reason === undefined ? {} : { reason: input.reason }),
    events: { from: 0, restored: 0 },
  };
  const restoredMergedFrom = [...restoredIds].filter((id) => id !== restoredId);
  const first = {
    restored: build('restored', restoredDoc, restoredMerges, restoredMergedFrom, survivor.profileId, draftRecord),
    survivor: build('survivor', survivor, survivorMerges, survivor.mergedFrom.filter((id) => !restoredIds.has(id)), restoredId, draftRecord),
  };
  // Events each side now holds, those its docs stand for included.
  const record: UnmergeRecord = { ...draftRecord, events: { from: first.survivor.computed.eventCount, restored: first.restored.computed.eventCount } };
  const withRecord = (p: Profile): Profile => ({ ...p, unmerges: [...(p.unmerges ?? []).slice(0, -1), record] });
  // Keep the survivor's segment entry times (and the restored profile's, from when it was merged).
  const withSegments = (rebuilt: Profile, before: Profile): Profile =>
    rebuilt.segments === undefined || before.segments === undefined
      ? rebuilt
      : { ...rebuilt, segments: Object.fromEntries(Object.entries(rebuilt.segments).map(([s, at]) => [s, before.segments?.[s] ?? at])) };

  const moves: Array<{ from: string; to: string; events: UnifyEvent[] }> = [];
  for (const p of eventsOf('restored')) {
    if (p.unit.fixed === 'restored') continue;
    const from = p.unit.journaledUnder;
    let move = moves.find((m) => m.from === from);
    if (move === undefined) moves.push((move = { from, to: restoredId, events: [] }));
    move.events.push(p.unit.event);
  }

  return {
    survivor: withSegments(withRecord(first.survivor), survivor),
    restored: withSegments(withRecord(first.restored), { ...restoredDoc, segments: restoredDoc.segments ?? {} }),
    record,
    moves,
    rehomed,
    ...(restoredMergedFrom.length > 0 && !restoredOpened ? { restoredBase: restoredDoc } : {}),
  };
}

/** The latest base among a profile's entries that is older than its doc (a base at or past it would be a lost write's). */
function latestBase(entries: readonly JournaledEvents[], docVersion: number): Profile | undefined {
  let best: Profile | undefined;
  for (const e of entries) {
    if (e.base !== undefined && e.base.version < docVersion && (best === undefined || e.base.version > best.version)) best = e.base;
  }
  return best;
}
