/**
 * The unify use case: one batch of stream records → validated events →
 * resolved identities → profiles written, through the ProfileStore and
 * QuarantineSink ports. The unify-consumer handler (handlers/unify-consumer.ts)
 * calls it, deployed and in the local runtime alike.
 *
 * DynamoDB round trips per attempt, whatever the batch size: identifier
 * lookup (1), profiles (1, plus 1 per level of merge pointers to follow),
 * marks + new claims (1), survivors (1), repoints after a merge (0 or 1).
 * Conflicting components are re-read and re-planned; others are not touched
 * again. A retry reads the profiles the conflicting components had read in
 * the same round trip as their owners, so it usually needs no profile round
 * trip of its own, and on the stream the other components' repoints are
 * written during that read.
 *
 * The tracking plan (config.trackingPlan, shared/tracking-plan.ts) is checked
 * here on the events the collector has not checked (producers writing to the
 * stream directly; the collector flags what it checked, `context.c360.plan`):
 * an event its source's mode blocks is quarantined with the reason
 * `tracking plan: <event>: <reasons>`, one that breaks the plan in mode allow
 * is applied and counted (`flagged`). The source is the event's
 * `context.source`, else the consumer's (`kinesis`).
 *
 * With a suppression check (governance), the events of erased people are
 * dropped and counted (`suppressed`): not applied, and not quarantined,
 * since the quarantine would store them.
 */
import { randomUUID } from 'node:crypto';
import type { TrackingPlan } from '../../config/tracking-plan';
import type { Identifier, ParseOptions, UnifyEvent } from '../../shared/events';
import { deaggregate } from '../../shared/kpl';
import { planIsEmpty, planVerdict, rejectionReason, wasChecked } from '../../shared/tracking-plan';
import { retryBatch } from '../../shared/retry';
import type { ProfileDerivations } from '../core/profile/derive';
import type { IdentityRules } from '../core/identity/identity-rules';
import { planBatch } from '../core/identity/plan';
import type { Claim, ComponentPlan, MatchLink, RejectedMatch } from '../core/identity/plan-types';
import { keysToLookUp, profilesToLoad } from '../core/identity/reads';
import type { Profile } from '../core/profile/profile';
import { decodeRecords, type QuarantineEntry, type SourcedEvent, type StreamRecord } from '../core/records';
import { journalEntriesFor } from './journal-writes';
import type { JournalEntry, ProfileStore, QuarantineSink } from '../ports';
import type { SuppressionCheck } from '../../governance/ports';
import { suppressionIdentifiers, type SuppressionIdentifierOptions } from '../../governance/contracts/suppression';

export interface UnifySettings {
  readonly parse: Omit<ParseOptions, 'now'>;
  readonly rules: IdentityRules;
  /** Computed traits, enrichment and segments (core/profile/derive.ts). */
  readonly derivations: ProfileDerivations;
  readonly dedupeWindowSeconds: number;
  /** Plan-and-write attempts for components whose conditional writes conflict. */
  readonly maxAttempts: number;
  /** The tracking plan checked on events the collector did not check (none: nothing checked). */
  readonly trackingPlan?: TrackingPlan;
}

