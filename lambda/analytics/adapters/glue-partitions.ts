/**
 * PartitionCatalog on the Glue Data Catalog: each export table is a Glue
 * table partitioned by `export_id` (the stack defines them from
 * contracts/curated.ts). Registering an export adds one partition per table
 * (GetTable for the table's storage descriptor, BatchCreatePartition with the
 * partition's own location); an export already registered is fine, any other
 * error entry throws. Expiry lists the older partitions (GetPartitions with
 * an `export_id < '<id>'` expression) and deletes them (BatchDeletePartition,
 * 25 a call); partitions already gone are fine. The objects themselves are
 * expired by the bucket's lifecycle rule.
 */
import {
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  GetPartitionsCommand,
  GetTableCommand,
  type GlueClient,
  type PartitionError,
} from '@aws-sdk/client-glue';
import { EXPORT_PARTITION, exportPartitionPrefix, type ExportTable } from '../contracts/curated';
import type { PartitionCatalog } from '../ports';

/** BatchDeletePartition takes at most 25 partitions per call. */
const DELETE_BATCH = 25;
const EXPORT_ID = /^\d{8}T\d{6}Z$/;

export interface GluePartitionsOptions {
  readonly database: string;
  /** The curated bucket: partitions are located at `s3://<bucket>/exports/<table>/export_id=<id>/`. */
  readonly bucket: string;
  /** The Glue table of an export table. @default the export table's own name */
  readonly tableName?: (table: ExportTable) => string;
}

function checkId(id: string): string {
  if (!EXPORT_ID.test(id)) throw new Error(`not an export id (YYYYMMDDTHHmmssZ): ${JSON.stringify(id)}`);
  return id;
}

function failures(errors: readonly PartitionError[] | undefined, tolerated: string): PartitionError[] {
  return (errors ?? []).filter((e) => e.ErrorDetail?.ErrorCode !== tolerated);
}

function describe(errors: readonly PartitionError[]): string {
  return errors.map((e) => `${(e.PartitionValues ?? []).join('/')}: ${e.ErrorDetail?.ErrorCode ?? 'error'} ${e.ErrorDetail?.ErrorMessage ?? ''}`.trim()).join('; ');
}

export class GluePartitions implements PartitionCatalog {
  private readonly glueTable: (table: ExportTable) => string;

  constructor(
    private readonly glue: GlueClient,
    private readonly options: GluePartitionsOptions,
  ) {
    this.glueTable = options.tableName ?? ((t) => t);
  }

  async register(exportId: string, tables: readonly ExportTable[]): Promise<void> {
    checkId(exportId);
    await Promise.all(tables.map((t) => this.registerOne(exportId, t)));
  }

  private async registerOne(id: string, table: ExportTable): Promise<void> {
    const { database, bucket } = this.options;
    const name = this.glueTable(table);
    const got = await this.glue.send(new GetTableCommand({ DatabaseName: database, Name: name }));
    const descriptor = got.Table?.StorageDescriptor;
    if (descriptor === undefined) throw new Error(`Glue table ${database}.${name} has no storage descriptor to copy`);
    const out = await this.glue.send(
      new BatchCreatePartitionCommand({
        DatabaseName: database,
        TableName: name,
        PartitionInputList: [{ Values: [id], StorageDescriptor: { ...descriptor, Location: `s3://${bucket}/${exportPartitionPrefix(table, id)}` } }],
      }),
    );
    const failed = failures(out.Errors, 'AlreadyExistsException');
    if (failed.length > 0) throw new Error(`registering export ${id} of Glue table ${database}.${name} failed: ${describe(failed)}`);
  }

  async dropOlderThan(exportId: string, tables: readonly ExportTable[]): Promise<number> {
    checkId(exportId);
    const dropped = await Promise.all(
      tables.map(async (t) => {
        const older = await this.partitionsBefore(this.glueTable(t), exportId);
        await this.delete(this.glueTable(t), older);
        return older.length;
      }),
    );
    return dropped.reduce((a, b) => a + b, 0);
  }

  async discard(exportId: string, tables: readonly ExportTable[]): Promise<void> {
    checkId(exportId);
    await Promise.all(tables.map((t) => this.delete(this.glueTable(t), [[exportId]])));
  }

  private async partitionsBefore(name: string, id: string): Promise<string[][]> {
    const values: string[][] = [];
    let token: string | undefined;
    do {
      const page = await this.glue.send(
        new GetPartitionsCommand({
          DatabaseName: this.options.database,
          TableName: name,
          Expression: `${EXPORT_PARTITION} < '${id}'`,
          ExcludeColumnSchema: true,
          ...(token === undefined ? {} : { NextToken: token }),
        }),
      );
      for (const p of page.Partitions ?? []) if (p.Values !== undefined) values.push(p.Values);
      token = page.NextToken;
    } while (token !== undefined);
    return values;
  }

  private async delete(name: string, partitions: readonly string[][]): Promise<void> {
    for (let i = 0; i < partitions.length; i += DELETE_BATCH) {
      const out = await this.glue.send(
        new BatchDeletePartitionCommand({
          DatabaseName: this.options.database,
          TableName: name,
          PartitionsToDelete: partitions.slice(i, i + DELETE_BATCH).map((Values) => ({ Values })),
        }),
      );
      const failed = failures(out.Errors, 'EntityNotFoundException');
      if (failed.length > 0) throw new Error(`deleting partitions of Glue table ${this.options.database}.${name} failed: ${describe(failed)}`);
    }
  }
}
