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
  /** Which store an erasure step function erases (one of ERASURE_STORES): one function, and one role, per store. */
  erasureStore: 'ERASURE_STORE',
  /** The customer-view table (erasure of profiles, journal, identifier index, membership). */
  table: 'TABLE_NAME',
  /** The lake bucket: raw/, quarantine/, landing/, import reports, the profile snapshot and Entity Resolution's output. */
  lakeBucket: 'LAKE_BUCKET',
  /** The curated bucket: profile exports and segment_events/. */
  curatedBucket: 'CURATED_BUCKET',
  /** The Athena results bucket. */
  queryResultsBucket: 'QUERY_RESULTS_BUCKET',
  /** The Entity Resolution matching workflow (BatchDeleteUniqueId). */
  matchingWorkflow: 'MATCHING_WORKFLOW_NAME',
  /** Redshift Serverless workgroup and database (absent when analytics.redshift.enabled is false). */
  redshiftWorkgroup: 'REDSHIFT_WORKGROUP',
  redshiftDatabase: 'REDSHIFT_DATABASE',
  /** Kinesis retention of the event stream, hours: the receipt's bounded residual. */
  streamRetentionHours: 'STREAM_RETENTION_HOURS',
  /** The activation table (the `activation` store: messages, interactions, deferred sends, contact suppressions); absent: no activation stack. */
  activationTable: 'ACTIVATION_TABLE',
  /** The audience exports bucket (the `audience-exports` store). */
  exportsBucket: 'EXPORTS_BUCKET',
  /** The models bucket, where the `personalize` store writes its deletion lists (`personalize/deletions/`). */
  modelsBucket: 'MODELS_BUCKET',
  /** The Personalize dataset group the deletion job runs on (absent: Personalize not deployed). */
  personalizeDatasetGroupArn: 'PERSONALIZE_DATASET_GROUP_ARN',
  /** The role Personalize assumes to read the deletion list. */
  personalizeDeletionRoleArn: 'PERSONALIZE_DELETION_ROLE_ARN',
} as const;
