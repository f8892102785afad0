/**
 * One component's writes: pick the survivor, absorb what joined it (resumed
 * merges, merged-away losers, ghosts), apply its events, and list the marks,
 * claims and survivor write that make it so.
 */
import type { Identifier, RejectedIdentifier, UnifyEvent } from '../../../shared/events';
import { refreshProfile } from '../profile/derive';
import {
  applyEvents,
  emptyProfile,
  isTombstone,
  markMerged,
  mergeProfiles,
  pruneSeen,
  recordRejected,
  withIdentifiers,
  withMergedFrom,
  type MergeRecord,
  type Profile,
  type RejectedLink,
  type TraitFold,
} from '../profile/profile';
import type { Group } from './groups';
import { idKey, parseIdKey } from './keys';
import { mergeReason } from './merge-reason';
import type { Claim, ComponentPlan, Oversize, PlanInput, VersionedWrite } from './plan-types';
import { profileOverBudget } from '../profile/size-budget';

/** What every component of a batch is planned against. */
export interface BatchContext<E extends UnifyEvent> {
  readonly input: PlanInput<E>;
  /** The plan's time (from the input): ISO for records, whole seconds for deduplication. */
  readonly now: string;
  readonly nowSeconds: number;
  /** Identifiers each event carried that were not linked, by messageId. */
  readonly rejectedByEvent: ReadonlyMap<string, readonly RejectedIdentifier[]>;
}

/** One component's survivor as it is built, step by step. */
interface Draft {
  readonly survivorId: string;
  state: Profile;
  /** Whether the survivor must be written; false only for a pure replay. */
  changed: boolean;
  readonly merges: MergeRecord[];
  readonly marks: VersionedWrite[];
  /** Profiles whose data the survivor took in: their identifiers are repointed to it. */
  readonly absorbed: Profile[];
}

/** The step's fixed inputs: the component, the batch, and the computed traits to fold merges and events with. */
interface Step<E extends UnifyEvent> extends BatchContext<E> {
  readonly g: Group<E>;
  readonly fold: TraitFold | undefined;
}

export function planComponent<E extends UnifyEvent>(g: Group<E>, batch: BatchContext<E>): ComponentPlan<E> {
  const { input, now } = batch;
  const live = [...g.real].map((id) => input.profiles.get(id) as Profile).sort(byAge);
  const ghosts = [...g.ghosts].sort();
  // The oldest live profile survives; with none, a ghost's id is taken over, else a new id.
  const survivorBefore = live[0];
  const survivorId = survivorBefore?.profileId ?? ghosts[0] ?? input.newProfileId();
  const draft: Draft = {
    survivorId,
    state: survivorBefore ?? emptyProfile(survivorId, now),
    changed: survivorBefore === undefined,
    merges: [],
    marks: [],
    absorbed: [],
  };
  const step: Step<E> = {
    ...batch,
    g,
    fold: input.derivations === undefined ? undefined : { compiled: input.derivations.computedTraits, nowMs: input.nowMs },
  };

  resumePendingMerges(step, draft, live);
  mergeLosers(step, draft, live.slice(1));
  tombstoneGhosts(step, draft, ghosts);
  // The survivor after its merges, before its events: only events replace `state` from here on.
  const merged = { state: draft.state, changed: draft.changed };
  const { applied, duplicates } = applyComponentEvents(step, draft);
  const claims = claimIdentifiers(step, draft);
  const survivor = survivorWrite(step, draft, survivorBefore);
  const overBudget = survivor === undefined ? undefined : profileOverBudget(survivor.profile);
  if (overBudget !== undefined) {
    return { profileId: survivorId, events: g.events, applied: [], duplicates: [], marks: [], claims: [], merges: [], oversize: oversize(step, { ...draft, ...merged }, survivorBefore, overBudget) };
  }
  return {
    profileId: survivorId,
    events: g.events,
    applied,
    duplicates,
    marks: draft.marks,
    claims,
    ...(survivor === undefined ? {} : { survivor }),
    ...(survivorBefore === undefined ? {} : { before: survivorBefore }),
    merges: draft.merges,
  };
}

/**
 * What to leave out of a component whose survivor would break the size
 * budget (core/profile/size-budget.ts), each with the reason: when its
 * merges alone break it, the events and match groups that caused them; else
 * the events that, applied in event-time order, would each take the profile
 * over it. The planner re-plans the batch without them.
 */
