/**
 * The narrow interfaces the analytics use cases talk to, implemented in
 * adapters/: by AWS services deployed (DynamoDB, S3, Glue, Athena, the
 * Redshift Data API), and by local stand-ins (files, DuckDB) on one machine.
 */
import type { Profile } from '../unification/contracts/profile-document';
import type { ScanSegment } from '../unification/ports';
import type { CuratedColumn, ExportTable } from './contracts/curated';
import type { ShippedView } from './contracts/views';
import type { ExportRow } from './core/export-rows';

export type { Profile, ScanSegment };

/** A row of a query result: column name → value (numbers, strings, booleans, null; timestamps as ISO-8601 text). */
export type Row = Readonly<Record<string, unknown>>;

/** The local warehouse: DuckDB over the local lake and curated zone, with the shipped views defined. */
export interface Warehouse {
  /** Runs one statement (or several separated by `;`); the rows of the last. */
  query(sql: string): Promise<Row[]>;
  /** The shipped views, in creation order. */
  readonly views: readonly ShippedView[];
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------
// The profile export (usecases/export-profiles.ts)

/**
 * One profile item of a scan: the decoded live profile, or the key of an item
 * whose document could not be read and why (never personal data).
 */
export type SourcedProfile =
  | { readonly kind: 'profile'; readonly profile: Profile }
  | { readonly kind: 'unreadable'; readonly key: string; readonly reason: string };

/** Every live profile (not merged away) of the customer view, read in parallel segments. */
export interface ProfileSource {
  scan(options: ScanSegment): AsyncIterable<SourcedProfile>;
}

/** Writes one object of the curated zone, replacing any previous one under the key; a reader never sees part of it. */
export interface ExportSink {
  put(key: string, body: Uint8Array): Promise<void>;
}

/** Encodes the rows of one table as one file (Parquet), columns in the given order. */
export interface TableEncoder {
  encode(columns: readonly CuratedColumn[], rows: readonly ExportRow[]): Uint8Array;
}

/** The partitions (`export_id=<id>`) of the export tables: the Glue Data Catalog deployed, the folders locally. */
export interface PartitionCatalog {
  /** Makes export `exportId` of each table readable; idempotent. */
  register(exportId: string, tables: readonly ExportTable[]): Promise<void>;
  /** Drops every export older than `exportId` (ids sort as text); how many partitions were dropped. */
  dropOlderThan(exportId: string, tables: readonly ExportTable[]): Promise<number>;
  /** Undoes a failed export: its partitions are removed wherever they were registered. */
  discard(exportId: string, tables: readonly ExportTable[]): Promise<void>;
}
