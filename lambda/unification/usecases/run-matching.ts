/**
 * One scheduled Entity Resolution run: exports the live profiles as the CSV
 * snapshot (export-snapshot.ts), then starts the matching job that reads it.
 * A run is skipped while a matching job is still queued or running, so that
 * the snapshot is never rewritten under a job; no job is started over fewer
 * than two rows, as there is nothing to match.
 */
import type { MatchingJobs } from '../ports';
import { exportSnapshot, type ExportSnapshotInput, type SnapshotCounts } from './export-snapshot';

/** What a run did, step by step, as it happens (logs and metrics). */
export type MatchingRunStep =
  | { readonly step: 'job-active'; readonly activeJobId: string }
  | { readonly step: 'exported'; readonly counts: SnapshotCounts }
  | { readonly step: 'too-few-rows'; readonly counts: SnapshotCounts }
  | { readonly step: 'job-started'; readonly counts: SnapshotCounts; readonly jobId: string | undefined };

export type MatchingRun = { readonly skipped: 'job-active'; readonly activeJobId: string } | (SnapshotCounts & { readonly jobId: string | undefined });

export interface RunMatchingDeps extends ExportSnapshotInput {
  readonly jobs: MatchingJobs;
  readonly observe?: (step: MatchingRunStep) => void;
}

export async function runMatching(deps: RunMatchingDeps): Promise<MatchingRun> {
  const { jobs, observe, ...snapshot } = deps;
  const active = await jobs.activeJob();
  if (active !== undefined) {
    observe?.({ step: 'job-active', activeJobId: active });
    return { skipped: 'job-active', activeJobId: active };
  }
  const counts = await exportSnapshot(snapshot);
  observe?.({ step: 'exported', counts });
  if (counts.written < 2) {
    observe?.({ step: 'too-few-rows', counts });
    return { ...counts, jobId: undefined };
  }
  const jobId = await jobs.start();
  observe?.({ step: 'job-started', counts, jobId });
  return { ...counts, jobId };
}
