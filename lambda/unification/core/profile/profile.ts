/**
 * The unified profile and the pure functions that build it. A profile is a
 * fold over its events that does not depend on their order: traits are
 * last-write-wins by event time (ties broken by messageId), counters are
 * integer sums, first/last seen are min/max, consent is a bounded history
 * whose latest decision by event time is the state (./consent.ts), scores
 * keep the latest per model by scoring time (./scores.ts). Merging
 * two profiles is the same fold over the union of their events, so nothing
 * is lost or counted twice.
 */
import { hash } from 'node:crypto';
import { foldAggregates, mergeAggregateStates } from '../traits/fold';
import type { CompiledComputedTraits } from '../traits/model';
import type { ConsentDecision, Identifier, RejectedIdentifier, UnifyEvent } from '../../../shared/events';
import { addDecisions, mergeConsent, type ConsentHistory } from './consent';
import { mergeLinks, recordLinks, withEventLinks, type IdentifierLinks, type LinkingEvent } from './provenance';
import {
  addRejectedScores,
  addScores,
  isScoreEvent,
  mergeScores,
  readScore,
  type ProfileScore,
  type ProfileScores,
  type RejectedScore,
} from './scores';
import type { ScoreModel } from '../../../config/activation';

/** Computed traits from config, and the processing time their windows are relative to. */
export interface TraitFold {
  readonly compiled: CompiledComputedTraits;
  readonly nowMs: number;
}

export interface TraitValue {
  /** The value. */
  readonly v: unknown;
  /** Event time (epoch ms) of the event that set it. */
  readonly t: number;
  /** messageId of that event: the tie-breaker for equal times. */
  readonly m: string;
}

export interface Computed {
  readonly eventCount: number;
  /** Event times, epoch ms; null on a profile with no events yet. */
  readonly firstSeen: number | null;
  readonly lastSeen: number | null;
  readonly orderCount: number;
  /** Sum of `Order Completed` revenue, in ten-thousandths (see REVENUE_SCALE). */
  readonly revenue: number;
}

export interface MergeRecord {
  /** When the merge was made (processing time, ISO-8601). */
  readonly at: string;
  readonly survivor: string;
  readonly merged: string;
  /**
   * Why: `identifier` (held by the merged profile) and `matchedWith` (held by
   * the survivor's side) arrived together in one event, `messageId`.
   * A `resumed` merge completes one that an interrupted write left half done.
   * A `placeholder` absorbs an id that never held data: two writers raced to
   * create the profile for `identifier`, and the loser's id only redirects.
   */
  readonly rule: 'shared-identifier' | 'resumed' | 'matched' | 'placeholder';
  readonly identifier?: Identifier;
  readonly matchedWith?: Identifier;
  readonly messageId?: string;
  /** A `matched` merge: the batch matcher's match group, and the matching rule that made it when known. */
  readonly matchId?: string;
  readonly matchRule?: string;
}

/** An unmerge: `restored` was split back out of `from`, undoing `merge`. */
export interface UnmergeRecord {
  readonly at: string;
  readonly from: string;
  readonly restored: string;
  readonly merge: MergeRecord;
  readonly reason?: string;
  /** Events each side kept after the replay. */
  readonly events: { readonly from: number; readonly restored: number };
}

