/**
 * The rows of the curated export tables (contracts/curated.ts) of one
 * customer record: a `profiles` row (the fixed columns, then one typed column
 * per computed trait), and its identities, merges, segment memberships and
 * rejected identifiers. Pure: plain data in, plain rows out.
 *
 * Cell values are what the Parquet encoder takes: text, numbers (bigint
 * columns hold whole numbers), booleans, or null; timestamps are epoch
 * milliseconds.
 */
import { EXPORT_TABLES, type ComputedTraitColumn, type ExportTable } from '../contracts/curated';

export type CellValue = string | number | boolean | null;
export type ExportRow = Readonly<Record<string, CellValue>>;
export type ExportRows = Record<ExportTable, ExportRow[]>;

interface Identifier {
  readonly type: string;
  readonly value: string;
}

/**
 * What the export reads of a customer record: the unification pillar's
 * CustomerRecord (lambda/unification/contracts/customer-record.ts) has this
 * shape; it is restated here because core/ reads no other pillar.
 */
export interface ExportSubject {
  readonly profileId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly identifiers: Readonly<Record<string, readonly string[]>>;
  readonly traits: Readonly<Record<string, unknown>>;
  readonly counters: {
    readonly eventCount: number;
    readonly orderCount: number;
    readonly totalRevenue: number;
    readonly firstSeen: string | null;
    readonly lastSeen: string | null;
  };
  readonly computed: Readonly<Record<string, number | string | null>>;
  readonly segments: Readonly<Record<string, string>>;
  readonly mergedFrom: readonly string[];
  readonly merges: ReadonlyArray<{
    readonly at: string;
    readonly merged: string;
    readonly rule: string;
    readonly identifier?: Identifier;
    readonly matchedWith?: Identifier;
    readonly messageId?: string;
    readonly matchId?: string;
    readonly matchRule?: string;
  }>;
  readonly rejectedIdentifiers: ReadonlyArray<Identifier & { readonly reason: string; readonly messageId: string; readonly at: string }>;
  readonly channels: Readonly<Record<string, number>>;
  readonly enriched: Readonly<Record<string, unknown>>;
  /** Current consent per purpose (status, when, source, policy version, explicit or not). */
  readonly consent?: Readonly<
    Record<string, { readonly status: string; readonly at: string | null; readonly source: string; readonly policyVersion: string | null; readonly explicit: boolean }>
  >;
}

/** Tables with no rows yet. */
export function emptyRows(): ExportRows {
  return Object.fromEntries(EXPORT_TABLES.map((t) => [t, []])) as unknown as ExportRows;
}

/** Epoch ms of an ISO-8601 time; null when absent or unreadable. */
function epochMs(iso: string | null | undefined): number | null {
  if (iso === null || iso === undefined) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** A trait value as text: strings as they are, numbers and booleans written out, anything else null. */
function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') return String(v);
  return null;
}

