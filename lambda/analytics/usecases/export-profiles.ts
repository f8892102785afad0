/**
 * The profile export: every live profile of the customer view, read with a
 * parallel scan, written to the curated zone as one Parquet file per table
 * per scan segment under a new `export_id` partition (contracts/curated.ts),
 * then registered in the partition catalog; exports older than the retention
 * are dropped.
 *
 * - The export id is the start time; computed traits are evaluated at it, so
 *   every row of one export describes the same moment.
 * - A profile whose document cannot be read (or read as a customer record) is
 *   counted and reported by its key, and the export goes on without it.
 * - Partitions are registered only once every file is written: a reader of
 *   the catalog never sees a partial export. When writing or registering
 *   fails, the export's partitions are discarded and the error is thrown.
 * - A segment's rows are held in memory until its files are written: size the
 *   function's memory for the largest segment, or add segments.
 * - Given an audit log, a registered export is recorded as one `export.run`
 *   (its id, tables and row counts; no subject) before it counts as done: when
 *   the record cannot be appended, the export is discarded like any other
 *   failed one, so no export is readable that the audit log does not show.
 */
import { EXPORT_TABLE_COLUMNS, EXPORT_TABLES, exportId, exportObjectKey, type ComputedTraitColumn, type ExportTable } from '../contracts/curated';
import { appendExportRows, emptyRows, type ExportRows, type ExportSubject } from '../core/export-rows';
import type { ExportSink, PartitionCatalog, Profile, ProfileSource, TableEncoder } from '../ports';
import { serviceActor, type AuditRecord } from '../../governance/contracts/audit';
import type { AuditLog } from '../../governance/ports';
import { profilePk } from '../../unification/contracts/table';

const DAY_MS = 86_400_000;
/** Scan segments of one export, at most (one file per table and segment). */
export const MAX_EXPORT_SEGMENTS = 100;
/** Unreadable profiles reported by key, at most (all are counted). */
export const MAX_REPORTED_UNREADABLE = 100;
/** Who an export run is recorded as, unless the caller names someone. */
export const EXPORT_ACTOR = serviceActor('profile-export');

export interface ExportAudit {
  readonly log: AuditLog;
  /** Who ran it. @default EXPORT_ACTOR */
  readonly actor?: string;
}

export interface ExportProfilesInput {
  readonly source: ProfileSource;
  readonly sink: ExportSink;
  readonly catalog: PartitionCatalog;
  readonly encoder: TableEncoder;
  /** Reads a decoded profile as its customer record at a time (unification's customerRecordReader(config)). */
  readonly record: (profile: Profile, nowMs: number) => ExportSubject;
  /** The computed-trait columns of `profiles` (computedTraitColumns(config)). */
  readonly computedColumns: readonly ComputedTraitColumn[];
  /** Scan segments read concurrently (1 to MAX_EXPORT_SEGMENTS). */
  readonly totalSegments: number;
  /** Exports older than this many days are dropped. */
  readonly retentionDays: number;
  /** The export's start (epoch ms): its id, and the time computed traits are evaluated at. */
  readonly startedAtMs: number;
  /** Items per scan page. @default DynamoDB's 1 MB page */
  readonly pageSize?: number;
  /** Records the run in the audit log. @default not recorded */
  readonly audit?: ExportAudit;
}

export interface UnreadableProfile {
  /** The profile item's key (`P#<profileId>`). */
  readonly key: string;
  readonly reason: string;
}

export interface ExportSummary {
  readonly exportId: string;
  /** ISO-8601: the export's start, the time its computed traits were evaluated at. */
  readonly startedAt: string;
  readonly segments: number;
  /** Live profiles exported (one `profiles` row each). */
  readonly profiles: number;
  readonly rows: Readonly<Record<ExportTable, number>>;
  readonly bytesByTable: Readonly<Record<ExportTable, number>>;
  readonly bytes: number;
  readonly files: number;
  /** Profiles skipped because their document could not be read. */
  readonly unreadable: number;
  /** The first MAX_REPORTED_UNREADABLE of them. */
  readonly unreadableProfiles: readonly UnreadableProfile[];
  /** Partitions of older exports dropped (past the retention). */
  readonly droppedPartitions: number;
}