export interface Profile {
  readonly profileId: string;
  /** Optimistic-concurrency version: every write is conditional on it. */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Identifier type → normalised values, sorted. */
  readonly identifiers: Readonly<Record<string, readonly string[]>>;
  readonly traits: Readonly<Record<string, TraitValue>>;
  readonly computed: Computed;
  /** Events per `context.channel` (web, mobile, store, crm, ...). */
  readonly channels: Readonly<Record<string, number>>;
  /** Merges into this profile, oldest first, including those of the profiles it absorbed. */
  readonly merges: readonly MergeRecord[];
  /** Every profile id this one absorbed, directly or through another merge, sorted. */
  readonly mergedFrom: readonly string[];
  /**
   * Identifiers events carried that were not linked to this profile (blocked
   * values, or links that would have broken a limit), with the reason; the
   * most recent MAX_REJECTED by event time.
   */
  readonly rejectedIdentifiers?: readonly RejectedLink[];
  /** Attributes derived by the enrichers from the current traits (./enrich.ts). */
  readonly enriched?: Readonly<Record<string, unknown>>;
  /** Set once this profile has been merged into another: it then only redirects. */
  readonly mergedInto?: string;
  /**
   * De-duplication window: [message key, arrival time (epoch s)] of recently
   * applied events. A list, not an object keyed by message: every key is
   * unique, and objects with ever-new property names are slow in V8.
   */
  readonly seen: ReadonlyArray<readonly [string, number]>;
  /** Unmerges that split this profile from another, oldest first. */
  readonly unmerges?: readonly UnmergeRecord[];
  /** Profiles an unmerge separated from this one: they are never linked again, whatever identifiers they share. */
  readonly separatedFrom?: readonly string[];
  /** Segments the profile is in: segment name → when it entered (ISO-8601). */
  readonly segments?: Readonly<Record<string, string>>;
  /** State of each computed trait from config (core/traits/), by trait name. */
  readonly aggregates?: Readonly<Record<string, unknown>>;
  /** Epoch ms when time alone may change a segment or a windowed computed trait: the scheduled re-check picks it up. */
  readonly recheckAt?: number;
  /** Consent decisions per purpose, oldest first; the latest is the current state (./consent.ts). */
  readonly consent?: ConsentHistory;
  /** Propensity scores: model → the score of the latest scoring (./scores.ts). */
  readonly scores?: ProfileScores;
  /** Score events that changed no score (malformed properties), with the reason; the most recent MAX_REJECTED_SCORES. */
  readonly rejectedScores?: readonly RejectedScore[];
  /** Per identifier key, the earliest event that carried it (./provenance.ts); one held without an entry is unrecorded. */
  readonly links?: IdentifierLinks;
  /**
   * How many entries each capped list no longer holds (the oldest go first):
   * merges beyond MAX_MERGE_RECORDS, rejected identifiers beyond MAX_REJECTED,
   * rejected score events beyond MAX_REJECTED_SCORES. Absent while nothing was dropped.
   */
  readonly dropped?: Dropped;
}

/** Entries dropped from the capped lists of a profile, per list. */
export type Dropped = Readonly<Partial<Record<'merges' | 'rejectedIdentifiers' | 'rejectedScores', number>>>;

/** How many merge records a profile keeps (the most recent); the rest are counted in `dropped.merges`. */
export const MAX_MERGE_RECORDS = 200;

/** Sums counts of dropped entries (absent counts are zero; the result is absent when all are). */
function addDropped(...counts: ReadonlyArray<Dropped | undefined>): Dropped | undefined {
  const out: Record<string, number> = {};
  for (const c of counts) for (const [list, n] of Object.entries(c ?? {})) if (n !== undefined && n > 0) out[list] = (out[list] ?? 0) + n;
  return Object.keys(out).length === 0 ? undefined : out;
}

/** The profile with `n` more entries of `list` dropped. */
function withDropped(profile: Profile, list: keyof Dropped, n: number): Profile {
  return n <= 0 ? profile : { ...profile, dropped: addDropped(profile.dropped, { [list]: n }) };
}

/** The most recent MAX_MERGE_RECORDS of merges sorted oldest first, and how many older ones were left out. */
function capMerges(merges: MergeRecord[]): { merges: MergeRecord[]; dropped: number } {
  const dropped = Math.max(0, merges.length - MAX_MERGE_RECORDS);
  return { merges: dropped === 0 ? merges : merges.slice(dropped), dropped };
}

export interface RejectedLink extends RejectedIdentifier {
  readonly messageId: string;
  /** Event time of the event that carried it. */
  readonly at: string;
}

/** How many rejected identifiers a profile keeps. */
export const MAX_REJECTED = 100;

/** Adds rejected identifiers, keeping the most recent MAX_REJECTED by event time (order-independent). */
export function recordRejected(profile: Profile, rejected: readonly RejectedLink[]): Profile {
  if (rejected.length === 0) return profile;
  const key = (r: RejectedLink) => `${r.at}|${r.messageId}|${r.type}|${r.value}`;
  const all = new Map([...(profile.rejectedIdentifiers ?? []), ...rejected].map((r) => [key(r), r]));
  const sorted = [...all.values()].sort((a, b) => (key(a) < key(b) ? -1 : 1));
  const kept = sorted.slice(-MAX_REJECTED);
  return withDropped({ ...profile, rejectedIdentifiers: kept }, 'rejectedIdentifiers', sorted.length - kept.length);
}

