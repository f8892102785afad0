/**
 * The audit log: an append-only record of who did what to customer data.
 * Deployed as JSON lines under `audit/` in the governance bucket (a Glue table
 * reads them), locally under `.c360/audit/`. The subject is a keyed hash of
 * the profile id (subjectHash), never the id or an identifier in clear.
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

export interface AuditRecord {
  /** When it happened (ISO-8601 UTC). */
  readonly at: string;
  readonly action: AuditAction;
  /** Who: an IAM principal ARN deployed, `local:<user>` locally, or the c360 function that acted (`service:<name>`). */
  readonly actor: string;
  /** Keyed hash of the subject (profile id or identifier); absent for actions on no one person (an export run). */
  readonly subject?: string;
  /** What was done, without personal data in clear: counts, route, purposes, request ids. */
  readonly detail?: Readonly<Record<string, string | number | boolean | null>>;
}

/** Key prefix of the audit log in the governance bucket: `audit/dt=<YYYY-MM-DD>/<time>-<id>.jsonl`. */
export const AUDIT_PREFIX = 'audit/';
export const auditObjectKey = (at: Date, id: string) => `${AUDIT_PREFIX}dt=${at.toISOString().slice(0, 10)}/${at.toISOString().replace(/[-:.]/g, '')}-${id}.jsonl`;

/** Columns of the audit Glue table (JSON lines; `detail` as a JSON string). */
export const AUDIT_COLUMNS = [
  { name: 'at', type: 'string' },
  { name: 'action', type: 'string' },
  { name: 'actor', type: 'string' },
  { name: 'subject', type: 'string' },
  { name: 'detail', type: 'string' },
] as const;
