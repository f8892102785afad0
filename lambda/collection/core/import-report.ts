/**
 * The report of one batch-file import: what it read, sent, rejected and
 * skipped as duplicates, with counts that add up
 * (read = sent + rejected + duplicates + unsent), what it could not use in
 * rows it sent (warnings by reason), and the wording of why an import stopped.
 */
import type { FileFormat } from '../contracts/landing';

export type ImportStatus = 'completed' | 'rejected' | 'failed';

export interface ImportReport {
  /** The file's landing key. */
  readonly file: string;
  readonly source: string;
  readonly format?: FileFormat;
  readonly compressed?: boolean;
  /** `completed`: every row read was sent or rejected. `rejected`: the whole file was refused (`reason`). `failed`: the import stopped (`reason`). */
  readonly status: ImportStatus;
  readonly reason?: string;
  /** Data rows read (a CSV header is not a row; blank lines are skipped, and counted in `blankLines`). */
  readonly rowsRead: number;
  readonly sent: number;
  readonly rejected: number;
  /** Rows identical to an earlier row of the file: not sent again (the earlier one was). */
  readonly duplicates: number;
  /** Rows read but neither sent, rejected nor duplicates: 0 unless the import failed. read = sent + rejected + duplicates + unsent. */
  readonly unsent: number;
  /** Rejected rows by reason. */
  readonly reasons: Readonly<Record<string, number>>;
  /** Rows sent without something they held (an invalid email or phone left out). */
  readonly rowsWithWarnings: number;
  /** What was left out of the rows sent, by reason (a row can count under several). */
  readonly rowWarnings: Readonly<Record<string, number>>;
  /** The first duplicate rows: each one's line and the line of the row it repeats. */
  readonly duplicateLines: readonly { readonly line: number; readonly sameAs: number }[];
  /** Blank lines skipped. */
  readonly blankLines: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Bytes of the file read (compressed bytes for a gzipped file). */
  readonly bytesRead: number;
  readonly putRecordsCalls: number;
  /** Entries Kinesis failed at least once and that were retried. */
  readonly retriedEntries: number;
  readonly rejectsFile?: string;
  readonly reportFile: string;
  /** Things worth knowing that did not stop the import (mapped columns absent from the header, ...). */
  readonly warnings: readonly string[];
}

/** Distinct reasons kept in a report's histogram; the rest are counted together. */
const MAX_REASONS = 100;
const OTHER_REASONS = '(other reasons)';

/** Duplicate rows listed by line in a report (all are counted). */
export const MAX_DUPLICATE_LINES = 20;

/** Counts one rejected row under its reason, or under "(other reasons)" once the histogram holds MAX_REASONS. */
export function countReason(reasons: Map<string, number>, reason: string): void {
  const key = reasons.has(reason) || reasons.size < MAX_REASONS ? reason : OTHER_REASONS;
  reasons.set(key, (reasons.get(key) ?? 0) + 1);
}

/** The histogram as the report shows it: most frequent reason first. */
export function reasonsByCount(reasons: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...reasons.entries()].sort((a, b) => b[1] - a[1]));
}

/** Why an import stopped, for its report: csv-parse and zlib errors named for what they mean to whoever dropped the file. */
export function failureReason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (typeof e?.code === 'string' && e.code.startsWith('CSV_')) return `CSV syntax error (${e.code}): ${e.message}; rows after it were not read`;
  if (e?.code === 'Z_DATA_ERROR' || e?.code === 'Z_BUF_ERROR') return `the file is not valid gzip (${e.message})`;
  return e?.message ?? String(err);
}