/** How many recent message keys a profile keeps for de-duplication. */
export const MAX_SEEN = 5000;

export function emptyProfile(profileId: string, now: string): Profile {
  return {
    profileId,
    version: 0,
    createdAt: now,
    updatedAt: now,
    identifiers: {},
    traits: {},
    computed: { eventCount: 0, firstSeen: null, lastSeen: null, orderCount: 0, revenue: 0 },
    channels: {},
    merges: [],
    mergedFrom: [],
    seen: [],
  };
}

/** The de-duplication key of a messageId: 72 bits, so a collision among one profile's recent events is practically impossible. */
export function messageKey(messageId: string): string {
  // crypto.hash: a one-shot digest, three times cheaper per event than a Hash object.
  return hash('sha1', messageId, 'base64url').slice(0, 12);
}

function newer(a: TraitValue, b: TraitValue): boolean {
  return a.t !== b.t ? a.t > b.t : a.m > b.m;
}

function addIdentifiers(
  into: Record<string, readonly string[]>,
  identifiers: Iterable<Identifier>,
): Record<string, readonly string[]> {
  const out: Record<string, readonly string[]> = { ...into };
  for (const { type, value } of identifiers) {
    const values = out[type] ?? [];
    if (!values.includes(value)) out[type] = [...values, value].sort();
  }
  return out;
}

