/**
 * The audit records of one profile write, from the profile before and after
 * it (the table stream's old and new images): merges made into it, unmerges
 * that split it, and consent purposes whose state changed.
 *
 * Pure and deterministic: each record's `at` is the time of the change it
 * reports (the merge, the unmerge, the consent decision), so a stream batch
 * delivered twice yields identical records, which readers de-duplicate.
 * Subjects are keyed hashes of profile ids; identifiers, trait values and
 * free-text reasons never reach a record.
 *
 * The profile shapes are declared here, as much of them as the diff reads:
 * core code depends on no other pillar, and a unification Profile fits them.
 */
import { serviceActor, type AuditDetailValue, type AuditRecord } from '../contracts/audit';

/** Who records what the table stream shows: the unification pillar's consumer wrote it. */
export const UNIFY_CONSUMER_ACTOR = serviceActor('unify-consumer');

/** A merge record, as far as the audit reads it. */
export interface AuditedMerge {
  readonly at: string;
  readonly survivor: string;
  readonly merged: string;
  readonly rule: string;
  readonly identifier?: { readonly type: string };
  readonly messageId?: string;
  readonly matchId?: string;
  readonly matchRule?: string;
}

/** An unmerge record, as far as the audit reads it. */
export interface AuditedUnmerge {
  readonly at: string;
  readonly from: string;
  readonly restored: string;
  readonly merge: { readonly rule: string; readonly at: string };
  readonly events: { readonly from: number; readonly restored: number };
}

/** A profile document, as far as the audit reads it. */
export interface AuditedProfile {
  readonly profileId: string;
  readonly merges: readonly AuditedMerge[];
  readonly unmerges?: readonly AuditedUnmerge[];
  /** Set once merged into another profile: it then only redirects. */
  readonly mergedInto?: string;
  /** Consent decisions per purpose (see consentStates). */
  readonly consent?: unknown;
}

/** The keyed hash of a profile id (the governance SubjectHasher's `profile`). */
export interface ProfileHasher {
  profile(profileId: string): string;
}

