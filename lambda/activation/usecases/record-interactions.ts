/**
 * Interactions from the event stream: one batch of stream records (plain or
 * KPL-aggregated) → the track events config maps to interactions → the
 * profile each belongs to → recorded (the InteractionStore, and Personalize's
 * event tracker when it is deployed) when the profile's consent allows
 * personalization (every purpose governance.consent.uses.recommendations
 * names, granted).
 *
 * The profile is found as the unify consumer finds it: the event's
 * identifiers in the configured priority (unification.identity.identifiers),
 * the first one a profile owns. This consumer reads the same stream beside
 * the unify consumer and may see an event before the profile exists: such a
 * record is handed back for retry (a partial batch failure), for at most
 * `unresolvedGraceMs` after the stream received it; past that, the event
 * belongs to no one (quarantined, or an erased person's, dropped by the
 * unify consumer) and is counted as skipped, so it cannot hold the shard.
 * After a merge, the owner resolves to the survivor: later interactions go
 * under it.
 *
 * Every payload is accounted for: invalid (the unify consumer quarantines
 * it), not an interaction, recorded, skipped (no consent, no profile) or
 * retried; items of a mapped event without an id are counted by reason.
 * Writes are idempotent (the store's key is the profile, time, item and
 * type; Personalize's eventId is the messageId), so a retried batch is safe.
 */
import type { C360Config } from '../../config';
import { parseEvent, type ParseOptions, type UnifyEvent } from '../../shared/events';
import { deaggregate } from '../../shared/kpl';
import { anonymousIdOf, interactionMapping, mapEvent, toInteractions, type InteractionMapping, type MappedEvent } from '../core/interactions';
import type { Interaction } from '../contracts/recommendations';
import type { CustomerView, CustomerViewReader, InteractionStore, PersonalizeIngest } from '../ports';

export interface InteractionStreamRecord {
  readonly sequenceNumber: string;
  readonly data: Buffer;
  /** When the stream received the record, epoch ms. */
  readonly arrivalMs: number;
}

export interface RecordInteractionsSettings {
  /** How events are parsed and validated (the unify consumer's identifier types, blocked values, phone region). */
  readonly parse: Omit<ParseOptions, 'now'>;
  readonly mapping: InteractionMapping;
  /** Identifier types, highest priority first (unification.identity.identifiers). */
  readonly identifierPriority: readonly string[];
  /** Consent purposes that must all be granted (governance.consent.uses.recommendations). */
  readonly consentPurposes: readonly string[];
  /** How long after the stream received it an event whose profile does not exist yet is retried. */
  readonly unresolvedGraceMs: number;
}

/** An event whose profile cannot be found this long after it arrived belongs to no one. */
export const DEFAULT_UNRESOLVED_GRACE_MS = 5 * 60 * 1000;

/**
 * The settings from the config. `blockedReason` is identity resolution's
 * blocklist (unification core identityRules), bound by the Lambda entry and
 * the local runtime: a blocked value links no profile, so it is not looked up.
 */
export function recordInteractionSettings(config: C360Config, blockedReason?: (value: string) => string | undefined): RecordInteractionsSettings {
  const identifiers = config.unification.identity.identifiers;
  return {
    parse: {
      identifierTypes: identifiers,
      ...(blockedReason === undefined ? {} : { blockedReason }),
      defaultPhoneRegion: config.normalization.defaultPhoneRegion,
      revenueProperties: config.unification.revenueProperties,
    },
    mapping: interactionMapping(config.activation.recommendations),
    identifierPriority: identifiers,
    consentPurposes: config.governance.consent.uses.recommendations ?? [],
    unresolvedGraceMs: DEFAULT_UNRESOLVED_GRACE_MS,
  };
}

export interface RecordInteractionsDeps {
  readonly views: CustomerViewReader;
  readonly interactions: InteractionStore;
  /** Personalize's event tracker; none: Personalize is not deployed. */
  readonly personalize?: PersonalizeIngest;
  readonly settings: RecordInteractionsSettings;
  readonly clock?: () => number;
  /** Profile lookups in flight at once. @default 16 */
  readonly concurrency?: number;
}

