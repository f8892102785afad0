/** The Glue tables over the curated zone: one Parquet table per profile-export table, and the segment history (JSON lines). */
import { Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { GovernedTable } from '../common/governed-lake';
import {
  EXPORT_PARTITION,
  EXPORT_TABLE_COLUMNS,
  EXPORT_TABLES,
  exportTablePrefix,
  SEGMENT_EVENT_COLUMNS,
  SEGMENT_EVENTS_PREFIX,
  type CuratedColumn,
  type ExportTable,
} from '../../../lambda/analytics/contracts/curated';

/** Name of the segment history table. */
export const SEGMENT_EVENTS_TABLE = 'segment_events';

const PARQUET = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serde: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
} as const;
const JSON_LINES = {
  inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  serde: 'org.openx.data.jsonserde.JsonSerDe',
} as const;

const DESCRIPTIONS: Readonly<Record<ExportTable, string>> = {
  profiles: 'Unified profiles with their traits and computed traits, one partition per profile export',
  identities: 'Every identifier of every profile, one partition per profile export',
  identity_merges: 'Every merge with the rule and identifiers that caused it, one partition per profile export',
  segment_membership: 'Current segment members, one partition per profile export',
  rejected_identifiers: 'Identifiers refused by the identity rules, with the reason, one partition per profile export',
};

/** The columns of an export table; `profiles` takes its columns from the caller (the fixed ones and the computed traits). */
export function exportTableColumns(table: ExportTable, profileColumns: readonly CuratedColumn[]): readonly CuratedColumn[] {
  return table === 'profiles' ? profileColumns : EXPORT_TABLE_COLUMNS[table];
}

const toGlue = (c: CuratedColumn): glue.CfnTable.ColumnProperty => ({
  name: c.name,
  type: c.type,
  ...(c.comment === undefined ? {} : { comment: c.comment }),
});

/** Construct ids of the tables: part of each table's logical ID, so keep them stable. */
const tableId = (table: string) =>
  `${table
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')}Table`;

export interface CuratedTablesProps {
  /** The Glue database the tables are declared in (the lake's: views read raw and curated tables unqualified). */
  readonly databaseName: string;
  /** The curated bucket (`exports/`, `segment_events/`). */
  readonly curatedBucket: s3.IBucket;
  /** Columns of `profiles`: the fixed profile columns followed by the configured computed traits. */
  readonly profileColumns: readonly CuratedColumn[];
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The curated zone in the Glue Data Catalog.
 *
 * - One external Parquet table per export table (`exports/<table>/`),
 *   partitioned by `export_id`. No partition projection: Redshift Spectrum
 *   ignores projection, so the profile export registers each export's
 *   partition itself (BatchCreatePartition) and drops expired ones; Athena and
 *   Spectrum then see the same partitions.
 * - `segment_events`: the segment entered / exited history Firehose writes as
 *   gzip JSON lines under `segment_events/dt=<YYYY-MM-DD>/`, read with the
 *   OpenX JSON SerDe and partitioned by `dt` through partition projection.
 *   Projection makes every day visible to Athena without registering
 *   partitions; it makes this table Athena only (Spectrum sees no partition).
 */
export class CuratedTables extends Construct {
  /** Export table → its Glue table. */
  public readonly exportTables: ReadonlyMap<ExportTable, glue.CfnTable>;
  public readonly segmentEventsTable: glue.CfnTable;
  public readonly databaseName: string;
  /** Names of every table declared here. */
  public readonly tableNames: readonly string[];
  /** Every table declared here with its columns, partition keys included (Lake Formation tags them). */
  public readonly governedTables: readonly GovernedTable[];

