/**
 * The batch-file import, independent of where it runs: S3 "object created"
 * notifications for `landing/<source>/<file>` → the import use case with S3
 * adapters (the object streamed in, rejects and report written under
 * `reports/`) and the event sink it is given (the Kinesis stream:
 * adapters/kinesis-sink).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Context, S3Event } from 'aws-lambda';
import { openObject } from '../../shared/s3-object';
import { S3RejectsSink, S3ReportSink } from '../adapters/s3-files';
import type { ImportReport } from '../core/import-report';
import { ITEMS_LANDING_PREFIX, LANDING_PREFIX, reportKeys } from '../contracts/landing';
import type { EventSink } from '../ports';
import type { IngestSuppression } from '../../governance/ports';
import { importFile, ImportFailedError, type ImportSettings } from '../usecases/import-file';

/**
 * An object key as S3 event notifications carry it: URL-encoded, with spaces
 * as `+` (so a literal `+` arrives as `%2B`).
 */
export function decodeS3Key(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/** What the handler logs through (Powertools' Logger fits). */
export interface ImportLog {
  info(message: string, ...extra: Array<Record<string, unknown>>): void;
  warn(message: string, ...extra: Array<Record<string, unknown>>): void;
  error(message: string, ...extra: Array<Record<string, unknown>>): void;
}

export interface FileImportDeps {
  readonly s3: S3Client;
  readonly events: EventSink;
  readonly settings: ImportSettings;
  /** The landing bucket: reports go to it; notifications of other buckets are ignored. */
  readonly landingBucket: string;
  readonly clock?: () => number;
  readonly log?: ImportLog;
  /** Told each file's report (metrics). */
  readonly observe?: (report: ImportReport) => void;
  /** Rejects part size (default 8 MiB). */
  readonly partBytes?: number;
  readonly batchSize?: number;
  /** Drops the rows of erased people (counted in the report); none: nothing is dropped. */
  readonly suppression?: IngestSuppression;
}

export function createFileImport(deps: FileImportDeps) {
  /** `context` (the Lambda context) lets an import stop, with its report, before the invocation times out. */
  return async (event: S3Event, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<ImportReport[]> => {
    const reports: ImportReport[] = [];
    const failures: ImportFailedError[] = [];
    for (const record of event.Records) {
      const bucket = record.s3.bucket.name;
      const key = decodeS3Key(record.s3.object.key);
      if (!record.eventName.startsWith('ObjectCreated:')) continue;
      if (bucket !== deps.landingBucket) {
        deps.log?.warn('notification of another bucket ignored', { bucket, key });
        continue;
      }
      // Folder markers ("landing/crm/") and keys outside landing/ (the notification filter should prevent them).
      if (!key.startsWith(LANDING_PREFIX) || key.endsWith('/')) continue;
      // Item catalog files are not events: the activation pillar's item import reads them (and writes their report).
      if (key.startsWith(ITEMS_LANDING_PREFIX)) {
        deps.log?.info('item catalog: handled by the activation item import', { file: key });
        continue;
      }

      const object = await openObject(deps.s3, bucket, key, record.s3.object.versionId);
      const outputs = reportKeys(key);
      try {
        const report = await importFile(
          { key, body: object.body, fileTime: object.lastModified },
          {
            settings: deps.settings,
            events: deps.events,
            rejects: new S3RejectsSink(deps.s3, bucket, outputs.rejects, deps.partBytes),
            reports: new S3ReportSink(deps.s3, bucket, outputs.report),
            ...(deps.clock === undefined ? {} : { clock: deps.clock }),
            ...(deps.batchSize === undefined ? {} : { batchSize: deps.batchSize }),
            ...(deps.suppression === undefined ? {} : { suppression: deps.suppression }),
            ...(context === undefined ? {} : { remainingTimeMs: () => context.getRemainingTimeInMillis() }),
          },
        );
        reports.push(report);
        deps.observe?.(report);
        const summary = { file: key, status: report.status, rowsRead: report.rowsRead, sent: report.sent, rejected: report.rejected, report: report.reportFile };
        if (report.status === 'rejected') deps.log?.warn(`file rejected: ${report.reason ?? ''}`, summary);
        else if (report.rejected > 0) deps.log?.warn('file imported with rejected rows', { ...summary, reasons: report.reasons });
        else deps.log?.info('file imported', summary);
      } catch (err) {
        if (!(err instanceof ImportFailedError)) throw err;
        deps.observe?.(err.report);
        deps.log?.error('file import failed; Lambda retries it, and rows already sent are applied once', {
          file: key,
          reason: err.report.reason,
          report: err.report.reportFile,
        });
        failures.push(err);
      }
    }
    // A failed file fails the invocation, so that Lambda retries it (and then sends it to the on-failure destination).
    if (failures.length > 0) throw failures[0];
    return reports;
  };
}