function minOrNull(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}
function maxOrNull(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Applies events to a profile, skipping those already applied within the
 * de-duplication window (and repeats within `events`). Copies the profile
 * once, however many events there are. When nothing is new, the same profile
 * object comes back.
 */
export function applyEvents<E extends UnifyEvent>(
  profile: Profile,
  events: readonly E[],
  arrivalSeconds: number,
  traits?: TraitFold,
): { profile: Profile; applied: E[]; duplicates: E[] } {
  const applied: E[] = [];
  const duplicates: E[] = [];
  let seenKeys: Set<string> | undefined;
  let decisions: ConsentDecision[] | undefined;
  let scored: Array<{ model: ScoreModel; score: ProfileScore }> | undefined;
  let badScores: RejectedScore[] | undefined;
  let draft:
    | (Omit<Profile, 'traits' | 'channels' | 'seen' | 'computed' | 'identifiers' | 'aggregates' | 'consent' | 'scores' | 'rejectedScores' | 'dropped'> & {
        aggregates?: Readonly<Record<string, unknown>>;
        dropped?: Dropped;
        consent?: ConsentHistory;
        scores?: ProfileScores;
        rejectedScores?: readonly RejectedScore[];
        traits: Record<string, TraitValue>;
        channels: Record<string, number>;
        seen: Array<readonly [string, number]>;
        computed: Mutable<Computed>;
        identifiers: Record<string, readonly string[]>;
      })
    | undefined;
  for (const event of events) {
    const key = messageKey(event.messageId);
    // Most profiles have a short window: scanning it beats building a set.
    const window = (draft ?? profile).seen;
    if (seenKeys === undefined && window.length > 32) seenKeys = new Set(window.map(([k]) => k));
    const isDuplicate = seenKeys !== undefined ? seenKeys.has(key) : window.some(([k]) => k === key);
    if (isDuplicate) {
      duplicates.push(event);
      continue;
    }
    seenKeys?.add(key);
    draft ??= {
      ...profile,
      traits: { ...profile.traits },
      channels: { ...profile.channels },
      seen: [...profile.seen],
      computed: { ...profile.computed },
      identifiers: { ...profile.identifiers },
    };
    applied.push(event);
    draft.seen.push([key, arrivalSeconds]);
    for (const [name, v] of Object.entries(event.traits)) {
      const candidate: TraitValue = { v, t: event.ts, m: event.messageId };
      const current = draft.traits[name];
      if (current === undefined || newer(candidate, current)) draft.traits[name] = candidate;
    }
    for (const { type, value } of event.identifiers) {
      const values = draft.identifiers[type] ?? [];
      if (!values.includes(value)) draft.identifiers[type] = [...values, value].sort();
    }
    if (event.channel !== undefined) draft.channels[event.channel] = (draft.channels[event.channel] ?? 0) + 1;
    if (event.consent !== undefined && event.consent.length > 0) (decisions ??= []).push(...event.consent);
    if (isScoreEvent(event)) {
      const read = readScore(event);
      if ('rejected' in read) (badScores ??= []).push(read.rejected);
      else (scored ??= []).push(read);
    }
    const c = draft.computed;
    const isOrder = event.type === 'track' && event.name === 'Order Completed';
    c.eventCount += 1;
    c.firstSeen = minOrNull(c.firstSeen, event.ts);
    c.lastSeen = maxOrNull(c.lastSeen, event.ts);
    if (isOrder) {
      c.orderCount += 1;
      c.revenue += event.revenue ?? 0;
    }
  }
  if (draft !== undefined && decisions !== undefined) draft.consent = addDecisions(profile.consent, decisions);
  if (draft !== undefined && scored !== undefined) draft.scores = addScores(profile.scores, scored);
  if (draft !== undefined && badScores !== undefined) {
    const kept = addRejectedScores(profile.rejectedScores, badScores) ?? [];
    draft.rejectedScores = kept;
    const dropped = addDropped(profile.dropped, { rejectedScores: (profile.rejectedScores?.length ?? 0) + badScores.length - kept.length });
    if (dropped !== undefined) draft.dropped = dropped;
  }
  if (draft !== undefined && traits !== undefined && traits.compiled.traits.length > 0) {
    draft.aggregates = foldAggregates(traits.compiled, profile.aggregates, applied, traits.nowMs);
  }
  return { profile: draft === undefined ? profile : withEventLinks(draft, profile.identifiers, applied), applied, duplicates };
}

/** Applies one event (see applyEvents). */
export function applyEvent(profile: Profile, event: UnifyEvent, arrivalSeconds: number): Profile {
  return applyEvents(profile, [event], arrivalSeconds).profile;
}

/**
 * Adds an identifier the profile now owns (e.g. an alias's previous id),
 * explained by the earliest of `sources` that carried it (unrecorded when none did).
 */
export function withIdentifiers(profile: Profile, identifiers: Iterable<Identifier>, sources: readonly LinkingEvent[] = []): Profile {
  const added = addIdentifiers(profile.identifiers, identifiers);
  const links = recordLinks(profile.links, profile.identifiers, added, sources);
  return { ...profile, identifiers: added, ...(links === undefined ? {} : { links }) };
}

function flatten(identifiers: Readonly<Record<string, readonly string[]>>): Identifier[] {
  return Object.entries(identifiers).flatMap(([type, values]) => values.map((value) => ({ type, value })));
}

/**
 * Folds `loser` into `survivor`: the union of both sides' events. The caller
 * marks the loser with `mergedInto` separately (see markMerged).
 */
export function mergeProfiles(survivor: Profile, loser: Profile, record: MergeRecord, fold?: TraitFold): Profile {
  const traits: Record<string, TraitValue> = { ...survivor.traits };
  for (const [name, tv] of Object.entries(loser.traits)) {
    const current = traits[name];
    if (current === undefined || newer(tv, current)) traits[name] = tv;
  }
  const channels: Record<string, number> = { ...survivor.channels };
  for (const [name, n] of Object.entries(loser.channels)) channels[name] = (channels[name] ?? 0) + n;
  const a = survivor.computed;
  const b = loser.computed;
  const capped = capMerges(
    [...survivor.merges, ...loser.merges, record].sort((x, y) => (x.at !== y.at ? (x.at < y.at ? -1 : 1) : x.merged < y.merged ? -1 : 1)),
  );
  const merges = capped.merges;
  const rejected =
    survivor.rejectedIdentifiers === undefined && loser.rejectedIdentifiers === undefined
      ? undefined
      : recordRejected(survivor, loser.rejectedIdentifiers ?? []);
  const rejectedScores =
    survivor.rejectedScores === undefined && loser.rejectedScores === undefined
      ? undefined
      : addRejectedScores(survivor.rejectedScores, loser.rejectedScores ?? []);
  const scoresDropped = (survivor.rejectedScores?.length ?? 0) + (loser.rejectedScores?.length ?? 0) - (rejectedScores?.length ?? 0);
  // The survivor's own counts are in `rejected.dropped` when it was recomputed, else added here.
  const dropped = addDropped(rejected === undefined ? survivor.dropped : rejected.dropped, loser.dropped, {
    merges: capped.dropped,
    rejectedScores: scoresDropped,
  });
  return {
    ...survivor,
    identifiers: addIdentifiers(survivor.identifiers, flatten(loser.identifiers)),
    ...(survivor.links === undefined && loser.links === undefined ? {} : { links: mergeLinks(survivor, loser) ?? {} }),
    traits,
    computed: {
      eventCount: a.eventCount + b.eventCount,
      firstSeen: minOrNull(a.firstSeen, b.firstSeen),
      lastSeen: maxOrNull(a.lastSeen, b.lastSeen),
      orderCount: a.orderCount + b.orderCount,
      revenue: a.revenue + b.revenue,
    },
    channels,
    merges,
    ...(rejected === undefined ? {} : { rejectedIdentifiers: rejected.rejectedIdentifiers }),
    ...(dropped === undefined ? {} : { dropped }),
    mergedFrom: [...new Set([...survivor.mergedFrom, ...loser.mergedFrom, loser.profileId])].sort(),
    ...(fold === undefined || (survivor.aggregates === undefined && loser.aggregates === undefined)
      ? {}
      : { aggregates: mergeAggregateStates(fold.compiled, survivor.aggregates, loser.aggregates, fold.nowMs) }),
    ...(survivor.separatedFrom === undefined && loser.separatedFrom === undefined
      ? {}
      : { separatedFrom: [...new Set([...(survivor.separatedFrom ?? []), ...(loser.separatedFrom ?? [])])].sort() }),
    ...(survivor.unmerges === undefined && loser.unmerges === undefined
      ? {}
      : { unmerges: [...(survivor.unmerges ?? []), ...(loser.unmerges ?? [])].sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0)) }),
    ...(survivor.consent === undefined && loser.consent === undefined ? {} : { consent: mergeConsent(survivor.consent, loser.consent) }),
    ...(survivor.scores === undefined && loser.scores === undefined ? {} : { scores: mergeScores(survivor.scores, loser.scores) }),
    ...(rejectedScores === undefined ? {} : { rejectedScores }),
    seen: unionSeen(survivor.seen, loser.seen),
    createdAt: survivor.createdAt < loser.createdAt ? survivor.createdAt : loser.createdAt,
  };
}

