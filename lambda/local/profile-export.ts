/**
 * The profile export on one machine: the same handler as deployed, over the
 * local DynamoDB table, writing Parquet to the local curated folder
 * (`<dataDir>/curated/`, which the local warehouse globs), with expired
 * exports deleted as the bucket's lifecycle rule would. On demand (`run`,
 * `c360 export`) and every analytics.export.everyMinutes; runs never overlap.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { C360Config } from '../config';
import { DynamoProfileSource } from '../analytics/adapters/dynamodb-profile-source';
import { FileExportSink } from '../analytics/adapters/file-export-sink';
import { LocalPartitions } from '../analytics/adapters/local-partitions';
import { parquetEncoder } from '../analytics/adapters/parquet-encoder';
import { createExportProfiles } from '../analytics/handlers/export-profiles';
import type { ExportAudit, ExportSummary } from '../analytics/usecases/export-profiles';

export type { ExportSummary };

export interface LocalProfileExportDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  /** The local curated zone (prepareDataDir(...).curatedDir). */
  readonly curatedDir: string;
  /** Where each run is recorded (`export.run`). @default not recorded */
  readonly audit?: ExportAudit;
}

export interface LocalProfileExport {
  /** Exports now (after the run in progress, if any, has ended). */
  run(): Promise<ExportSummary>;
  /** Stops the schedule; a run in progress finishes. */
  stop(): void;
}

export function startLocalProfileExport(
  config: C360Config,
  deps: LocalProfileExportDeps,
  opts: { schedule?: boolean; clock?: () => number } = {},
): LocalProfileExport {
  const exportNow = createExportProfiles({
    config,
    source: new DynamoProfileSource(deps.doc, deps.tableName),
    sink: new FileExportSink(deps.curatedDir),
    catalog: new LocalPartitions(deps.curatedDir),
    encoder: parquetEncoder,
    totalSegments: config.analytics.export.segments,
    retentionDays: config.analytics.export.retentionDays,
    ...(deps.audit === undefined ? {} : { audit: deps.audit }),
    ...(opts.clock === undefined ? {} : { clock: opts.clock }),
  });
  let last: Promise<unknown> = Promise.resolve();
  let running = false;
  const run = (): Promise<ExportSummary> => {
    const next = last.catch(() => undefined).then(async () => {
      running = true;
      try {
        return await exportNow();
      } finally {
        running = false;
      }
    });
    last = next;
    return next;
  };
  let timer: NodeJS.Timeout | undefined;
  if (opts.schedule !== false) {
    timer = setInterval(() => {
      // A scheduled run that finds one still going is skipped, not queued.
      if (running) return;
      run().catch((err: Error) => console.error(`c360: the profile export failed: ${err.message}`));
    }, config.analytics.export.everyMinutes * 60_000);
    timer.unref();
  }
  return {
    run,
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
