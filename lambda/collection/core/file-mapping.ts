/**
 * Batch files → events: one row of a CSV or JSON Lines file dropped under
 * `landing/<source>/` becomes one Segment-spec event by the source's mapping
 * in config (`collection.sources[<source>].file`), or is rejected with the
 * reason it can't be. Pure: no I/O; the import use case streams the rows and
 * runs every mapped event through the shared ingest normalisation.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod/mini';
import { fileMappingProblems, type fileMappingSchema } from '../../config/collection';
import { normalizeEmail, normalizePhone } from '../../shared/normalize';

export type FileMapping = z.output<typeof fileMappingSchema>;

/** One row: CSV header → cell text, or a JSON object's keys → values. */
export type Row = Readonly<Record<string, unknown>>;

export interface RowContext {
  /** The source (landing folder) the file came through. */
  readonly source: string;
  /** The file's key in the landing bucket (`landing/<source>/<name>`): part of each row's derived messageId. */
  readonly fileKey: string;
  /** Line of the file where the row starts (1-based; a CSV header is line 1). */
  readonly line: number;
  /** The file's time (S3 LastModified, file mtime), epoch ms: the time of rows that carry none. */
  readonly fileTime: number;
  /** Region of phone numbers written without a country code (config normalization.defaultPhoneRegion). */
  readonly defaultPhoneRegion: string;
}

/**
 * A mapped row, with what it could not use (an invalid email or phone left
 * out, under `invalidIdentifiers: 'warn'`), or the reason it is rejected.
 */
export type MapResult = { ok: true; event: Record<string, unknown>; warnings: readonly string[] } | { ok: false; reason: string };

type Json = Record<string, unknown>;

/** What makes a mapping unusable for a whole file (undefined when it is fine): the config's own rule. */
export function mappingProblem(mapping: FileMapping): string | undefined {
  return fileMappingProblems(mapping)[0];
}

/** The identifier columns a row needs one value of (userId / anonymousId, or email / phone when neither is mapped). */
export function identifierColumns(mapping: FileMapping): string[] {
  const ids = [mapping.userId, mapping.anonymousId].filter((c): c is string => c !== undefined);
  return ids.length > 0 ? ids : [mapping.email, mapping.phone].filter((c): c is string => c !== undefined);
}

/** Every column the mapping reads. */
export function mappedColumns(mapping: FileMapping): string[] {
  const columns = [
    mapping.userId,
    mapping.anonymousId,
    mapping.email,
    mapping.phone,
    mapping.timestamp,
    mapping.messageId,
    mapping.consentPolicyVersion,
    ...Object.values(mapping.traits),
    ...Object.values(mapping.properties),
    ...Object.values(mapping.consent),
  ].filter((c): c is string => c !== undefined);
  return [...new Set(columns)];
}

/** messageId of a row without a mapped messageId column: stable across re-imports of the same file. */
export function rowMessageId(source: string, fileKey: string, line: number): string {
  const digest = createHash('sha256').update(`${source}\u0000${fileKey}\u0000${line}`).digest('hex');
  return `file-${digest.slice(0, 32)}`;
}

