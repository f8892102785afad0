/**
 * The narrow interfaces the analytics use cases talk to, implemented in
 * adapters/: by AWS services deployed (S3, Glue, Athena, the Redshift Data
 * API), and by local stand-ins (files, DuckDB) on one machine.
 */
import type { ShippedView } from './contracts/views';

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