function objectAt(v: unknown): Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The first of several trait spellings that holds a value (Segment's spec names first, then common variants). */
function firstText(...values: unknown[]): string | null {
  for (const v of values) {
    const t = text(v);
    if (t !== null && t !== '') return t;
  }
  return null;
}

/**
 * Consent by purpose as a JSON object, `{"<purpose>": {"status": "granted",
 * "at": "<ISO-8601>" | null, "source": "event" | "context" | "default" | ...,
 * "policyVersion": ..., "explicit": true}}`, so SQL reads
 * `json_extract_scalar(consent, '$.marketing_email.status')`. Null until the
 * person has decided something: every purpose is then in its default state
 * (governance.consent.purposes' `whenMissing`). The one place the `consent`
 * column is filled.
 */
function consentColumn(subject: ExportSubject): string | null {
  const consent = subject.consent ?? {};
  return Object.values(consent).some((state) => state.source !== DEFAULT_SOURCE) ? JSON.stringify(consent) : null;
}

/** The source of a purpose's state when the person never decided it (unification's DEFAULT_CONSENT_SOURCE). */
const DEFAULT_SOURCE = 'default';

/** A computed value in its column's type; a value of another kind (a stored state older than the config) is null. */
function computedCell(column: ComputedTraitColumn, v: number | string | null | undefined): CellValue {
  if (v === null || v === undefined) return null;
  switch (column.type) {
    case 'bigint':
      return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : null;
    case 'double':
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    case 'timestamp':
      return typeof v === 'string' ? epochMs(v) : null;
    case 'boolean':
      return null;
    case 'string':
      return text(v);
  }
}

/** The `profiles` row of a record (fixed columns, then `computed` in column order). */
export function profileRow(s: ExportSubject, computed: readonly ComputedTraitColumn[]): ExportRow {
  const t = s.traits;
  const address = objectAt(t.address);
  const row: Record<string, CellValue> = {
    profile_id: s.profileId,
    created_at: epochMs(s.createdAt),
    updated_at: epochMs(s.updatedAt),
    first_seen: epochMs(s.counters.firstSeen),
    last_seen: epochMs(s.counters.lastSeen),
    event_count: s.counters.eventCount,
    order_count: s.counters.orderCount,
    total_revenue: s.counters.totalRevenue,
    user_id: s.identifiers.userId?.[0] ?? null,
    email: firstText(t.email),
    phone: firstText(t.phone),
    first_name: firstText(t.firstName, t.first_name),
    last_name: firstText(t.lastName, t.last_name),
    city: firstText(address.city, t.city),
    country: firstText(address.country, t.country),
    postcode: firstText(address.postalCode, t.postalCode, t.postcode, t.zip),
    identifier_count: Object.values(s.identifiers).reduce((n, values) => n + values.length, 0),
    merged_from_count: s.mergedFrom.length,
    segment_count: Object.keys(s.segments).length,
    channels: JSON.stringify(s.channels),
    traits: JSON.stringify(s.traits),
    enriched: JSON.stringify(s.enriched),
    consent: consentColumn(s),
  };
  for (const c of computed) row[c.name] = computedCell(c, s.computed[c.trait]);
  return row;
}

/** Appends the rows of one record to `into` (one `profiles` row, and one row per identifier, merge, membership, rejection). */
export function appendExportRows(into: ExportRows, s: ExportSubject, computed: readonly ComputedTraitColumn[]): void {
  const id = s.profileId;
  into.profiles.push(profileRow(s, computed));
  for (const [type, values] of Object.entries(s.identifiers)) {
    for (const value of values) into.identities.push({ profile_id: id, identifier_type: type, identifier_value: value });
  }
  for (const m of s.merges) {
    into.identity_merges.push({
      profile_id: id,
      merged_profile_id: m.merged,
      rule: m.rule,
      identifier_type: m.identifier?.type ?? null,
      identifier_value: m.identifier?.value ?? null,
      matched_with_type: m.matchedWith?.type ?? null,
      matched_with_value: m.matchedWith?.value ?? null,
      message_id: m.messageId ?? null,
      match_id: m.matchId ?? null,
      match_rule: m.matchRule ?? null,
      merged_at: epochMs(m.at),
    });
  }
  for (const [segment, at] of Object.entries(s.segments)) {
    into.segment_membership.push({ profile_id: id, segment, entered_at: epochMs(at) });
  }
  for (const r of s.rejectedIdentifiers) {
    into.rejected_identifiers.push({
      profile_id: id,
      identifier_type: r.type,
      identifier_value: r.value,
      reason: r.reason,
      message_id: r.messageId,
      rejected_at: epochMs(r.at),
    });
  }
}

/** The rows of one record, by table. */
export function exportRows(s: ExportSubject, computed: readonly ComputedTraitColumn[]): ExportRows {
  const rows = emptyRows();
  appendExportRows(rows, s, computed);
  return rows;
}
