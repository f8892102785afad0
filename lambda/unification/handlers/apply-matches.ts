/**
 * Applies an Entity Resolution job's match groups as merges. Invoked by an
 * EventBridge rule on each results object S3 writes under
 * `entity-resolution/output/<job>/success/`: it reads the whole job folder
 * (a match group may span files; re-applying is idempotent), merges through
 * the consumer's planner, and writes a report of what was merged and what
 * was refused, with the reasons, next to the results.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { MatchOutput, RejectedRow } from '../adapters/entity-resolution-output';
import type { RejectedMatch } from '../core/identity/plan-types';
import { applyMatches, type ApplyMatchesReport } from '../usecases/apply-matches';
import type { ResolveDeps } from '../usecases/unify-batch';

/** The part of S3's "Object Created" EventBridge event this reads. */
export interface ObjectCreatedEvent {
  readonly detail: { readonly bucket: { readonly name: string }; readonly object: { readonly key: string } };
}

export interface ApplyMatchesDeps extends ResolveDeps {
  readonly s3: S3Client;
  readonly readJob: (s3: S3Client, bucket: string, folder: string) => Promise<MatchOutput & { readonly keys: readonly string[] }>;
  readonly successFolderOf: (key: string) => string | undefined;
  readonly writeReport: (bucket: string, key: string, body: string) => Promise<void>;
}

export interface ApplyMatchesResult extends Omit<ApplyMatchesReport, 'rejected'> {
  readonly folder?: string;
  readonly files: number;
  readonly rows: number;
  readonly rejectedRows: readonly RejectedRow[];
  readonly rejectedMerges: readonly RejectedMatch[];
  readonly reportKey?: string;
}

export function createApplyMatchesHandler(deps: ApplyMatchesDeps) {
  return async (event: ObjectCreatedEvent): Promise<ApplyMatchesResult> => {
    const bucket = event.detail.bucket.name;
    const key = decodeURIComponent(event.detail.object.key.replace(/\+/g, ' '));
    const folder = deps.successFolderOf(key);
    if (folder === undefined) {
      return { groups: 0, merges: 0, unapplied: [], files: 0, rows: 0, rejectedRows: [], rejectedMerges: [] };
    }
    const output = await deps.readJob(deps.s3, bucket, folder);
    const report = await applyMatches(output.groups, deps);
    const result: ApplyMatchesResult = {
      folder,
      files: output.keys.length,
      rows: output.rows,
      groups: report.groups,
      merges: report.merges,
      unapplied: report.unapplied,
      rejectedRows: output.rejected,
      rejectedMerges: report.rejected,
      reportKey: `${folder.replace(/success\/$/, '')}c360-report.json`,
    };
    await deps.writeReport(bucket, result.reportKey as string, JSON.stringify({ ...result, appliedAt: new Date((deps.clock ?? Date.now)()).toISOString() }, null, 2));
    if (report.unapplied.length > 0) {
      // Thrown after the report is written: EventBridge retries the invocation, and re-applying is idempotent.
      throw new Error(`${report.unapplied.length} match groups kept conflicting with concurrent writes; retrying`);
    }
    return result;
  };
}