function oversize<E extends UnifyEvent>(step: Step<E>, base: Draft, before: Profile | undefined, overall: string): Oversize<E> {
  const mergedOnly = survivorWrite(step, { ...base, changed: true }, before);
  const mergeBreaks = mergedOnly === undefined ? undefined : profileOverBudget(mergedOnly.profile);
  if (mergeBreaks !== undefined) {
    const causes = new Set(base.merges.flatMap((m) => (m.messageId === undefined ? [] : [m.messageId])));
    const matchIds = [...new Set(base.merges.flatMap((m) => (m.matchId === undefined ? [] : [m.matchId])))];
    const events = step.g.events.filter((e) => causes.has(e.messageId));
    if (events.length > 0 || matchIds.length > 0) {
      const reason = `${mergeBreaks}; the merge of ${base.merges.map((m) => m.merged).join(', ')} into ${base.survivorId} is not made`;
      return { events: events.map((event) => ({ event, reason })), matchIds: matchIds.map((matchId) => ({ matchId, reason })) };
    }
  }
  // Greedy in event-time order: each event is kept if the profile with it still fits.
  const ordered = [...step.g.events].sort((a, b) => (a.ts !== b.ts ? a.ts - b.ts : a.messageId < b.messageId ? -1 : 1));
  const out: Array<{ event: E; reason: string }> = [];
  let current: Draft = base;
  for (const event of ordered) {
    const trial: Draft = { ...current, merges: [...current.merges], marks: [...current.marks], absorbed: [...current.absorbed] };
    applyComponentEvents(step, trial, [event]);
    const write = survivorWrite(step, { ...trial, changed: true }, before);
    const breaks = write === undefined ? undefined : profileOverBudget(write.profile);
    if (breaks === undefined) current = trial;
    else out.push({ event, reason: breaks });
  }
  // Nothing single broke it (the identifiers claimed beside the events did): leave out the latest event.
  if (out.length === 0 && ordered.length > 0) out.push({ event: ordered[ordered.length - 1] as E, reason: overall });
  return { events: out, matchIds: [] };
}

function byAge(a: Profile, b: Profile): number {
  return a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? -1 : 1) : a.profileId < b.profileId ? -1 : 1;
}

/** Why a placeholder id is absorbed: the identifier that pointed at it. */
function placeholderRecord<E extends UnifyEvent>(step: Step<E>, survivorId: string, id: string): MergeRecord {
  const { g, input, now } = step;
  const key = [...g.keys, ...g.owned].sort().find((k) => input.owners.get(k) === id);
  return { at: now, survivor: survivorId, merged: id, rule: 'placeholder', ...(key === undefined ? {} : { identifier: parseIdKey(key) }) };
}

/**
 * Completes merges a crash interrupted: a pending profile (marked, but not
 * yet absorbed by its survivor) is absorbed now. One that another profile in
 * this component absorbed before being frozen comes in with it: absorbing it
 * on its own as well would count its events twice. (The survivor's own
 * mergedFrom is among those, so what it already holds is skipped too.)
 */
function resumePendingMerges<E extends UnifyEvent>(step: Step<E>, draft: Draft, live: readonly Profile[]): void {
  const { g, input, now, fold } = step;
  const { profiles } = input;
  const pending = [...g.pending].sort();
  const inside =
    pending.length === 0 ? new Set<string>() : new Set([...live, ...pending.map((id) => profiles.get(id))].flatMap((p) => p?.mergedFrom ?? []));
  for (const id of pending) {
    const p = profiles.get(id);
    if (p === undefined || inside.has(id) || id === draft.survivorId) continue;
    draft.changed = true;
    if (isTombstone(p)) {
      // A placeholder left by a race, never holding data.
      draft.state = withMergedFrom(draft.state, [id], [placeholderRecord(step, draft.survivorId, id)]);
      continue;
    }
    const record: MergeRecord = { at: now, survivor: draft.survivorId, merged: id, rule: 'resumed' };
    draft.state = mergeProfiles(draft.state, { ...p, mergedInto: undefined }, record, fold);
    draft.merges.push(record);
    draft.absorbed.push(p);
  }
}

/** Merges the other live profiles into the survivor, each marked merged away (phase 1). */
function mergeLosers<E extends UnifyEvent>(step: Step<E>, draft: Draft, losers: readonly Profile[]): void {
  const { g, now, fold } = step;
  for (const loser of losers) {
    const record = mergeReason(g.evidence, loser.profileId, draft.survivorId, now);
    draft.state = mergeProfiles(draft.state, loser, record, fold);
    draft.merges.push(record);
    draft.absorbed.push(loser);
    draft.marks.push({ profile: markMerged(loser, draft.survivorId, now), expectedVersion: loser.version });
    draft.changed = true;
  }
}

/**
 * An identifier points at a profile that was never written (a race, or a
 * crash between writes): occupy the id with a tombstone so that its late
 * writer fails and re-plans, and let it redirect to the survivor.
 */
function tombstoneGhosts<E extends UnifyEvent>(step: Step<E>, draft: Draft, ghosts: readonly string[]): void {
  const { now } = step;
  const tombstones = ghosts.filter((ghost) => ghost !== draft.survivorId);
  for (const ghost of tombstones) {
    draft.marks.push({ profile: markMerged(emptyProfile(ghost, now), draft.survivorId, now), expectedVersion: null });
  }
  if (tombstones.length > 0) {
    draft.state = withMergedFrom(
      draft.state,
      tombstones,
      tombstones.map((ghost) => placeholderRecord(step, draft.survivorId, ghost)),
    );
    draft.changed = true;
  }
}