  constructor(scope: Construct, id: string, props: CuratedTablesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { curatedBucket, databaseName, removalPolicy } = props;
    if (props.profileColumns.length === 0 || props.profileColumns[0]?.name !== 'profile_id') {
      throw new Error('CuratedTables: the profiles columns must start with profile_id');
    }
    const names = new Set<string>();
    for (const c of props.profileColumns) {
      if (names.has(c.name)) throw new Error(`CuratedTables: profiles has the column ${c.name} twice`);
      names.add(c.name);
    }
    this.databaseName = databaseName;
    const location = (prefix: string) => `s3://${curatedBucket.bucketName}/${prefix}`;

    const exportTables = new Map<ExportTable, glue.CfnTable>();
    for (const table of EXPORT_TABLES) {
      const resource = new glue.CfnTable(this, tableId(table), {
        catalogId: stack.account,
        databaseName,
        tableInput: {
          name: table,
          description: DESCRIPTIONS[table],
          tableType: 'EXTERNAL_TABLE',
          // No projection.* parameters: the export registers its partitions (see above).
          parameters: { EXTERNAL: 'TRUE', classification: 'parquet', 'parquet.compression': 'SNAPPY' },
          partitionKeys: [{ name: EXPORT_PARTITION, type: 'string', comment: 'export start time, UTC, YYYYMMDDTHHmmssZ (sorts as text)' }],
          storageDescriptor: {
            location: location(exportTablePrefix(table)),
            columns: exportTableColumns(table, props.profileColumns).map(toGlue),
            inputFormat: PARQUET.inputFormat,
            outputFormat: PARQUET.outputFormat,
            serdeInfo: { serializationLibrary: PARQUET.serde, parameters: { 'serialization.format': '1' } },
          },
        },
      });
      resource.applyRemovalPolicy(removalPolicy);
      exportTables.set(table, resource);
    }
    this.exportTables = exportTables;

    const segmentEventsLocation = location(SEGMENT_EVENTS_PREFIX);
    this.segmentEventsTable = new glue.CfnTable(this, tableId(SEGMENT_EVENTS_TABLE), {
      catalogId: stack.account,
      databaseName,
      tableInput: {
        name: SEGMENT_EVENTS_TABLE,
        description: 'Segment entered / exited history (EventBridge to Firehose, gzip JSON lines), by arrival day. Athena only: partitions come from projection, which Redshift Spectrum ignores.',
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          EXTERNAL: 'TRUE',
          classification: 'json',
          // Partition projection: Athena computes the day partitions; Redshift Spectrum ignores this and sees none.
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': 'NOW-5YEARS,NOW+1DAYS',
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'storage.location.template': `${segmentEventsLocation}dt=\${dt}/`,
        },
        partitionKeys: [{ name: 'dt', type: 'string', comment: 'arrival day, YYYY-MM-DD' }],
        storageDescriptor: {
          location: segmentEventsLocation,
          columns: SEGMENT_EVENT_COLUMNS.map(toGlue),
          inputFormat: JSON_LINES.inputFormat,
          outputFormat: JSON_LINES.outputFormat,
          // A line that is not JSON reads as a row of nulls instead of failing the query.
          serdeInfo: { serializationLibrary: JSON_LINES.serde, parameters: { 'ignore.malformed.json': 'true' } },
        },
      },
    });
    this.segmentEventsTable.applyRemovalPolicy(removalPolicy);
    this.tableNames = [...EXPORT_TABLES, SEGMENT_EVENTS_TABLE];
    this.governedTables = [
      ...EXPORT_TABLES.map((table) => ({
        name: table,
        columns: [...exportTableColumns(table, props.profileColumns).map((c) => c.name), EXPORT_PARTITION],
        resource: exportTables.get(table) as glue.CfnTable,
      })),
      { name: SEGMENT_EVENTS_TABLE, columns: [...SEGMENT_EVENT_COLUMNS.map((c) => c.name), 'dt'], resource: this.segmentEventsTable },
    ];
  }

  /** ARN of a table of this construct in the Glue catalog. */
  public tableArn(name: string): string {
    return Stack.of(this).formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/${name}` });
  }

  /** The catalog and database ARNs Glue checks alongside a table's. */
  public catalogArns(): string[] {
    const stack = Stack.of(this);
    return [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
    ];
  }
}
