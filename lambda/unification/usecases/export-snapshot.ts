/**
 * Exports the live profiles as a CSV snapshot, the input of AWS Entity
 * Resolution's matching workflow (through the `profile_snapshot` Glue table).
 *
 * Columns: `profile_id`, then one column per person field (snake case, see
 * personColumn), each holding the field's value normalised as the built-in
 * matcher normalises it (names folded to lower-case ASCII, dates as
 * YYYY-MM-DD, e-mails and phones canonical), so that Entity Resolution's
 * `Exact` agrees with the built-in matcher's exact comparison.
 *
 * The profile table is read with a parallel Scan: segment `i` is written to
 * one fixed object, `profiles/snapshot/part-<i>.csv`. Every run overwrites the
 * same keys, so the Glue table's location never moves and no run leaves
 * stale data behind; parts above the current segment count (left by a run
 * with more segments) are overwritten with a header-only file. A segment's
 * CSV is held in memory until it is written: size the function's memory for
 * the largest segment (about 200 bytes per profile), or add segments.
 */
import { stringify } from 'csv-stringify';
import { PERSON_FIELDS } from '../../config/unification/person-fields';
import { fieldText, normalizePerson, type NormalizeOptions } from '../core/matching/normalize';
import { profileToPerson } from '../core/matching/profile-person';
import type { ProfileScan, SnapshotSink } from '../ports';
import { MAX_SNAPSHOT_SEGMENTS, PROFILE_ID_COLUMN, SNAPSHOT_COLUMNS, personColumn, snapshotKey } from '../contracts/snapshot';

export interface ExportSnapshotInput {
  /** The live profiles. */
  readonly profiles: ProfileScan;
  readonly sink: SnapshotSink;
  /** Scan segments read concurrently, one object each (1 to MAX_SNAPSHOT_SEGMENTS). */
  readonly totalSegments: number;
  /** Items per Scan page. @default DynamoDB's 1 MB page */
  readonly pageSize?: number;
  /** How ambiguous numeric birth dates are read (the matching rules' `normalization`). */
  readonly normalization?: NormalizeOptions;
}

export interface SnapshotCounts {
  /** Live profiles read. */
  readonly scanned: number;
  /** Rows written. */
  readonly written: number;
  /** Profiles without any person data (no row: Entity Resolution could match them on nothing). */
  readonly skipped: number;
  /** Keys written, data parts first, then header-only parts clearing older runs' extra segments. */
  readonly keys: readonly string[];
}

export async function exportSnapshot(input: ExportSnapshotInput): Promise<SnapshotCounts> {
  const { totalSegments } = input;
  if (!Number.isInteger(totalSegments) || totalSegments < 1 || totalSegments > MAX_SNAPSHOT_SEGMENTS) {
    throw new Error(`exportSnapshot: totalSegments must be an integer from 1 to ${MAX_SNAPSHOT_SEGMENTS}, got ${totalSegments}`);
  }
  const segments = await Promise.all(Array.from({ length: totalSegments }, (_, segment) => exportSegment(input, segment)));
  // Parts a run with more segments wrote: emptied, so that their profiles are not read twice.
  const cleared: string[] = [];
  for (let segment = totalSegments; segment < MAX_SNAPSHOT_SEGMENTS; segment++) cleared.push(snapshotKey(segment));
  const header = await new CsvText().end();
  await Promise.all(cleared.map((key) => input.sink.put(key, header)));
  return {
    scanned: sum(segments.map((s) => s.scanned)),
    written: sum(segments.map((s) => s.written)),
    skipped: sum(segments.map((s) => s.skipped)),
    keys: [...segments.map((s) => s.key), ...cleared],
  };
}

async function exportSegment(input: ExportSnapshotInput, segment: number) {
  let scanned = 0;
  let written = 0;
  const csv = new CsvText();
  const profiles = input.profiles.scan({
    segment,
    totalSegments: input.totalSegments,
    ...(input.pageSize === undefined ? {} : { pageSize: input.pageSize }),
  });
  for await (const profile of profiles) {
    scanned++;
    const row = snapshotRow(profile.profileId, profileToPerson(profile), input.normalization);
    if (row === undefined) continue;
    csv.write(row);
    written++;
  }
  const key = snapshotKey(segment);
  await input.sink.put(key, await csv.end());
  return { key, scanned, written, skipped: scanned - written };
}

/** The row of a profile, or undefined when no field has a value once normalised (only placeholders, say). */
function snapshotRow(
  profileId: string,
  person: ReturnType<typeof profileToPerson>,
  normalization: NormalizeOptions | undefined,
): string[] | undefined {
  if (person === undefined) return undefined;
  const normalized = normalizePerson(person, normalization);
  const values = PERSON_FIELDS.map((field) => fieldText(normalized, field));
  return values.some((v) => v !== '') ? [profileId, ...values] : undefined;
}

/** RFC 4180 CSV text with the header line (fields quoted only where needed, LF line ends), built row by row. */
class CsvText {
  private readonly chunks: string[] = [];
  private readonly stringifier = stringify({ header: true, columns: [...SNAPSHOT_COLUMNS] });
  private readonly done: Promise<string>;

  constructor() {
    this.stringifier.on('data', (chunk: Buffer | string) => this.chunks.push(chunk.toString()));
    this.done = new Promise((resolve, reject) => {
      this.stringifier.on('error', reject);
      this.stringifier.on('end', () => resolve(this.chunks.join('')));
    });
  }

  write(row: readonly string[]): void {
    this.stringifier.write(row);
  }

  end(): Promise<string> {
    this.stringifier.end();
    return this.done;
  }
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