/**
 * Applies the component's events (duplicates skipped), with each event's
 * unlinked identifiers left out of the profile's identifiers and recorded as
 * rejected instead.
 */
function applyComponentEvents<E extends UnifyEvent>(step: Step<E>, draft: Draft, events: readonly E[] = step.g.events): { applied: E[]; duplicates: E[] } {
  const { rejectedByEvent, nowSeconds, fold } = step;
  // Most batches link every identifier: then the events are applied as they are, with no copies to map back.
  let replaced = false;
  const linked =
    rejectedByEvent.size === 0
      ? events
      : events.map((e) => {
          const rejected = rejectedByEvent.get(e.messageId);
          if (rejected === undefined) return e;
          replaced = true;
          const out = new Set(rejected.map((r) => idKey(r.type, r.value)));
          return { ...e, identifiers: e.identifiers.filter((id) => !out.has(idKey(id.type, id.value))) };
        });
  const { profile: afterEvents, applied: appliedLinked, duplicates: duplicatesLinked } = applyEvents(draft.state, linked, nowSeconds, fold);
  let applied = appliedLinked as E[];
  let duplicates = duplicatesLinked as E[];
  if (replaced) {
    const original = new Map(events.map((e) => [e.messageId, e]));
    applied = appliedLinked.map((e) => original.get(e.messageId) as E);
    duplicates = duplicatesLinked.map((e) => original.get(e.messageId) as E);
  }
  draft.state = afterEvents;
  if (applied.length > 0) {
    draft.changed = true;
    const rejected: RejectedLink[] = [];
    for (const e of applied) {
      for (const r of e.rejectedIdentifiers ?? []) rejected.push({ ...r, messageId: e.messageId, at: e.timestamp });
      for (const r of rejectedByEvent.get(e.messageId) ?? []) rejected.push({ ...r, messageId: e.messageId, at: e.timestamp });
    }
    if (rejected.length > 0) draft.state = recordRejected(draft.state, rejected);
  }
  return { applied, duplicates };
}

/**
 * The identifier claims for the survivor: the batch's own identifiers, each
 * conditional on the owner read (a lost one sends the component back), and
 * added to the profile where it lacks them; then, best effort, those the
 * batch reached through merge pointers and those of every absorbed profile,
 * repointed straight at the survivor.
 */
function claimIdentifiers<E extends UnifyEvent>(step: Step<E>, draft: Draft): Claim[] {
  const { g, input } = step;
  const { owners } = input;
  const { survivorId } = draft;
  const claims: Claim[] = [];
  const claimed = new Set<string>();
  const missing: Identifier[] = [];
  for (const key of [...g.keys].sort()) {
    claimed.add(key);
    const owner = owners.get(key) ?? null;
    if (owner !== survivorId) claims.push({ key, profileId: survivorId, expectedOwner: owner, soft: false });
    const id = parseIdKey(key);
    if (!draft.state.identifiers[id.type]?.includes(id.value)) missing.push(id);
  }
  if (missing.length > 0) {
    // Explained by the batch's events that carried them (an alias's previous id by the alias).
    draft.state = withIdentifiers(draft.state, missing, g.events);
    draft.changed = true;
  }
  for (const key of [...g.owned].sort()) {
    const owner = owners.get(key);
    if (claimed.has(key) || owner === undefined || owner === survivorId) continue;
    claimed.add(key);
    claims.push({ key, profileId: survivorId, expectedOwner: owner, soft: true });
  }
  for (const p of draft.absorbed) {
    for (const [type, values] of Object.entries(p.identifiers)) {
      for (const value of values) {
        const key = idKey(type, value);
        if (claimed.has(key)) continue;
        claimed.add(key);
        claims.push({ key, profileId: survivorId, expectedOwner: p.profileId, soft: true });
      }
    }
  }
  return claims;
}

/**
 * The survivor's write (phase 2), conditional on the version read, with what
 * derives from it recomputed; undefined when nothing changed.
 */
function survivorWrite<E extends UnifyEvent>(step: Step<E>, draft: Draft, before: Profile | undefined): VersionedWrite | undefined {
  if (!draft.changed) return undefined;
  const { input, now, nowSeconds } = step;
  const state = input.derivations === undefined ? draft.state : refreshProfile(draft.state, input.derivations, input.nowMs);
  return {
    profile: {
      ...state,
      version: (before?.version ?? 0) + 1,
      updatedAt: now,
      seen: pruneSeen(state.seen, nowSeconds, input.dedupeWindowSeconds),
    },
    expectedVersion: before?.version ?? null,
  };
}