export interface InteractionBatchOutcome {
  readonly records: number;
  /** Plain records plus KPL sub-records: payloads = invalid + notInteractions + mapped. */
  readonly payloads: number;
  /** Payloads that are not valid events (the unify consumer quarantines them with the reason). */
  readonly invalid: number;
  /** Valid events that record no interaction (other types and names). */
  readonly notInteractions: number;
  /** Events that map to interactions: mapped = recordedEvents + noItems + skippedNoConsent + skippedNoProfile + retried. */
  readonly mapped: number;
  /** Of those: recorded (events, and the interactions they gave). */
  readonly recordedEvents: number;
  readonly interactions: number;
  /** Mapped events none of whose items had an id (each item counted in rejectedReasons). */
  readonly noItems: number;
  /** Skipped, with the reason: the profile's consent does not allow personalization. */
  readonly skippedNoConsent: number;
  /** Skipped, with the reason: no profile owns the event's identifiers, past the grace period. */
  readonly skippedNoProfile: number;
  /** Handed back for retry: no profile yet (within the grace period), or a write failed. */
  readonly retried: number;
  /** Items of mapped events that recorded nothing, by reason. */
  readonly rejectedItems: number;
  readonly rejectedReasons: Readonly<Record<string, number>>;
  /** Interactions sent to Personalize's event tracker. */
  readonly personalizeEvents: number;
  /** Records to hand back to the stream (their events were not recorded). */
  readonly failedSequenceNumbers: string[];
  /** Why writes failed, when they did (no personal data: error names and messages of the stores). */
  readonly errors: readonly string[];
}

type Sourced = { readonly event: UnifyEvent; readonly record: InteractionStreamRecord };

