/**
 * Environment variables of the unification functions: the stack sets them
 * (lib/), the Lambda entries (functions/) read them. Named once here.
 */
export const UNIFICATION_ENV = {
  /** The customer-view table. */
  table: 'TABLE_NAME',
  /** The lake bucket (quarantine, profile snapshot, Entity Resolution output). */
  lakeBucket: 'LAKE_BUCKET',
  /** The segment-events bus. */
  eventBus: 'EVENT_BUS_NAME',
  /** The Entity Resolution matching workflow the snapshot feeds. */
  matchingWorkflow: 'MATCHING_WORKFLOW_NAME',
  /** Scan segments (and snapshot parts) of the profile snapshot. */
  snapshotSegments: 'SNAPSHOT_SEGMENTS',
  /** How ambiguous dates in the snapshot are read: `MDY` or `DMY`. */
  dateOrder: 'DATE_ORDER',
  /** The event stream the profile API puts consent decisions on (absent: the API does not record consent). */
  eventStream: 'EVENT_STREAM_NAME',
} as const;
