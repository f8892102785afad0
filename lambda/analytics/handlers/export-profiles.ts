/**
 * The scheduled profile export, independent of where it runs: the Lambda
 * entry (functions/export-profiles.ts, an EventBridge schedule) and the local
 * runtime (lambda/local/profile-export.ts) build it with their own adapters.
 * The config's computed traits are compiled once, here; each call exports
 * the customer view as it is at the call's time.
 */
import type { C360Config } from '../../config';
import { customerRecordReader } from '../../unification/contracts/customer-record';
import { computedTraitColumns } from '../contracts/curated';
import type { ExportSink, PartitionCatalog, ProfileSource, TableEncoder } from '../ports';
import { exportProfiles, type ExportAudit, type ExportSummary } from '../usecases/export-profiles';

export interface ExportProfilesDeps {
  readonly config: Pick<C360Config, 'unification' | 'governance'>;
  readonly source: ProfileSource;
  readonly sink: ExportSink;
  readonly catalog: PartitionCatalog;
  readonly encoder: TableEncoder;
  /** Scan segments (analytics.export.segments). */
  readonly totalSegments: number;
  /** Days an export is kept (analytics.export.retentionDays). */
  readonly retentionDays: number;
  /** Items per scan page. @default DynamoDB's 1 MB page */
  readonly pageSize?: number;
  /** The clock (epoch ms). @default Date.now */
  readonly clock?: () => number;
  /** Records each run (`export.run`) in the governance audit log. @default not recorded */
  readonly audit?: ExportAudit;
}

export function createExportProfiles(deps: ExportProfilesDeps): () => Promise<ExportSummary> {
  const record = customerRecordReader(deps.config);
  const computedColumns = computedTraitColumns(deps.config);
  const clock = deps.clock ?? Date.now;
  return () =>
    exportProfiles({
      source: deps.source,
      sink: deps.sink,
      catalog: deps.catalog,
      encoder: deps.encoder,
      record,
      computedColumns,
      totalSegments: deps.totalSegments,
      retentionDays: deps.retentionDays,
      startedAtMs: clock(),
      ...(deps.pageSize === undefined ? {} : { pageSize: deps.pageSize }),
      ...(deps.audit === undefined ? {} : { audit: deps.audit }),
    });
}