/** Adds ids to the profiles this one absorbed, with the records that explain them. */
export function withMergedFrom(profile: Profile, ids: readonly string[], records: readonly MergeRecord[] = []): Profile {
  const mergedFrom = [...new Set([...profile.mergedFrom, ...ids])].sort();
  if (records.length === 0) return { ...profile, mergedFrom };
  const capped = capMerges([...profile.merges, ...records]);
  return withDropped({ ...profile, mergedFrom, merges: capped.merges }, 'merges', capped.dropped);
}

/** A profile that never held anything: a placeholder id that only redirects. */
export function isTombstone(p: Profile): boolean {
  return p.computed.eventCount === 0 && Object.keys(p.identifiers).length === 0 && p.mergedFrom.length === 0;
}

/** The loser's side of a merge: from now on it only redirects to the survivor. */
export function markMerged(loser: Profile, survivorId: string, now: string): Profile {
  // A new version, so that a writer still holding the old one cannot overwrite the mark.
  return { ...loser, mergedInto: survivorId, updatedAt: now, version: loser.version + 1 };
}

function unionSeen(
  a: ReadonlyArray<readonly [string, number]>,
  b: ReadonlyArray<readonly [string, number]>,
): Array<readonly [string, number]> {
  const keys = new Set(a.map(([k]) => k));
  return [...a, ...b.filter(([k]) => !keys.has(k))];
}

/** Drops de-duplication keys older than the window, and the oldest beyond MAX_SEEN. */
export function pruneSeen(
  seen: ReadonlyArray<readonly [string, number]>,
  nowSeconds: number,
  windowSeconds: number,
): ReadonlyArray<readonly [string, number]> {
  const cutoff = nowSeconds - windowSeconds;
  if (seen.length <= MAX_SEEN && seen.every(([, at]) => at > cutoff)) return seen;
  const fresh = seen.filter(([, at]) => at > cutoff);
  if (fresh.length > MAX_SEEN) fresh.sort((x, y) => y[1] - x[1]).splice(MAX_SEEN);
  return fresh;
}