/** The export was written and registered, but dropping the expired exports failed. */
export class ExportExpiryError extends Error {
  constructor(
    readonly summary: Omit<ExportSummary, 'droppedPartitions'>,
    cause: unknown,
  ) {
    super(`export ${summary.exportId} is written and registered, but dropping exports past the retention failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ExportExpiryError';
  }
}

interface SegmentOutcome {
  profiles: number;
  rows: Record<ExportTable, number>;
  bytes: Record<ExportTable, number>;
  unreadable: number;
  reported: UnreadableProfile[];
}

const perTable = (f: (t: ExportTable) => number) => Object.fromEntries(EXPORT_TABLES.map((t) => [t, f(t)])) as Record<ExportTable, number>;

export async function exportProfiles(input: ExportProfilesInput): Promise<ExportSummary> {
  const { totalSegments, retentionDays, startedAtMs } = input;
  if (!Number.isInteger(totalSegments) || totalSegments < 1 || totalSegments > MAX_EXPORT_SEGMENTS) {
    throw new Error(`exportProfiles: totalSegments must be an integer from 1 to ${MAX_EXPORT_SEGMENTS}, got ${totalSegments}`);
  }
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    throw new Error(`exportProfiles: retentionDays must be a positive integer, got ${retentionDays}`);
  }
  if (!Number.isFinite(startedAtMs)) throw new Error(`exportProfiles: startedAtMs must be a time in epoch ms, got ${startedAtMs}`);
  const id = exportId(new Date(startedAtMs));
  let segments: SegmentOutcome[];
  try {
    // Every segment settles before a failure is acted on: none is still writing when the export is discarded.
    const settled = await Promise.allSettled(Array.from({ length: totalSegments }, (_, segment) => exportSegment(input, id, segment)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    segments = settled.map((s) => (s as PromiseFulfilledResult<SegmentOutcome>).value);
    await input.catalog.register(id, EXPORT_TABLES);
    if (input.audit !== undefined) await input.audit.log.append([exportRunRecord(id, startedAtMs, segments, input.audit.actor ?? EXPORT_ACTOR)]);
  } catch (err) {
    // Nothing half-done stays readable; the error the caller sees is the one that stopped the export.
    await input.catalog.discard(id, EXPORT_TABLES).catch(() => undefined);
    throw err;
  }
  const rows = perTable((t) => sum(segments.map((s) => s.rows[t])));
  const bytesByTable = perTable((t) => sum(segments.map((s) => s.bytes[t])));
  const written = {
    exportId: id,
    startedAt: new Date(startedAtMs).toISOString(),
    segments: totalSegments,
    profiles: sum(segments.map((s) => s.profiles)),
    rows,
    bytesByTable,
    bytes: sum(Object.values(bytesByTable)),
    files: totalSegments * EXPORT_TABLES.length,
    unreadable: sum(segments.map((s) => s.unreadable)),
    unreadableProfiles: segments.flatMap((s) => s.reported).slice(0, MAX_REPORTED_UNREADABLE),
  };
  let droppedPartitions: number;
  try {
    droppedPartitions = await input.catalog.dropOlderThan(exportId(new Date(startedAtMs - retentionDays * DAY_MS)), EXPORT_TABLES);
  } catch (err) {
    throw new ExportExpiryError(written, err);
  }
  return { ...written, droppedPartitions };
}

async function exportSegment(input: ExportProfilesInput, id: string, segment: number): Promise<SegmentOutcome> {
  const rows: ExportRows = emptyRows();
  const reported: UnreadableProfile[] = [];
  let profiles = 0;
  let unreadable = 0;
  const skip = (key: string, reason: string) => {
    unreadable++;
    if (reported.length < MAX_REPORTED_UNREADABLE) reported.push({ key, reason });
  };
  const scan = input.source.scan({
    segment,
    totalSegments: input.totalSegments,
    ...(input.pageSize === undefined ? {} : { pageSize: input.pageSize }),
  });
  for await (const item of scan) {
    if (item.kind === 'unreadable') {
      skip(item.key, item.reason);
      continue;
    }
    let record: ExportSubject;
    try {
      record = input.record(item.profile, input.startedAtMs);
    } catch (err) {
      skip(profilePk(String(item.profile.profileId)), `not a readable customer record: ${(err as Error).message}`);
      continue;
    }
    appendExportRows(rows, record, input.computedColumns);
    profiles++;
  }
  const bytes = perTable(() => 0);
  for (const table of EXPORT_TABLES) {
    const columns = table === 'profiles' ? [...EXPORT_TABLE_COLUMNS.profiles, ...input.computedColumns] : EXPORT_TABLE_COLUMNS[table];
    const body = input.encoder.encode(columns, rows[table]);
    await input.sink.put(exportObjectKey(table, id, segment), body);
    bytes[table] = body.byteLength;
  }
  return { profiles, rows: perTable((t) => rows[t].length), bytes, unreadable, reported };
}

/** The audit record of a run: which tables, how many rows each, and its id; it concerns no one person. */
function exportRunRecord(id: string, startedAtMs: number, segments: readonly SegmentOutcome[], actor: string): AuditRecord {
  const rows = perTable((t) => sum(segments.map((s) => s.rows[t])));
  return {
    at: new Date(startedAtMs).toISOString(),
    action: 'export.run',
    actor,
    detail: {
      exportId: id,
      tables: EXPORT_TABLES.join(','),
      profiles: sum(segments.map((s) => s.profiles)),
      rows: sum(Object.values(rows)),
      ...Object.fromEntries(EXPORT_TABLES.map((t) => [`rows_${t}`, rows[t]])),
    },
  };
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