/** What resolving and writing needs: the consumer's dependencies but its quarantine sink. */
export interface ResolveDeps {
  readonly store: ProfileStore;
  readonly settings: UnifySettings;
  readonly clock?: () => number;
  readonly newProfileId?: () => string;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface UnifyDeps extends ResolveDeps {
  readonly quarantine: QuarantineSink;
  /** Drops the events of erased people (none: nothing is dropped). */
  readonly suppression?: SuppressionCheck;
}

/** Running counts of batch outcomes: the local runtime's totals and a replay's. */
export interface OutcomeCounts {
  batches: number;
  records: number;
  payloads: number;
  applied: number;
  duplicates: number;
  quarantined: number;
  suppressed: number;
  merges: number;
}

export function emptyOutcomeCounts(): OutcomeCounts {
  return { batches: 0, records: 0, payloads: 0, applied: 0, duplicates: 0, quarantined: 0, suppressed: 0, merges: 0 };
}

/** Adds one batch's outcome to running counts. */
export function addOutcome(counts: OutcomeCounts, o: BatchOutcome): void {
  counts.batches++;
  counts.records += o.records;
  counts.payloads += o.payloads;
  counts.applied += o.applied;
  counts.duplicates += o.duplicates;
  counts.quarantined += o.quarantined;
  counts.suppressed += o.suppressed ?? 0;
  counts.merges += o.merges;
}

export interface BatchOutcome {
  readonly records: number;
  /** Plain records plus KPL sub-records. */
  readonly payloads: number;
  readonly quarantined: number;
  /** Events applied to a profile by this batch. */
  readonly applied: number;
  /** Events that a profile already had (redeliveries, replays, repeats in the batch). */
  readonly duplicates: number;
  readonly merges: number;
  readonly profilesWritten: number;
  readonly attempts: number;
  /** Sequential store round trips (calls made in parallel count once). */
  readonly storeRoundTrips: number;
  /** Records to hand back to the stream for retry (their events were not applied). */
  readonly failedSequenceNumbers: string[];
  /** Events the collector had not checked that break the tracking plan in mode allow (applied); absent with an empty plan. */
  readonly flagged?: number;
  /** Events the tracking plan blocked (quarantined, counted in `quarantined` too); absent with an empty plan. */
  readonly blockedByPlan?: number;
  /**
   * Events of erased people (valid, or rejects naming them), dropped: neither
   * applied nor quarantined. Absent without a suppression check.
   */
  readonly suppressed?: number;
}

/** The payload a decoded event came from: the record's data, or its KPL sub-record's. */
function payloadFinder(records: readonly StreamRecord[]): (event: SourcedEvent) => StreamRecord & { payload: Buffer } {
  const bySequence = new Map(records.map((r) => [r.sequenceNumber, r]));
  const parts = new Map<string, Buffer[]>();
  return (event) => {
    const record = bySequence.get(event.sequenceNumber) as StreamRecord;
    if (event.subSequence === undefined) return { ...record, payload: record.data };
    let subs = parts.get(record.sequenceNumber);
    if (subs === undefined) {
      const kpl = deaggregate(record.data);
      subs = kpl.aggregated && !('error' in kpl) ? kpl.records.map((r) => Buffer.from(r.data)) : [];
      parts.set(record.sequenceNumber, subs);
    }
    return { ...record, payload: subs[event.subSequence] ?? record.data };
  };
}

/** The quarantine entry of a decoded event that is not applied: its record's payload, with the reason. */
function quarantineEntry(
  record: StreamRecord & { payload: Buffer },
  event: Pick<SourcedEvent, 'subSequence'>,
  source: string,
  reason: string,
): QuarantineEntry {
  const text = record.payload.toString('utf8');
  const utf8 = Buffer.from(text, 'utf8').equals(record.payload);
  return {
    reason,
    source,
    sequenceNumber: record.sequenceNumber,
    ...(event.subSequence === undefined ? {} : { subSequence: event.subSequence }),
    partitionKey: record.partitionKey,
    receivedAt: new Date(record.arrivalMs).toISOString(),
    data: utf8 ? text : record.payload.toString('base64'),
    encoding: utf8 ? 'utf8' : 'base64',
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The tracking plan's verdicts on the decoded events the collector did not
 * check: the events to apply, the blocked ones as quarantine entries, and
 * how many were flagged.
 */
function enforcePlan(
  plan: TrackingPlan,
  events: readonly SourcedEvent[],
  records: readonly StreamRecord[],
  source: string,
): { events: SourcedEvent[]; quarantined: QuarantineEntry[]; flagged: number } {
  const find = payloadFinder(records);
  const kept: SourcedEvent[] = [];
  const quarantined: QuarantineEntry[] = [];
  let flagged = 0;
  for (const event of events) {
    const { payload, ...record } = find(event);
    // The payload parsed as JSON when it was decoded.
    const raw = JSON.parse(payload.toString('utf8')) as unknown;
    if (wasChecked(raw)) {
      kept.push(event);
      continue;
    }
    const context = isObject(raw) && isObject(raw.context) ? raw.context : {};
    const eventSource = typeof context.source === 'string' && context.source.length > 0 ? context.source : source;
    const verdict = planVerdict(plan, eventSource, raw);
    if (verdict.action === 'reject') {
      quarantined.push(quarantineEntry({ ...record, payload }, event, source, rejectionReason(raw, verdict.violations)));
      continue;
    }
    if (verdict.action === 'flag') flagged++;
    kept.push(event);
  }
  return { events: kept, quarantined, flagged };
}

/** The identifiers of a quarantine entry's payload, when it is a JSON object. */
function rejectIdentifiers(entry: QuarantineEntry, opts: SuppressionIdentifierOptions): Identifier[] {
  if (entry.encoding !== 'utf8') return [];
  try {
    return suppressionIdentifiers(JSON.parse(entry.data) as unknown, opts);
  } catch {
    return [];
  }
}

export async function unifyBatch(
  records: readonly StreamRecord[],
  batchId: string,
  source: string,
  deps: UnifyDeps,
): Promise<BatchOutcome> {
  const clock = deps.clock ?? Date.now;
  const decoded = decodeRecords(records, source, { ...deps.settings.parse, now: clock() });
  const plan = deps.settings.trackingPlan;
  const enforced = plan !== undefined && !planIsEmpty(plan) ? enforcePlan(plan, decoded.events, records, source) : undefined;
  const planned = enforced?.events ?? decoded.events;
  const rejects = enforced === undefined ? decoded.quarantined : [...decoded.quarantined, ...enforced.quarantined];
  // The identifiers of a valid event are the parsed ones (normalised, blocked values left out), as the
  // profiles hold them; those of a reject are read from its JSON, if it has any: an erased person's
  // invalid event is not kept in the quarantine either.
  const dropped =
    deps.suppression === undefined || planned.length + rejects.length === 0
      ? []
      : await deps.suppression.suppressed([...planned.map((e) => e.identifiers), ...rejects.map((q) => rejectIdentifiers(q, deps.settings.parse))]);
  const events = dropped.length === 0 ? planned : planned.filter((_, i) => dropped[i] !== true);
  const toQuarantine = dropped.length === 0 ? rejects : rejects.filter((_, i) => dropped[planned.length + i] !== true);
  const suppressed = planned.length - events.length + rejects.length - toQuarantine.length;

  const quarantineWrite = toQuarantine.length > 0 ? deps.quarantine.put(batchId, toQuarantine) : undefined;
  // Awaited below; if resolving fails first, its failure must not also surface as an unhandled rejection.
  quarantineWrite?.catch(() => undefined);

  const seenInBatch = new Set<string>();
  const unique: SourcedEvent[] = [];
  let repeats = 0;
  for (const event of events) {
    if (seenInBatch.has(event.messageId)) repeats++;
    else {
      seenInBatch.add(event.messageId);
      unique.push(event);
    }
  }
  const resolved = await resolveAndWrite(unique, [], deps);
  // Events the size budget kept out are quarantined with the limit they would break.
  const find = resolved.oversize.length > 0 ? payloadFinder(records) : undefined;
  const oversize = resolved.oversize.map(({ event, reason }) => quarantineEntry((find as NonNullable<typeof find>)(event), event, source, reason));
  await Promise.all([quarantineWrite, oversize.length > 0 ? deps.quarantine.put(`${batchId}-size`, oversize) : undefined]);

  return {
    records: records.length,
    payloads: decoded.payloads,
    quarantined: toQuarantine.length + oversize.length,
    applied: resolved.applied,
    duplicates: resolved.duplicates + repeats,
    merges: resolved.merges,
    profilesWritten: resolved.profilesWritten,
    attempts: resolved.attempts,
    storeRoundTrips: resolved.storeRoundTrips,
    failedSequenceNumbers: [...new Set(resolved.pending.map((e) => e.sequenceNumber))],
    ...(enforced === undefined ? {} : { flagged: enforced.flagged, blockedByPlan: enforced.quarantined.length }),
    ...(deps.suppression === undefined ? {} : { suppressed }),
  };
}

export interface ResolveOutcome<E extends UnifyEvent> {
  readonly applied: number;
  readonly duplicates: number;
  readonly merges: number;
  readonly profilesWritten: number;
  readonly attempts: number;
  readonly storeRoundTrips: number;
  /** Events still not applied after the last attempt. */
  readonly pending: readonly E[];
  /** Match groups still not written after the last attempt (their components kept conflicting). */
  readonly linksPending: boolean;
  /** Profiles match groups could not merge, with the reason. */
  readonly rejectedMatches: readonly RejectedMatch[];
  /** Events left out because they would take a profile over the size budget, with the reason: neither applied nor pending. */
  readonly oversize: ReadonlyArray<{ readonly event: E; readonly reason: string }>;
}

/**
 * Resolves events and match groups against the store and writes the result,
 * re-reading and re-planning the components whose conditional writes
 * conflict. The stream consumer and the batch matcher's apply step both
 * merge through here, under the same identity rules.
 */
export async function resolveAndWrite<E extends UnifyEvent>(
  events: readonly E[],
  links: readonly MatchLink[],
  deps: ResolveDeps,
): Promise<ResolveOutcome<E>> {
  const clock = deps.clock ?? Date.now;
  const { store, settings } = deps;
  let applied = 0;
  let duplicates = 0;
  let merges = 0;
  let profilesWritten = 0;
  let rejectedMatches: RejectedMatch[] = [];
  const oversize = new Map<string, { event: E; reason: string }>();
  const trips = { count: 0 };
  /** Events this invocation applied: seen again on a later attempt, they are not duplicates. */
  const appliedIds = new Set<string>();
  const work: Array<Work<E>> = [...events.map((event) => ({ event })), ...links.map((link) => ({ link }))];
  /** Profiles the components sent back had read: a retry reads them again beside the owners, not after them. */
  let reread: string[] = [];
  /** Repoints of the previous attempt, written while this one reads (see commit). */
  let lateRepoints: Promise<Set<ComponentPlan<E>>> | undefined;
  const { unsent, attempts } = await retryBatch(
    work,
    async (pendingWork, attempt) => {
      const pendingEvents = pendingWork.flatMap((w) => ('event' in w ? [w.event] : []));
      const pendingLinks = pendingWork.flatMap((w) => ('link' in w ? [w.link] : []));
      const rejectedNow: RejectedMatch[] = [];
      const plans = await plan(
        pendingEvents,
        pendingLinks,
        store,
        settings,
        clock(),
        deps.newProfileId ?? randomUUID,
        trips,
        reread,
        (r) => rejectedNow.push(r),
        (event, reason) => oversize.set(event.messageId, { event, reason }),
      );
      if (pendingLinks.length > 0) rejectedMatches = rejectedNow;
      const again: Array<Work<E>> = [];
      const readAgain = new Set<string>();
      const sendBack = (p: ComponentPlan<E>) => {
        again.push(...p.events.map((event) => ({ event })));
        readAgain.add(p.profileId);
        for (const m of p.marks) readAgain.add(m.profile.profileId);
      };
      // The previous attempt's repoints ran alongside this attempt's reads; what they lost goes round again.
      if (lateRepoints !== undefined) {
        const lost = await lateRepoints;
        lateRepoints = undefined;
        for (const p of lost) sendBack(p);
      }
      const { conflicted, survivorWritten, repoint } = await commit(plans, store, trips);
      // Every component of the stream (no match groups) that goes round again, each with its own keys, can be
      // re-read while the others' repoints are written: those then take no round trip of their own.
      const overlap = repoint !== undefined && pendingLinks.length === 0 && attempt < settings.maxAttempts && conflicted.size > 0;
      if (repoint !== undefined && !overlap) {
        trips.count++;
        for (const p of await repoint()) conflicted.add(p);
      }
      const linksConflicted = pendingLinks.length > 0 && plans.some((p) => conflicted.has(p) && p.merges.some((m) => m.rule === 'matched'));
      for (const p of plans) {
        if (!survivorWritten.has(p)) {
          sendBack(p);
          continue;
        }
        // The survivor write is the commit point: these events are applied even if a
        // repoint after it conflicted (or, written alongside the next attempt, conflicts) and the component goes round again.
        if (conflicted.has(p) || overlap) for (const e of p.applied) appliedIds.add(e.messageId);
        applied += p.applied.length;
        duplicates += p.duplicates.filter((e) => !appliedIds.has(e.messageId)).length;
        merges += p.merges.length;
        if (p.survivor !== undefined) profilesWritten++;
        if (conflicted.has(p)) sendBack(p);
      }
      reread = [...readAgain];
      if (overlap) {
        lateRepoints = repoint();
        // Awaited by the next attempt; should that attempt fail first, this must not also surface as an unhandled rejection.
        lateRepoints.catch(() => undefined);
      }
      // Match groups are idempotent (profiles already merged are one group): re-plan them all after a conflict.
      if (linksConflicted) again.push(...pendingLinks.map((link) => ({ link })));
      return again;
    },
    {
      maxAttempts: settings.maxAttempts,
      // Retry n waits up to 20 ms · 2^min(n, 6).
      baseDelayMs: 20,
      maxDelayMs: 20 * 2 ** 6,
      sleep: deps.sleep,
    },
  );
  return {
    applied,
    duplicates,
    merges,
    profilesWritten,
    attempts,
    storeRoundTrips: trips.count,
    pending: unsent.flatMap((w) => ('event' in w ? [w.event] : [])),
    linksPending: unsent.some((w) => 'link' in w),
    rejectedMatches,
    oversize: [...oversize.values()],
  };
}

/** One unit of resolve work: an event to apply, or a match group to merge. */
type Work<E> = { readonly event: E } | { readonly link: MatchLink };

async function plan<E extends UnifyEvent>(
  events: readonly E[],
  links: readonly MatchLink[],
  store: ProfileStore,
  settings: UnifySettings,
  nowMs: number,
  newProfileId: () => string,
  trips: { count: number },
  reread: readonly string[],
  onRejectedMatch: (r: RejectedMatch) => void,
  onOversize: (event: E, reason: string) => void,
): Promise<ComponentPlan<E>[]> {
  trips.count++;
  // The profiles a previous attempt's components read are read in the same round trip as the owners:
  // a retried component usually leads to them again (conditional writes catch it when not).
  const [owners, known] = await Promise.all([
    events.length > 0 ? store.getOwners(keysToLookUp(events)) : new Map<string, string>(),
    reread.length > 0 ? store.getProfiles(reread) : new Map<string, Profile>(),
  ]);
  const profiles = new Map<string, Profile>(known);
  const absent = new Set<string>(reread.filter((id) => !known.has(id)));
  const linked = links.flatMap((l) => l.profileIds);
  const next = () => [...new Set([...profilesToLoad(owners, profiles, absent), ...linked.filter((id) => !profiles.has(id) && !absent.has(id))])];
  for (let toLoad = next(); toLoad.length > 0; toLoad = next()) {
    trips.count++;
    const found = await store.getProfiles(toLoad);
    for (const id of toLoad) {
      const p = found.get(id);
      if (p === undefined) absent.add(id);
      else profiles.set(id, p);
    }
  }
  return planBatch({
    events,
    links,
    onRejectedMatch,
    onOversize,
    owners,
    profiles,
    rules: settings.rules,
    derivations: settings.derivations,
    nowMs,
    dedupeWindowSeconds: settings.dedupeWindowSeconds,
    newProfileId,
  });
}

/**
 * Writes the plans in three phases, in the order that makes a crash at any
 * point recoverable by the next attempt:
 *  1. merged-away profiles are marked (frozen) and new identifiers claimed;
 *  2. survivors are written (the commit point: events count from here);
 *  3. identifiers still pointing at merged-away profiles are repointed.
 * Until phase 3, lookups reach the survivor through `mergedInto`, and the
 * next plan that meets a marked profile its survivor lacks absorbs it.
 * Returns the plans whose conditions failed in phases 1 and 2, those whose
 * events were committed (nothing to write, or the survivor written), and
 * phase 3 for the caller to run: alongside the next attempt's reads when
 * components go round again, else on its own.
 */
async function commit<E extends UnifyEvent>(
  plans: ComponentPlan<E>[],
  store: ProfileStore,
  trips: { count: number },
): Promise<{
  conflicted: Set<ComponentPlan<E>>;
  survivorWritten: Set<ComponentPlan<E>>;
  /** Phase 3, when there is anything to repoint: one round trip, resolving to the plans it found conflicting. */
  repoint?: () => Promise<Set<ComponentPlan<E>>>;
}> {
  type Plan = ComponentPlan<E>;
  const conflicted = new Set<Plan>();
  const claimsWhere = (fresh: boolean) =>
    plans.flatMap((p) => p.claims.filter((c) => (c.expectedOwner === null) === fresh).map((c) => ({ p, c })));
  const claimResults = async (claims: Array<{ p: Plan; c: Claim }>, lost: Set<Plan> = conflicted) => {
    const results = await store.putClaims(claims.map((x) => x.c));
    results.forEach((ok, i) => {
      const { p, c } = claims[i] as { p: Plan; c: Claim };
      if (!ok && !c.soft) lost.add(p);
    });
  };

  const marks = plans.flatMap((p) => p.marks.map((m) => ({ p, m })));
  const fresh = claimsWhere(true);
  if (marks.length > 0 || fresh.length > 0) trips.count++;
  const [markResults] = await Promise.all([store.putProfiles(marks.map((x) => x.m)), claimResults(fresh)]);
  markResults.forEach((ok, i) => {
    if (!ok) conflicted.add((marks[i] as { p: Plan }).p);
  });

  const survivors = plans.filter((p) => !conflicted.has(p) && p.survivor !== undefined);
  if (survivors.length > 0) trips.count++;
  // The journal goes in alongside the survivors, so every committed event is journaled; a
  // survivor that loses its race has its entry removed (and its events journaled again on retry).
  const journal = new Map<Plan, JournalEntry[]>();
  for (const p of survivors) {
    const entries = journalEntriesFor(p);
    if (entries.length > 0) journal.set(p, entries);
  }
  const [survivorResults] = await Promise.all([
    store.putProfiles(survivors.map((p) => p.survivor as NonNullable<Plan['survivor']>)),
    store.putJournal([...journal.values()].flat()),
  ]);
  survivorResults.forEach((ok, i) => {
    if (!ok) conflicted.add(survivors[i] as Plan);
  });
  const orphans = survivors.filter((p) => conflicted.has(p)).flatMap((p) => journal.get(p) ?? []);

  const survivorWritten = new Set(plans.filter((p) => !conflicted.has(p)));
  const repoints = claimsWhere(false).filter(({ p }) => survivorWritten.has(p));
  if (repoints.length === 0 && orphans.length === 0) return { conflicted, survivorWritten };
  const repoint = async () => {
    const lost = new Set<Plan>();
    await Promise.all([claimResults(repoints, lost), store.deleteJournal(orphans)]);
    return lost;
  };
  return { conflicted, survivorWritten, repoint };
}
