/**
 * The deployed file stores of ERASURE_STORES, each as the buckets and
 * prefixes c360 writes customer data to (from the pillars' layout contracts):
 *
 *   raw-lake        lake bucket     raw/                       Firehose, gzip JSON lines
 *   quarantine      lake bucket     quarantine/                the consumer's JSON lines and Firehose's
 *                                                              processing-failed output (gzip, base64 rawData)
 *   landing         landing bucket  landing/, reports/         batch files (CSV / JSON lines, maybe gzip),
 *                                                              import reports (JSON) and rejected rows
 *   curated         curated bucket  exports/                   the profile export's Parquet tables
 *   segment-events  curated bucket  segment_events/,           Firehose, gzip JSON lines, and its failed records
 *                                   errors/segment_events/
 *   query-results   results bucket  (all)                      Athena results: deleted, they are caches
 *
 * `matching` (the profile snapshot and Entity Resolution's output, plus
 * BatchDeleteUniqueId) is entity-resolution-eraser.ts.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { EXPORTS_PREFIX, SEGMENT_EVENTS_PREFIX } from '../../analytics/contracts/curated';
import { QUARANTINE_ZONE, RAW_ZONE } from '../../collection/contracts/lake-layout';
import { LANDING_PREFIX, REPORTS_PREFIX } from '../../collection/contracts/landing';
import { S3DeleteAllEraser, S3FileEraser, type S3FileEraserOptions } from './s3-file-eraser';

/**
 * Where the segment-history delivery stream writes the records it could not
 * deliver. Mirrors SEGMENT_EVENTS_ERRORS_FOLDER of the analytics stack's
 * segment-history construct, which should move to analytics/contracts/curated.ts
 * so that both import one constant.
 */
export const SEGMENT_EVENTS_ERRORS_PREFIX = 'errors/segment_events/';

export const rawLakeEraser = (s3: S3Client, lakeBucket: string, opts?: S3FileEraserOptions) =>
  new S3FileEraser(s3, 'raw-lake', [{ bucket: lakeBucket, prefix: `${RAW_ZONE}/` }], opts);

export const quarantineEraser = (s3: S3Client, lakeBucket: string, opts?: S3FileEraserOptions) =>
  new S3FileEraser(s3, 'quarantine', [{ bucket: lakeBucket, prefix: `${QUARANTINE_ZONE}/` }], opts);

export const landingEraser = (s3: S3Client, landingBucket: string, opts?: S3FileEraserOptions) =>
  new S3FileEraser(
    s3,
    'landing',
    [
      { bucket: landingBucket, prefix: LANDING_PREFIX },
      { bucket: landingBucket, prefix: REPORTS_PREFIX },
    ],
    opts,
  );

export const curatedEraser = (s3: S3Client, curatedBucket: string, opts?: S3FileEraserOptions) =>
  new S3FileEraser(s3, 'curated', [{ bucket: curatedBucket, prefix: EXPORTS_PREFIX }], opts);

export const segmentEventsEraser = (s3: S3Client, curatedBucket: string, opts?: S3FileEraserOptions) =>
  new S3FileEraser(
    s3,
    'segment-events',
    [
      { bucket: curatedBucket, prefix: SEGMENT_EVENTS_PREFIX },
      { bucket: curatedBucket, prefix: SEGMENT_EVENTS_ERRORS_PREFIX },
    ],
    opts,
  );

export const queryResultsEraser = (s3: S3Client, queryResultsBucket: string, opts?: Pick<S3FileEraserOptions, 'clock'>) =>
  new S3DeleteAllEraser(s3, 'query-results', { bucket: queryResultsBucket, prefix: '' }, opts);
