/**
 * Environment variables of the analytics functions: the stack sets them
 * (lib/), the Lambda entries (functions/) read them. Named once here.
 */
export const ANALYTICS_ENV = {
  /** The customer-view table the profile export scans (the unification pillar's). */
  table: 'TABLE_NAME',
  /** The curated bucket the export writes (`exports/<table>/export_id=<id>/`). */
  curatedBucket: 'CURATED_BUCKET',
  /** The Glue database of the export tables. */
  glueDatabase: 'GLUE_DATABASE',
  /** Parallel scan segments of the export, one Parquet part per table and segment (config analytics.export.segments). */
  exportSegments: 'EXPORT_SEGMENTS',
  /** Days an export stays registered (config analytics.export.retentionDays). */
  exportRetentionDays: 'EXPORT_RETENTION_DAYS',
} as const;