/** The current consent state of one purpose: the latest decision of its history. */
export interface ConsentState {
  readonly status: 'granted' | 'denied';
  /** Where the decision came from (`event`, `context`, `api`, a file source...). */
  readonly source?: string;
  /** Event time of the decision, epoch ms. */
  readonly at?: number;
  readonly messageId?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A decision, when it has a status this diff understands. */
function asState(v: unknown): ConsentState | undefined {
  if (!isObject(v) || (v.status !== 'granted' && v.status !== 'denied')) return undefined;
  return {
    status: v.status,
    ...(typeof v.source === 'string' ? { source: v.source } : {}),
    ...(typeof v.at === 'number' && Number.isFinite(v.at) ? { at: v.at } : {}),
    ...(typeof v.messageId === 'string' ? { messageId: v.messageId } : {}),
  };
}

/** The later of two decisions: event time, then messageId (the order the profile's consent history keeps). */
const later = (a: ConsentState, b: ConsentState): boolean => {
  const ta = a.at ?? Number.NEGATIVE_INFINITY;
  const tb = b.at ?? Number.NEGATIVE_INFINITY;
  return ta !== tb ? ta > tb : (a.messageId ?? '') > (b.messageId ?? '');
};

/**
 * The current state per purpose of a profile's `consent` (purpose → its
 * decisions; unification's core/profile/consent.ts): the latest decision by
 * event time, ties by messageId. Read defensively, as a document may come
 * from before consent was kept: no consent, or anything not shaped so,
 * reads as no decisions, and an entry that is not a decision is passed over.
 */
export function consentStates(consent: unknown): Map<string, ConsentState> {
  const out = new Map<string, ConsentState>();
  if (!isObject(consent)) return out;
  for (const [purpose, history] of Object.entries(consent)) {
    if (!Array.isArray(history)) continue;
    let current: ConsentState | undefined;
    for (const d of history.map(asState)) if (d !== undefined && (current === undefined || later(d, current))) current = d;
    if (current !== undefined) out.set(purpose, current);
  }
  return out;
}

const isoOf = (at: number | string | undefined, fallback: string): string => {
  if (at === undefined) return fallback;
  const ms = typeof at === 'number' ? at : Date.parse(at);
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : fallback;
};

const mergeKey = (m: AuditedMerge) => `${m.at}|${m.merged}|${m.rule}`;
const unmergeKey = (u: AuditedUnmerge) => `${u.at}|${u.from}|${u.restored}`;

function detail(fields: Record<string, AuditDetailValue | undefined>): Record<string, AuditDetailValue> {
  return Object.fromEntries(Object.entries(fields).filter((e): e is [string, AuditDetailValue] => e[1] !== undefined));
}

export interface AuditDiffOptions {
  readonly hasher: ProfileHasher;
  /** The `at` of a record whose change carries no time of its own (processing time, ISO-8601). */
  readonly at: string;
  /** @default UNIFY_CONSUMER_ACTOR */
  readonly actor?: string;
}

/**
 * What changed between `before` and `after`, as audit records:
 *
 * - `profile.merge` for each merge record new on `after` whose survivor it is
 *   (the records a merged profile brings along were reported on that profile
 *   when they were made);
 * - `profile.unmerge` for each unmerge record new on `after` that split it
 *   (`from`); the restored profile carries the same record and is not
 *   reported a second time;
 * - `consent.change` for each purpose whose status is new, differs, or is
 *   no longer decided (status null: the configured default applies), on a
 *   profile that has not been merged away.
 */
export function auditDiff(before: AuditedProfile | undefined, after: AuditedProfile | undefined, opts: AuditDiffOptions): AuditRecord[] {
  if (after === undefined) return [];
  const actor = opts.actor ?? UNIFY_CONSUMER_ACTOR;
  const subject = opts.hasher.profile(after.profileId);
  const records: AuditRecord[] = [];

  const oldMerges = new Set((before?.merges ?? []).map(mergeKey));
  for (const m of after.merges) {
    if (m.survivor !== after.profileId || oldMerges.has(mergeKey(m))) continue;
    records.push({
      at: isoOf(m.at, opts.at),
      action: 'profile.merge',
      actor,
      subject,
      detail: detail({
        rule: m.rule,
        merged: opts.hasher.profile(m.merged),
        messageId: m.messageId,
        identifierType: m.identifier?.type,
        matchId: m.matchId,
        matchRule: m.matchRule,
      }),
    });
  }

  const oldUnmerges = new Set((before?.unmerges ?? []).map(unmergeKey));
  for (const u of after.unmerges ?? []) {
    if (u.from !== after.profileId || oldUnmerges.has(unmergeKey(u))) continue;
    records.push({
      at: isoOf(u.at, opts.at),
      action: 'profile.unmerge',
      actor,
      subject,
      detail: detail({
        restored: opts.hasher.profile(u.restored),
        rule: u.merge.rule,
        mergedAt: u.merge.at,
        eventsKept: u.events.from,
        eventsRestored: u.events.restored,
      }),
    });
  }

  if (after.mergedInto === undefined) {
    const old = consentStates(before?.consent);
    const now = consentStates(after.consent);
    for (const purpose of [...new Set([...old.keys(), ...now.keys()])].sort()) {
      const was = old.get(purpose);
      const is = now.get(purpose);
      if (was?.status === is?.status) continue;
      records.push({
        // A decision no longer held (an unmerge took it back to the other side) has no time of its own.
        at: isoOf(is?.at, opts.at),
        action: 'consent.change',
        actor,
        subject,
        // status null: no decision any more, the purpose's configured default applies.
        detail: detail({ purpose, status: is?.status ?? null, source: is?.source ?? null, previous: was?.status ?? null }),
      });
    }
  }
  return records;
}

/** The records of a batch of writes, in write order. */
export function auditDiffs(
  pairs: ReadonlyArray<{ readonly before?: AuditedProfile; readonly after?: AuditedProfile }>,
  opts: AuditDiffOptions,
): AuditRecord[] {
  return pairs.flatMap((p) => auditDiff(p.before, p.after, opts));
}