/** A cell's value, or undefined when it is empty (missing, null, blank). Strings are trimmed. */
export function cell(row: Row, column: string): string | number | boolean | undefined {
  const value = Object.hasOwn(row, column) ? row[column] : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const text = value.trim();
    return text.length > 0 ? text : undefined;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return undefined;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A number written plainly (`12`, `-3.5`, `1e3`); no thousands separators, which are ambiguous across locales. */
export function parseNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

const CONSENT_ANSWERS: Readonly<Record<string, boolean>> = {
  yes: true,
  no: false,
  y: true,
  n: false,
  true: true,
  false: false,
  '1': true,
  '0': false,
  granted: true,
  denied: false,
};

/** A consent answer: yes/no, y/n, true/false, 1/0, granted/denied (any case); undefined when it is none of them. */
export function parseConsentAnswer(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value !== 'string') return undefined;
  return CONSENT_ANSWERS[value.trim().toLowerCase()];
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * ISO-8601 UTC of a row's time: an ISO-8601 date or date-time (a date-time
 * without a zone is read as UTC, so the result doesn't depend on the
 * machine's time zone), or epoch seconds / milliseconds. Undefined otherwise,
 * including impossible dates such as 2024-02-30.
 */
export function parseDate(value: unknown): string | undefined {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d{9,13}$/.test(value.trim()))) {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) return undefined;
    const ms = n < 1e11 ? n * 1000 : n;
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  if (typeof value !== 'string') return undefined;
  const m = ISO_DATE.exec(value.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 3 ? `${zone}:00` : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${frac.padEnd(3, '0').slice(0, 3)}${offset}`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * Maps one row to a Segment-spec event (not yet normalised: the caller runs
 * it through `ingestEvent`). Rejects, with the reason, a row whose identifier
 * columns are all empty, or whose number or date column can't be read.
 * An email or phone that is not valid is left out with a warning, or
 * rejects the row when the mapping's `invalidIdentifiers` is `reject`; a row
 * left with no identifier at all is rejected either way.
 *
 * - `identify` rows carry the trait columns, email and phone as `traits`;
 *   `track` rows carry the property columns as `properties`, and email,
 *   phone and any trait columns as `context.traits` (what the profile learns).
 * - When neither userId nor anonymousId is mapped, the row's anonymousId is
 *   its messageId, and its email or phone links it to a person.
 * - Empty cells are left out; `numbers` columns become numbers.
 * - messageId: `<source>:<value>` of the messageId column (namespaced, so
 *   two sources' row ids never collide), else (no such column, or an empty
 *   cell) a hash of (source, file key, line): a re-imported file is applied once.
 * - `consent` columns (track rows) become `context.consent.categoryPreferences`
 *   (purpose or category → true/false), with the policy version column's
 *   value as `context.consent.policyVersion`; an answer that is not
 *   yes/no, true/false, 1/0 or granted/denied rejects the row.
 * - `context.channel` is the source; `context.file` records where the row came from.
 */
const numberColumns = new WeakMap<FileMapping, ReadonlySet<string>>();

export function mapRow(row: Row, mapping: FileMapping, ctx: RowContext): MapResult {
  let numbers = numberColumns.get(mapping);
  if (numbers === undefined) {
    numbers = new Set(mapping.numbers);
    numberColumns.set(mapping, numbers);
  }
  const read = (column: string): { value?: unknown; error?: string } => {
    const value = cell(row, column);
    if (value === undefined || !numbers.has(column)) return { value };
    const n = parseNumber(value);
    return n === undefined ? { error: `column "${column}" is not a number` } : { value: n };
  };
  const pick = (fields: Readonly<Record<string, string>>): { values: Json; error?: string } => {
    const values: Json = {};
    for (const [name, column] of Object.entries(fields)) {
      const { value, error } = read(column);
      if (error !== undefined) return { values, error };
      if (value !== undefined) values[name] = value;
    }
    return { values };
  };

  const text = (column: string | undefined) => {
    if (column === undefined) return undefined;
    const value = cell(row, column);
    return value === undefined ? undefined : String(value);
  };
  const userId = text(mapping.userId);
  const explicitAnonymousId = text(mapping.anonymousId);
  const idsMapped = mapping.userId !== undefined || mapping.anonymousId !== undefined;
  const emailText = text(mapping.email);
  const phoneText = text(mapping.phone);
  if (idsMapped ? userId === undefined && explicitAnonymousId === undefined : emailText === undefined && phoneText === undefined) {
    const columns = identifierColumns(mapping).map((c) => `"${c}"`);
    return { ok: false, reason: `missing identifier: ${columns.length > 1 ? `columns ${columns.join(' and ')} are` : `column ${columns[0]} is`} empty` };
  }
  // An email or phone that is not one is left out (a warning) or rejects the row, by the mapping's invalidIdentifiers.
  const problems: string[] = [];
  const email = emailText !== undefined && normalizeEmail(emailText) === undefined ? undefined : emailText;
  if (emailText !== undefined && email === undefined) problems.push(invalidEmail(mapping.email as string));
  const phone = phoneText !== undefined && normalizePhone(phoneText, ctx.defaultPhoneRegion) === undefined ? undefined : phoneText;
  if (phoneText !== undefined && phone === undefined) problems.push(invalidPhone(mapping.phone as string));
  if (problems.length > 0 && mapping.invalidIdentifiers === 'reject') return { ok: false, reason: problems[0] as string };
  if (!idsMapped && email === undefined && phone === undefined) return { ok: false, reason: `no usable identifier: ${problems.join('; ')}` };
  const warnings = problems.map((p) => `${p} (left out)`);

  let timestamp = new Date(ctx.fileTime).toISOString();
  if (mapping.timestamp !== undefined) {
    const raw = cell(row, mapping.timestamp);
    if (raw !== undefined) {
      const iso = parseDate(raw);
      if (iso === undefined) return { ok: false, reason: `column "${mapping.timestamp}" is not a date (ISO-8601 or epoch seconds expected)` };
      timestamp = iso;
    }
  }

  const traits = pick(mapping.traits);
  if (traits.error !== undefined) return { ok: false, reason: traits.error };
  const properties = pick(mapping.properties);
  if (properties.error !== undefined) return { ok: false, reason: properties.error };
  if (email !== undefined) traits.values.email = email;
  if (phone !== undefined) traits.values.phone = phone;
  const categoryPreferences: Record<string, boolean> = {};
  for (const [category, column] of Object.entries(mapping.consent)) {
    const value = cell(row, column);
    if (value === undefined) continue;
    const answer = parseConsentAnswer(value);
    if (answer === undefined) return { ok: false, reason: `column "${column}" is not a consent answer (yes/no, true/false, 1/0 or granted/denied expected)` };
    categoryPreferences[category] = answer;
  }
  const policyVersion = text(mapping.consentPolicyVersion);

  const rowId = text(mapping.messageId);
  const messageId = rowId === undefined ? rowMessageId(ctx.source, ctx.fileKey, ctx.line) : `${ctx.source}:${rowId}`;
  const anonymousId = explicitAnonymousId ?? (idsMapped ? undefined : messageId);
  const hasTraits = Object.keys(traits.values).length > 0;
  const context: Json = { channel: ctx.source, file: { key: ctx.fileKey, line: ctx.line } };
  const event: Json = { type: mapping.type, messageId, timestamp };
  if (userId !== undefined) event.userId = userId;
  if (anonymousId !== undefined) event.anonymousId = anonymousId;
  if (mapping.type === 'identify') {
    event.traits = traits.values;
  } else {
    event.event = mapping.event;
    event.properties = properties.values;
    if (hasTraits) context.traits = traits.values;
    if (Object.keys(categoryPreferences).length > 0) {
      context.consent = { categoryPreferences, ...(policyVersion === undefined ? {} : { policyVersion }) };
    }
  }
  event.context = context;
  return { ok: true, event, warnings };
}

const invalidEmail = (column: string) => `column "${column}" is not a valid email address`;
const invalidPhone = (column: string) => `column "${column}" is not a valid phone number`;