/** The events of a batch, and how many payloads were not valid events. */
function decode(records: readonly InteractionStreamRecord[], opts: ParseOptions): { events: Sourced[]; payloads: number; invalid: number } {
  const events: Sourced[] = [];
  let payloads = 0;
  let invalid = 0;
  for (const record of records) {
    const kpl = deaggregate(record.data);
    if (kpl.aggregated && 'error' in kpl) {
      payloads++;
      invalid++;
      continue;
    }
    const parts = kpl.aggregated ? kpl.records.map((r) => r.data) : [record.data];
    for (const data of parts) {
      payloads++;
      const parsed = parseEvent(data, record.arrivalMs, opts);
      if (parsed.ok) events.push({ event: parsed.event, record });
      else invalid++;
    }
  }
  return { events, payloads, invalid };
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the order of results. */
async function pooled<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

type Resolution =
  | { readonly kind: 'record'; readonly interactions: Interaction[] }
  | { readonly kind: 'no-consent' }
  | { readonly kind: 'no-profile' }
  | { readonly kind: 'retry' }
  | { readonly kind: 'failed'; readonly error: string };

export async function recordInteractions(records: readonly InteractionStreamRecord[], deps: RecordInteractionsDeps): Promise<InteractionBatchOutcome> {
  const clock = deps.clock ?? Date.now;
  const now = clock();
  const { settings } = deps;
  const decoded = decode(records, { ...settings.parse, now });

  const rejectedReasons = new Map<string, number>();
  let rejectedItems = 0;
  let notInteractions = 0;
  const mapped: Array<Sourced & { readonly items: MappedEvent }> = [];
  for (const s of decoded.events) {
    const m = mapEvent(s.event, settings.mapping);
    if (m === undefined) {
      notInteractions++;
      continue;
    }
    for (const r of m.rejected) {
      rejectedItems++;
      // The reason without the product's position, so that the histogram groups them.
      const reason = r.reason.replace(/^products\[\d+\]/, 'products[i]');
      rejectedReasons.set(reason, (rejectedReasons.get(reason) ?? 0) + 1);
    }
    mapped.push({ ...s, items: m });
  }

  // Lookups made once per batch, however many events share an identifier or a profile.
  const owners = new Map<string, Promise<string | undefined>>();
  const views = new Map<string, Promise<CustomerView | undefined>>();
  const ownerOf = (type: string, value: string) => {
    const key = `${type}\u0000${value}`;
    let p = owners.get(key);
    if (p === undefined) owners.set(key, (p = deps.views.ownerOf(type, value)));
    return p;
  };
  const viewOf = (profileId: string) => {
    let p = views.get(profileId);
    if (p === undefined) views.set(profileId, (p = deps.views.get(profileId, now)));
    return p;
  };
  const purposes = settings.consentPurposes;

  const resolve = async ({ event, record, items }: (typeof mapped)[number]): Promise<Resolution> => {
    if (items.items.length === 0) return { kind: 'record', interactions: [] };
    try {
      let owner: string | undefined;
      for (const type of settings.identifierPriority) {
        for (const id of event.identifiers) {
          if (id.type !== type) continue;
          owner = await ownerOf(id.type, id.value);
          if (owner !== undefined) break;
        }
        if (owner !== undefined) break;
      }
      const view = owner === undefined ? undefined : await viewOf(owner);
      if (view === undefined) return now - record.arrivalMs > settings.unresolvedGraceMs ? { kind: 'no-profile' } : { kind: 'retry' };
      if (!purposes.every((p) => view.consent[p] === 'granted')) return { kind: 'no-consent' };
      return { kind: 'record', interactions: toInteractions(items, view.profileId, anonymousIdOf(event)) };
    } catch (err) {
      return { kind: 'failed', error: describe(err) };
    }
  };
  const resolutions = await pooled(mapped, deps.concurrency ?? 16, resolve);

  const failed = new Set<string>();
  const errors: string[] = [];
  const toRecord: Interaction[] = [];
  const recordedSequences = new Set<string>();
  let recordedEvents = 0;
  let noItems = 0;
  let skippedNoConsent = 0;
  let skippedNoProfile = 0;
  let retried = 0;
  resolutions.forEach((r, i) => {
    const sequenceNumber = (mapped[i] as Sourced).record.sequenceNumber;
    if (r.kind === 'record' && r.interactions.length === 0) noItems++;
    else if (r.kind === 'record') {
      toRecord.push(...r.interactions);
      recordedSequences.add(sequenceNumber);
      recordedEvents++;
    } else if (r.kind === 'no-consent') skippedNoConsent++;
    else if (r.kind === 'no-profile') skippedNoProfile++;
    else {
      retried++;
      failed.add(sequenceNumber);
      if (r.kind === 'failed') errors.push(r.error);
    }
  });

  let personalizeEvents = 0;
  let stored = 0;
  if (toRecord.length > 0) {
    try {
      await deps.interactions.put(toRecord);
      stored = toRecord.length;
      if (deps.personalize !== undefined) {
        await deps.personalize.putEvents(toRecord);
        personalizeEvents = toRecord.length;
      }
    } catch (err) {
      // The batch's writes are retried whole: every record that had some goes back (the writes are idempotent).
      errors.push(describe(err));
      for (const s of recordedSequences) failed.add(s);
      const events = resolutions.filter((r) => r.kind === 'record' && r.interactions.length > 0).length;
      recordedEvents -= events;
      retried += events;
      stored = 0;
    }
  }

  return {
    records: records.length,
    payloads: decoded.payloads,
    invalid: decoded.invalid,
    notInteractions,
    mapped: mapped.length,
    recordedEvents,
    noItems,
    interactions: stored,
    skippedNoConsent,
    skippedNoProfile,
    retried,
    rejectedItems,
    rejectedReasons: Object.fromEntries([...rejectedReasons.entries()].sort((a, b) => b[1] - a[1])),
    personalizeEvents,
    failedSequenceNumbers: [...failed].sort(),
    errors,
  };
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`;
}
