/**
 * Environment variables of the governance functions and of the ingest paths
 * that check the suppression list: the stacks set them (lib/), the Lambda
 * entries (functions/) read them. Named once here.
 */
export const GOVERNANCE_ENV = {
  /** The suppression list table (keyed hashes of erased people's identifiers). */
  suppressionTable: 'SUPPRESSION_TABLE',
  /** The Secrets Manager secret holding the HMAC key of the subject and suppression hashes (encrypted with the governance key). */
  hashKeySecret: 'HASH_KEY_SECRET_ARN',
  /** The governance bucket: audit log, erasure work files and receipts. */
  governanceBucket: 'GOVERNANCE_BUCKET',
  /** The erasure state machine the privacy API starts. */
  erasureStateMachine: 'ERASURE_STATE_MACHINE_ARN',
  /** The audit delivery (Firehose stream) audit records are put to. */
  auditStream: 'AUDIT_DELIVERY_STREAM',
} as const;
