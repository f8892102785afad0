/**
 * TableEncoder as Parquet (hyparquet-writer): one file of one table, columns
 * in the contract's order, every column nullable. Types as Athena, Glue and
 * DuckDB read them: string → UTF8 text, bigint → INT64, double → DOUBLE,
 * boolean → BOOLEAN, timestamp → INT64 TIMESTAMP(MILLIS, UTC-adjusted)
 * (Athena and Glue read millisecond timestamps). Snappy-compressed.
 */
import { parquetWriteBuffer, type ColumnSource, type SchemaElement } from 'hyparquet-writer';
import type { CuratedColumn } from '../contracts/curated';
import type { CellValue, ExportRow } from '../core/export-rows';
import type { TableEncoder } from '../ports';

/** The Parquet media type (the S3 objects' ContentType). */
export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

function schemaElement(c: CuratedColumn): SchemaElement {
  switch (c.type) {
    case 'string':
      return { name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: 'OPTIONAL' };
    case 'bigint':
      return { name: c.name, type: 'INT64', repetition_type: 'OPTIONAL' };
    case 'double':
      return { name: c.name, type: 'DOUBLE', repetition_type: 'OPTIONAL' };
    case 'boolean':
      return { name: c.name, type: 'BOOLEAN', repetition_type: 'OPTIONAL' };
    case 'timestamp':
      return {
        name: c.name,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
        repetition_type: 'OPTIONAL',
      };
  }
}

function fail(c: CuratedColumn, v: CellValue): never {
  throw new Error(`column ${c.name} (${c.type}) cannot hold a ${typeof v} value`);
}

/** A cell as the writer takes it for the column's type: bigint columns and timestamps (epoch ms) as BigInt. */
function cell(c: CuratedColumn, v: CellValue | undefined): string | number | bigint | boolean | null {
  if (v === null || v === undefined) return null;
  switch (c.type) {
    case 'string':
      return typeof v === 'string' ? v : fail(c, v);
    case 'bigint':
    case 'timestamp':
      return typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : fail(c, v);
    case 'double':
      return typeof v === 'number' ? v : fail(c, v);
    case 'boolean':
      return typeof v === 'boolean' ? v : fail(c, v);
  }
}

export function encodeParquet(columns: readonly CuratedColumn[], rows: readonly ExportRow[]): Uint8Array {
  if (columns.length === 0) throw new Error('a Parquet file needs at least one column');
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }, ...columns.map(schemaElement)];
  const columnData: ColumnSource[] = columns.map((c) => ({ name: c.name, data: rows.map((r) => cell(c, r[c.name])) }));
  return new Uint8Array(parquetWriteBuffer({ schema, columnData, createdBy: 'c360 profile export' }));
}

export const parquetEncoder: TableEncoder = { encode: encodeParquet };
