/**
 * The audit log: an append-only record of who did what to customer data.
 * Deployed as JSON lines under `audit/` in the governance bucket (a Glue table
 * reads them), locally under `.c360/audit/`. The subject is a keyed hash of
 * the profile id (subjectHash), never the id or an identifier in clear.
 *
 * Writers that run on a stream deliver at least once: a retried batch may
 * append the same record again. Records derived from stored state carry the
 * time of the change itself (a merge's `at`, a consent decision's time), not
 * the time they were appended, so a repeat is an identical line and
 * `SELECT DISTINCT` removes it.
 */

export const AUDIT_ACTIONS = [
  'profile.read',
  'profile.merge',
  'profile.unmerge',
  'consent.change',
  'erasure.request',
  'erasure.complete',
  'suppression.add',
  'suppression.remove',
  'export.run',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditDetailValue = string | number | boolean | null;

export interface AuditRecord {
  /** When it happened (ISO-8601 UTC). */
  readonly at: string;
  readonly action: AuditAction;
  /** Who: an IAM principal ARN deployed, `local:<user>` locally, or the c360 function that acted (`service:<name>`). */
  readonly actor: string;
  /** Keyed hash of the subject (profile id or identifier); absent for actions on no one person (an export run). */
  readonly subject?: string;
  /** What was done, without personal data in clear: counts, route, purposes, request ids. */
  readonly detail?: Readonly<Record<string, AuditDetailValue>>;
}

/** The actor of a record a c360 function writes on its own account (`service:unify-consumer`). */
export const serviceActor = (name: string) => `service:${name}`;

/** Key prefix of the audit log in the governance bucket: `audit/dt=<YYYY-MM-DD>/<time>-<id>.jsonl`. */
export const AUDIT_PREFIX = 'audit/';
export const auditObjectKey = (at: Date, id: string) => `${AUDIT_PREFIX}${auditPartition(at)}/${at.toISOString().replace(/[-:.]/g, '')}-${id}.jsonl`;

/** The `dt` partition of a time (UTC day): the day a record was appended, deployed and locally. */
export const auditPartition = (at: Date) => `dt=${at.toISOString().slice(0, 10)}`;

/**
 * Prefixes of the Firehose delivery stream (records land in the partition of
 * the day Firehose received them, as FileAuditLog appends to the day it
 * wrote); what Firehose fails to deliver goes under the error prefix.
 */
export const AUDIT_FIREHOSE_PREFIX = `${AUDIT_PREFIX}dt=!{timestamp:yyyy-MM-dd}/`;
export const AUDIT_FIREHOSE_ERROR_PREFIX = 'audit-errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/';

/** The file of each local partition: `<dataDir>/audit/dt=<YYYY-MM-DD>/audit.jsonl`. */
export const AUDIT_LOCAL_FILE = 'audit.jsonl';

/** Columns of the audit Glue table (JSON lines; `detail` as a JSON string). */
export const AUDIT_COLUMNS = [
  { name: 'at', type: 'string' },
  { name: 'action', type: 'string' },
  { name: 'actor', type: 'string' },
  { name: 'subject', type: 'string' },
  { name: 'detail', type: 'string' },
] as const;
/** The partition column of the audit Glue table (`dt=<YYYY-MM-DD>`, as in the keys). */
export const AUDIT_PARTITION_COLUMN = { name: 'dt', type: 'string' } as const;

/**
 * A record as one line of the log (no newline): its fields in AUDIT_COLUMNS
 * order, `detail` as a JSON string so that every column is a plain string
 * whatever SerDe reads it (query it with `json_extract_scalar(detail, '$.rule')`).
 */
export function encodeAuditLine(record: AuditRecord): string {
  return JSON.stringify({
    at: record.at,
    action: record.action,
    actor: record.actor,
    ...(record.subject === undefined ? {} : { subject: record.subject }),
    ...(record.detail === undefined ? {} : { detail: JSON.stringify(record.detail) }),
  });
}

const isDetailValue = (v: unknown): v is AuditDetailValue => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** The record of a line written by encodeAuditLine; throws saying which field is wrong (never quoting the line). */
export function decodeAuditLine(line: string): AuditRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error('audit line is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('audit line is not a JSON object');
  const v = value as Record<string, unknown>;
  if (typeof v.at !== 'string' || Number.isNaN(Date.parse(v.at))) throw new Error('audit line has no ISO-8601 `at`');
  if (typeof v.action !== 'string' || !(AUDIT_ACTIONS as readonly string[]).includes(v.action)) throw new Error('audit line has an unknown `action`');
  if (typeof v.actor !== 'string') throw new Error('audit line has no `actor`');
  if (v.subject !== undefined && typeof v.subject !== 'string') throw new Error('audit line has a `subject` that is not a string');
  let detail: Record<string, AuditDetailValue> | undefined;
  if (v.detail !== undefined) {
    let parsed: unknown;
    try {
      parsed = typeof v.detail === 'string' ? JSON.parse(v.detail) : undefined;
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every(isDetailValue)) {
      throw new Error('audit line has a `detail` that is not a JSON object string of plain values');
    }
    detail = parsed as Record<string, AuditDetailValue>;
  }
  return {
    at: v.at,
    action: v.action as AuditAction,
    actor: v.actor,
    ...(v.subject === undefined ? {} : { subject: v.subject as string }),
    ...(detail === undefined ? {} : { detail }),
  };
}
