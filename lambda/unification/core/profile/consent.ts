/**
 * Consent on the profile: per purpose, a history of the decisions events
 * carried, and the current state, the latest decision by event time (ties
 * broken by messageId), whatever order the events arrived in.
 *
 * The history is a set (keyed by event and time) cut down by rules that
 * commute with union, so that applying events in any order, applying one
 * twice, or merging two profiles gives the same history:
 *  - context decisions (the consent object any event may carry) keep only
 *    the latest per (purpose, status): every event may repeat the same answer;
 *  - explicit decisions (the preference event) keep the most recent
 *    MAX_EXPLICIT_DECISIONS per purpose.
 * The latest decision of a purpose always survives both cuts.
 */
import { CONTEXT_CONSENT_SOURCE, type ConsentDecision, type ConsentStatus } from '../../../shared/events';

export type { ConsentDecision, ConsentStatus };

/** A decision as the profile stores it, under its purpose. */
export type ConsentRecord = Omit<ConsentDecision, 'purpose'>;

/** Purpose → its decisions, oldest first. */
export type ConsentHistory = Readonly<Record<string, readonly ConsentRecord[]>>;

/** Explicit decisions a profile keeps per purpose. */
export const MAX_EXPLICIT_DECISIONS = 100;

/** The source of a purpose's state when the person never decided it. */
export const DEFAULT_CONSENT_SOURCE = 'default';

/** Whether a decision was the person's explicit choice (a preference event) rather than a consent object riding on another event. */
export function isExplicit(record: Pick<ConsentRecord, 'source'>): boolean {
  return record.source !== CONTEXT_CONSENT_SOURCE;
}

/** Total order of decisions: event time, then messageId, then the rest (so equal keys still compare the same way everywhere). */
function compare(a: ConsentRecord, b: ConsentRecord): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.messageId !== b.messageId) return a.messageId < b.messageId ? -1 : 1;
  const x = `${a.status}|${a.source}|${a.policyVersion}`;
  const y = `${b.status}|${b.source}|${b.policyVersion}`;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** One purpose's decisions: deduplicated by (time, messageId), cut as the module explains, oldest first. */
function settle(records: Iterable<ConsentRecord>): ConsentRecord[] {
  const byKey = new Map<string, ConsentRecord>();
  for (const r of records) {
    const key = `${r.at}|${r.messageId}`;
    const held = byKey.get(key);
    if (held === undefined || compare(r, held) > 0) byKey.set(key, r);
  }
  const sorted = [...byKey.values()].sort(compare);
  const context = new Map<ConsentStatus, ConsentRecord>();
  const explicit: ConsentRecord[] = [];
  for (const r of sorted) {
    if (isExplicit(r)) explicit.push(r);
    else context.set(r.status, r);
  }
  return [...context.values(), ...explicit.slice(-MAX_EXPLICIT_DECISIONS)].sort(compare);
}

/** The history with `decisions` added; the same object when there are none. */
export function addDecisions(history: ConsentHistory | undefined, decisions: readonly ConsentDecision[]): ConsentHistory | undefined {
  if (decisions.length === 0) return history;
  const added = new Map<string, ConsentRecord[]>();
  for (const { purpose, ...record } of decisions) {
    let list = added.get(purpose);
    if (list === undefined) added.set(purpose, (list = []));
    list.push(record);
  }
  const out: Record<string, readonly ConsentRecord[]> = { ...history };
  for (const [purpose, records] of added) out[purpose] = settle([...(history?.[purpose] ?? []), ...records]);
  return out;
}

/** The union of two profiles' histories (a merge). */
export function mergeConsent(a: ConsentHistory | undefined, b: ConsentHistory | undefined): ConsentHistory | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const out: Record<string, readonly ConsentRecord[]> = { ...a };
  for (const [purpose, records] of Object.entries(b)) out[purpose] = settle([...(a[purpose] ?? []), ...records]);
  return out;
}

/** The state of one purpose, as the API and the exports show it. */
export interface ConsentState {
  readonly status: ConsentStatus;
  /** Event time of the decision (ISO-8601); null for a purpose never decided. */
  readonly at: string | null;
  /** `event`, `context`, the name a preference event gave (`api`, ...), or `default` for a purpose never decided. */
  readonly source: string;
  readonly policyVersion: string | null;
  readonly explicit: boolean;
}

/** A decision of the history as the API shows it. */
export interface ConsentHistoryEntry {
  readonly purpose: string;
  readonly status: ConsentStatus;
  readonly at: string;
  readonly source: string;
  readonly policyVersion: string;
  readonly messageId: string;
  readonly explicit: boolean;
}

/** Configured purposes, with the state of one never decided (config governance.consent.purposes). */
export type ConsentPurposes = Readonly<Record<string, { readonly whenMissing: ConsentStatus }>>;

const stateOf = (r: ConsentRecord): ConsentState => ({
  status: r.status,
  at: new Date(r.at).toISOString(),
  source: r.source,
  policyVersion: r.policyVersion,
  explicit: isExplicit(r),
});

/**
 * The current state per purpose: the latest decision of each purpose the
 * profile holds; with `purposes`, every configured purpose too, those never
 * decided in their `whenMissing` state (source `default`).
 */
export function currentConsent(history: ConsentHistory | undefined, purposes?: ConsentPurposes): Record<string, ConsentState> {
  const out: Record<string, ConsentState> = {};
  for (const [purpose, { whenMissing }] of Object.entries(purposes ?? {})) {
    out[purpose] = { status: whenMissing, at: null, source: DEFAULT_CONSENT_SOURCE, policyVersion: null, explicit: false };
  }
  for (const [purpose, records] of Object.entries(history ?? {})) {
    const latest = records.at(-1);
    if (latest !== undefined) out[purpose] = stateOf(latest);
  }
  return out;
}

/** Every decision the profile keeps, oldest first (ties by messageId, then purpose). */
export function consentHistory(history: ConsentHistory | undefined): ConsentHistoryEntry[] {
  const entries = Object.entries(history ?? {}).flatMap(([purpose, records]) => records.map((r) => ({ purpose, r })));
  entries.sort((x, y) => compare(x.r, y.r) || (x.purpose < y.purpose ? -1 : x.purpose > y.purpose ? 1 : 0));
  return entries.map(({ purpose, r }) => ({
    purpose,
    status: r.status,
    at: new Date(r.at).toISOString(),
    source: r.source,
    policyVersion: r.policyVersion,
    messageId: r.messageId,
    explicit: isExplicit(r),
  }));
}
