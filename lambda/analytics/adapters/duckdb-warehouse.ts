/**
 * The local warehouse: DuckDB in memory over the local lake, the local
 * curated zone and the local bus file, with the shipped views defined on top
 * of base tables of the same names and columns as the deployed Glue tables:
 *
 *   raw_events, quarantine   <lake>/raw|quarantine/source=<s>/dt=<d>/*.jsonl(.gz)
 *   profiles, identities, identity_merges, segment_membership, rejected_identifiers
 *                            <curated>/exports/<table>/export_id=<id>/*.parquet
 *   segment_events           the bus file's `detail` (one EventBridge-shaped envelope per line)
 *
 * Base tables are DuckDB tables loaded from the files, so a query does not
 * parse the lake again. Before every query the warehouse finds the tables it
 * reads, directly or through views (from DuckDB's parse tree of the query;
 * all of them when that cannot be told, e.g. for a statement other than
 * SELECT or a table the warehouse did not define), lists their files with
 * sizes and modification times, and reloads those whose files changed since
 * their last load: a lake table that only gained files gets just the new
 * files' rows, any other change reloads the whole table. A table with no
 * files, or not read yet, is empty, with the same columns and types.
 *
 * The expensive shipped views, which depend only on the files
 * (MATERIALIZED_VIEWS: `events` dedupes, parses timestamps and joins the
 * identity graph), are kept as tables computed from the view's own SQL text:
 * computed when a query first reads them (directly or through other views,
 * as DuckDB's parse tree of the query tells) and recomputed when a base
 * table they read (found by parsing the views' text) was reloaded since. The
 * views defined after them read the table, as DuckDB binds views by name
 * when they run. Queries and refreshes run one at a time, so no query sees a
 * half-built table. Session time zone UTC, as Athena's.
 *
 * With a role's column policy (`c360 sql --as ROLE`), each base table is
 * loaded through the policy: a column the role may not read is masked
 * (`'***'`), a pseudonym (a keyed hash, the same for one value within the
 * session, so events still join to profiles), or absent; JSON text columns
 * keep their keys with what the role may not read masked or removed, so the
 * shipped views still read `context.channel` or `properties.revenue`. The
 * warehouse then loads every table at once and turns off DuckDB's access to
 * files, so no query reads the lake around the policy.
 */
import {
  DuckDBInstance,
  DuckDBScalarFunction,
  DuckDBTypeId,
  JSDuckDBValueConverter,
  StatementType,
  VARCHAR,
  type DuckDBConnection,
  type DuckDBDateValue,
  type DuckDBTimestampValue,
  type DuckDBValueConverter,
  type JS,
} from '@duckdb/node-api';
import { createHmac, randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { LAKE_FILE_EXTENSION, QUARANTINE_ZONE, RAW_ZONE } from '../../collection/contracts/lake-layout';
import {
  EXPORT_PARTITION,
  EXPORTS_PREFIX,
  IDENTITY_COLUMNS,
  IDENTITY_MERGE_COLUMNS,
  PROFILE_COLUMNS,
  REJECTED_IDENTIFIER_COLUMNS,
  SEGMENT_EVENT_COLUMNS,
  SEGMENT_MEMBERSHIP_COLUMNS,
  type CuratedColumn,
  type ExportTable,
} from '../contracts/curated';
import type { ShippedView } from '../contracts/views';
import { MASK, type ColumnPolicy, type JsonScope } from '../../governance/contracts/classification';
import type { Row, Warehouse } from '../ports';
import { readDuckdbShims, readShippedViews } from './sql-files';

export interface LocalWarehouseOptions {
  /** The local lake (`<dataDir>/lake`). */
  readonly lakeDir: string;
  /** The local curated zone (`<dataDir>/curated`). */
  readonly curatedDir: string;
  /** The local bus file of segment entered / exited events. */
  readonly segmentEventsFile: string;
  /** @default the shipped views (`sql/views/`) */
  readonly viewsDir?: string;
  /**
   * A role's column policy (governance): every base table then holds only
   * what the role may read (columns masked, pseudonymised or absent, JSON
   * keys masked or removed), the files are read once when the warehouse
   * opens, and queries cannot read files themselves. Without it, the local
   * user reads everything, as the steward.
   */
  readonly policy?: ColumnPolicy;
}

type SqlType = 'VARCHAR' | 'BIGINT' | 'INTEGER' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP';

/** A base-table column: its Glue (lower-case) name, its type, and the JSON key that fills it. */
interface JsonColumn {
  readonly name: string;
  readonly type: SqlType;
  /** The key in the JSON lines (camelCase); JSON objects under it become their text. */
  readonly key: string;
  readonly json?: boolean;
}

const str = (name: string, key = name): JsonColumn => ({ name, type: 'VARCHAR', key });
const obj = (name: string): JsonColumn => ({ name, type: 'VARCHAR', key: name, json: true });

/**
 * Columns of `raw_events`, in the Glue table's order (RAW_EVENT_COLUMNS of
 * lib/constructs/collection/raw-lake.ts; a test holds the two equal): every
 * column text, the nested objects as their JSON text.
 */
export const RAW_EVENT_TABLE_COLUMNS: readonly JsonColumn[] = [
  str('type'),
  str('messageid', 'messageId'),
  str('timestamp'),
  str('originaltimestamp', 'originalTimestamp'),
  str('receivedat', 'receivedAt'),
  str('sentat', 'sentAt'),
  str('userid', 'userId'),
  str('anonymousid', 'anonymousId'),
  str('event'),
  str('name'),
  str('category'),
  str('groupid', 'groupId'),
  str('previousid', 'previousId'),
  obj('traits'),
  obj('properties'),
  obj('context'),
];

/** Columns of `quarantine` (QUARANTINE_COLUMNS of the same file): the consumers' entries and Firehose's error records. */
export const QUARANTINE_TABLE_COLUMNS: readonly JsonColumn[] = [
  str('reason'),
  str('sequencenumber', 'sequenceNumber'),
  { name: 'subsequence', type: 'INTEGER', key: 'subSequence' },
  str('partitionkey', 'partitionKey'),
  str('receivedat', 'receivedAt'),
  str('data'),
  str('encoding'),
  str('errorcode', 'errorCode'),
  str('errormessage', 'errorMessage'),
  str('rawdata', 'rawData'),
  { name: 'attemptsmade', type: 'BIGINT', key: 'attemptsMade' },
  { name: 'arrivaltimestamp', type: 'BIGINT', key: 'arrivalTimestamp' },
  { name: 'attemptendingtimestamp', type: 'BIGINT', key: 'attemptEndingTimestamp' },
  { name: 'subsequencenumber', type: 'BIGINT', key: 'subSequenceNumber' },
];

/** The lake's partition columns, text as in Glue (`dt` is not read as a DATE). */
const LAKE_PARTITIONS = ['source', 'dt'] as const;

const CURATED_TYPES: Record<CuratedColumn['type'], SqlType> = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
};

const EXPORT_COLUMNS: Record<ExportTable, readonly CuratedColumn[]> = {
  profiles: PROFILE_COLUMNS,
  identities: IDENTITY_COLUMNS,
  identity_merges: IDENTITY_MERGE_COLUMNS,
  segment_membership: SEGMENT_MEMBERSHIP_COLUMNS,
  rejected_identifiers: REJECTED_IDENTIFIER_COLUMNS,
};

/** The bus file's `detail` keys of each segment_events column. */
const SEGMENT_EVENT_KEYS: Record<string, string> = { segment: 'segment', profileid: 'profileId', change: 'change', at: 'at', reason: 'reason' };

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const typed = (columns: ReadonlyArray<{ name: string; type: SqlType }>) =>
  columns.map((c) => `CAST(NULL AS ${c.type}) AS ${ident(c.name)}`).join(', ');
const emptyRelation = (columns: ReadonlyArray<{ name: string; type: SqlType }>) => `SELECT ${typed(columns)} WHERE false`;

/** One base table: the globs it reads, and the query of its rows from the files that match them. */
interface BaseTable {
  readonly name: string;
  readonly patterns: readonly string[];
  /**
   * Whether the rows of a set of files are the union of each file's rows
   * (the lake's JSON lines, of fixed columns), so that new files can be
   * added by themselves; not so for Parquet read by name (a new file may
   * add columns).
   */
  readonly appendable: boolean;
  define(files: readonly string[]): string;
}

function lakeTable(name: string, zone: string, lakeDir: string, columns: readonly JsonColumn[], extensions: readonly string[]): BaseTable {
  const all: ReadonlyArray<{ name: string; type: SqlType }> = [...columns, ...LAKE_PARTITIONS.map((p) => ({ name: p, type: 'VARCHAR' as const }))];
  return {
    name,
    appendable: true,
    patterns: extensions.map((ext) => join(lakeDir, zone, 'source=*', 'dt=*', `*${ext}`)),
    define(files) {
      if (files.length === 0) return emptyRelation(all);
      const spec = columns.map((c) => `${ident(c.key)}: '${c.json === true ? 'JSON' : c.type}'`).join(', ');
      const select = columns.map((c) => `CAST(${ident(c.key)} AS ${c.type}) AS ${ident(c.name)}`).join(', ');
      return (
        `SELECT ${select}, CAST(source AS VARCHAR) AS source, CAST(dt AS VARCHAR) AS dt ` +
        `FROM read_json([${files.map(literal).join(', ')}], format = 'newline_delimited', hive_partitioning = true, ` +
        `hive_types = {'source': 'VARCHAR', 'dt': 'VARCHAR'}, columns = {${spec}})`
      );
    },
  };
}

function exportTable(table: ExportTable, curatedDir: string): BaseTable {
  const columns = EXPORT_COLUMNS[table].map((c) => ({ name: c.name, type: CURATED_TYPES[c.type] }));
  const all = [...columns, { name: EXPORT_PARTITION, type: 'VARCHAR' as const }];
  return {
    name: table,
    appendable: false,
    patterns: [join(curatedDir, EXPORTS_PREFIX, table, `${EXPORT_PARTITION}=*`, '*.parquet')],
    define(files) {
      if (files.length === 0) return emptyRelation(all);
      // Every column of the files (profiles carry one per computed trait), the contract's columns in their types.
      const replace = columns.map((c) => `CAST(${ident(c.name)} AS ${c.type}) AS ${ident(c.name)}`).join(', ');
      return (
        `SELECT * REPLACE (${replace}) FROM read_parquet([${files.map(literal).join(', ')}], hive_partitioning = true, ` +
        `union_by_name = true, hive_types = {'${EXPORT_PARTITION}': 'VARCHAR'})`
      );
    },
  };
}

function segmentEventsTable(file: string): BaseTable {
  const columns = SEGMENT_EVENT_COLUMNS.map((c) => ({ name: c.name, type: CURATED_TYPES[c.type] }));
  return {
    name: 'segment_events',
    appendable: false,
    patterns: [file],
    define(files) {
      if (files.length === 0) return emptyRelation(columns);
      const struct = columns.map((c) => `${ident(SEGMENT_EVENT_KEYS[c.name] ?? c.name)} ${c.type}`).join(', ');
      const select = columns.map((c) => `detail.${ident(SEGMENT_EVENT_KEYS[c.name] ?? c.name)} AS ${ident(c.name)}`).join(', ');
      return `SELECT ${select} FROM read_json([${files.map(literal).join(', ')}], format = 'newline_delimited', columns = {detail: 'STRUCT(${struct.replace(/'/g, "''")})'})`;
    },
  };
}

/** The base tables over the local folders. */
export function baseTables(opts: Pick<LocalWarehouseOptions, 'lakeDir' | 'curatedDir' | 'segmentEventsFile'>): BaseTable[] {
  return [
    // Firehose and the local lake writer write .jsonl.gz; the consumers' quarantine sink writes .jsonl.
    lakeTable('raw_events', RAW_ZONE, opts.lakeDir, RAW_EVENT_TABLE_COLUMNS, [LAKE_FILE_EXTENSION]),
    lakeTable('quarantine', QUARANTINE_ZONE, opts.lakeDir, QUARANTINE_TABLE_COLUMNS, [LAKE_FILE_EXTENSION, '.jsonl']),
    ...(['profiles', 'identities', 'identity_merges', 'segment_membership', 'rejected_identifiers'] as const).map((t) => exportTable(t, opts.curatedDir)),
    segmentEventsTable(opts.segmentEventsFile),
  ];
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const bigintToJs = (n: bigint): number | string => (n <= MAX_SAFE && n >= -MAX_SAFE ? Number(n) : n.toString());
const MICROS_PER_MS = 1000n;
const MS_PER_DAY = 86_400_000;

function timestampToIso(micros: bigint, finite: boolean, text: string): string {
  if (!finite) return text;
  const ms = micros / MICROS_PER_MS - (micros % MICROS_PER_MS < 0n ? 1n : 0n);
  return new Date(Number(ms)).toISOString();
}

/** DuckDB values as plain JS: BIGINT as a number when safe (text otherwise), timestamps and dates as ISO-8601 text. */
const toPlain: DuckDBValueConverter<unknown> = (value, type, converter) => {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return bigintToJs(value as bigint);
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ: {
      const ts = value as DuckDBTimestampValue;
      return timestampToIso(ts.micros, ts.isFinite, ts.toString());
    }
    case DuckDBTypeId.DATE: {
      const date = value as DuckDBDateValue;
      return date.isFinite ? new Date(date.days * MS_PER_DAY).toISOString().slice(0, 10) : date.toString();
    }
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS: {
      const js = JSDuckDBValueConverter(value, type, JSDuckDBValueConverter);
      return js instanceof Date ? js.toISOString() : String(value);
    }
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_TZ:
    case DuckDBTypeId.INTERVAL:
      return String(value);
    default:
      return JSDuckDBValueConverter(value, type, converter as unknown as DuckDBValueConverter<JS>);
  }
};

const shorten = (sql: string) => {
  const one = sql.replace(/\s+/g, ' ').trim();
  return one.length > 160 ? `${one.slice(0, 157)}...` : one;
};
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A file, with what shows that it changed: its size and modification time. */
export interface FileStamp {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

const byPath = (a: FileStamp, b: FileStamp) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
const stampKey = (f: FileStamp) => `${f.path}\0${f.size}\0${f.mtimeMs}`;

/** The files a path pattern matches (its `*` stand for any characters within one folder level), sorted by path. */
export async function globFiles(pattern: string): Promise<FileStamp[]> {
  const parts = pattern.split(sep);
  const first = parts.findIndex((p) => p.includes('*'));
  const stamp = async (path: string): Promise<FileStamp[]> => {
    const s = await stat(path).catch(() => undefined);
    return s?.isFile() === true ? [{ path, size: s.size, mtimeMs: s.mtimeMs }] : [];
  };
  const walk = async (dir: string, i: number): Promise<FileStamp[]> => {
    const last = i === parts.length - 1;
    const test = new RegExp(`^${(parts[i] as string).split('*').map(escapeRegExp).join('.*')}$`);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const found = await Promise.all(
      entries
        // A link is followed: stat() tells a file, readdir() a folder.
        .filter((e) => test.test(e.name) && (e.isSymbolicLink() || (last ? e.isFile() : e.isDirectory())))
        .map((e) => (last ? stamp(join(dir, e.name)) : walk(join(dir, e.name), i + 1))),
    );
    return found.flat();
  };
  const found = first < 0 ? await stamp(pattern) : await walk(parts.slice(0, first).join(sep) || sep, first);
  return found.sort(byPath);
}

/** The files of a base table now, over all its patterns, sorted by path. */
async function filesOf(table: BaseTable): Promise<FileStamp[]> {
  const seen = new Map<string, FileStamp>();
  for (const files of await Promise.all(table.patterns.map(globFiles))) for (const f of files) seen.set(f.path, f);
  return [...seen.values()].sort(byPath);
}

/**
 * The files of `next` that `previous` lacks, when `next` only added files to
 * `previous` (every earlier file still there, unchanged); otherwise undefined.
 */
function addedFiles(previous: readonly FileStamp[], next: readonly FileStamp[]): FileStamp[] | undefined {
  if (next.length <= previous.length) return undefined;
  const now = new Map(next.map((f) => [f.path, stampKey(f)]));
  if (!previous.every((f) => now.get(f.path) === stampKey(f))) return undefined;
  const before = new Set(previous.map((f) => f.path));
  return next.filter((f) => !before.has(f.path));
}

/**
 * The shipped views kept as tables: `events` reads the whole lake (a dedupe
 * window by messageId, ISO-8601 parsing, the identity join) and nearly every
 * other view reads it; `data_freshness` parses the whole lake's timestamps
 * too, and the dashboard's overview reads it.
 */
export const MATERIALIZED_VIEWS: readonly string[] = ['events', 'data_freshness'];

/** The statements that change no table. */
const READ_ONLY: ReadonlySet<StatementType> = new Set([StatementType.SELECT, StatementType.EXPLAIN]);

/** The head of a view file's statement (the views contract checks every file has it). */
const VIEW_HEAD = /^CREATE\s+OR\s+REPLACE\s+VIEW\s+[A-Za-z_][A-Za-z0-9_]*\s+AS\s/i;

/**
 * The names of the tables and views SELECT statements read (a CTE's name
 * too, where it is read), and the names of their CTEs, from DuckDB's parse
 * tree, lower-case (`schema.name` when a schema is named; `query()` for
 * the table functions that read tables by name); undefined if DuckDB cannot
 * serialise them (a statement other than SELECT, a syntax error).
 */
async function tableNames(connection: DuckDBConnection, select: string): Promise<{ names: Set<string>; ctes: Set<string> } | undefined> {
  let tree: unknown;
  try {
    const reader = await connection.runAndReadAll(`SELECT json_serialize_sql(${literal(select)}) AS tree`);
    tree = JSON.parse(String(reader.getRowObjectsJson()[0]?.tree));
  } catch {
    return undefined;
  }
  if (tree === null || typeof tree !== 'object' || (tree as { error?: unknown }).error !== false) return undefined;
  const names = new Set<string>();
  const ctes = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const fields = node as Record<string, unknown>;
    if (fields.type === 'BASE_TABLE' && typeof fields.table_name === 'string') {
      names.add(fields.schema_name === '' || fields.schema_name === undefined ? fields.table_name.toLowerCase() : `${String(fields.schema_name)}.${fields.table_name}`.toLowerCase());
    }
    // query() and query_table() read tables named in their arguments: a name no table has, so the caller refreshes everything.
    const fn = (fields.function as { function_name?: unknown } | undefined)?.function_name;
    if (fields.type === 'TABLE_FUNCTION' && (fn === 'query' || fn === 'query_table')) names.add(`${fn}()`);
    const cteMap = fields.cte_map as { map?: unknown } | undefined;
    if (Array.isArray(cteMap?.map)) for (const entry of cteMap.map as Array<{ key?: unknown }>) if (typeof entry.key === 'string') ctes.add(entry.key.toLowerCase());
    for (const value of Object.values(fields)) visit(value);
  };
  visit((tree as { statements?: unknown }).statements);
  return { names, ctes };
}

/** A shipped view kept as a table: its SELECT, the base tables it reads, and the loads it was last computed from. */
interface MaterializedView {
  readonly name: string;
  readonly select: string;
  /** The base tables it reads, directly or through other views. */
  readonly reads: readonly string[];
  /** The loads of `reads` it was last computed from; undefined until computed (again). */
  built?: string;
  /** Whether the table has replaced the view. */
  table?: boolean;
}

const selectOf = (view: ShippedView) => view.sql.replace(VIEW_HEAD, '');

/** What a query reads: base tables and materialized views, by name. */
interface Needs {
  readonly bases: ReadonlySet<string>;
  readonly views: ReadonlySet<string>;
}

/** The SQL functions of a column policy, registered on the connection: the policy's own code runs on every value, so SQL and the contract agree. */
function registerPolicyFunctions(connection: DuckDBConnection, policy: ColumnPolicy): void {
  // A fresh key per warehouse: pseudonyms join within one session and mean nothing outside it.
  const key = randomBytes(32);
  const pseudonym = (value: string) => createHmac('sha256', key).update(value.trim()).digest('hex').slice(0, 16);
  const scalar = (name: string, arity: number, fn: (...args: Array<string | null>) => string | null) =>
    connection.registerScalarFunction(
      DuckDBScalarFunction.create({
        name,
        returnType: VARCHAR,
        parameterTypes: Array.from({ length: arity }, () => VARCHAR),
        mainFunction: (_info, input, output) => {
          const vectors = Array.from({ length: arity }, (_, i) => input.getColumnVector(i));
          for (let row = 0; row < input.rowCount; row++) output.setItem(row, fn(...vectors.map((v) => v.getItem(row) as string | null)));
          output.flush();
        },
      }),
    );
  scalar('c360_pseudonym', 1, (value) => (value === null ? null : pseudonym(value)));
  scalar('c360_identifier', 2, (type, value) => {
    if (value === null) return null;
    switch (policy.identifier(type ?? '')) {
      case 'clear':
        return value;
      case 'mask':
        return MASK;
      case 'pseudonym':
        return pseudonym(value);
      case 'omit':
        return null;
    }
  });
  scalar('c360_json', 2, (scope, text) => {
    if (text === null) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (e.g. a quarantined record in base64): it may hold anything.
      return policy.seesAll ? text : policy.otherwise === 'omit' ? null : MASK;
    }
    const kept = policy.json((scope ?? 'record') as JsonScope, parsed);
    return kept === undefined ? null : JSON.stringify(kept);
  });
}

/** `select` with each column as the policy gives it to the role (DuckDB tells the columns: Parquet exports carry one per computed trait). */
async function governedSelect(connection: DuckDBConnection, policy: ColumnPolicy, table: string, select: string): Promise<string> {
  const reader = await connection.runAndReadAll(`DESCRIBE ${select}`);
  const items: string[] = [];
  for (const row of reader.getRowObjectsJson()) {
    const name = String(row.column_name);
    const type = String(row.column_type);
    const col = ident(name);
    const access = policy.column(table, name);
    if (access.kind === 'clear') items.push(col);
    else if (access.kind === 'omit') continue;
    else if (type !== 'VARCHAR') items.push(`CAST(NULL AS ${type}) AS ${col}`);
    else if (access.kind === 'mask') items.push(`CASE WHEN ${col} IS NULL THEN NULL ELSE ${literal(MASK)} END AS ${col}`);
    else if (access.kind === 'pseudonym') items.push(`c360_pseudonym(${col}) AS ${col}`);
    else if (access.kind === 'json') items.push(`c360_json(${literal(access.scope)}, ${col}) AS ${col}`);
    else if (access.kind === 'typed') items.push(`c360_identifier(CAST(${ident(access.typeColumn)} AS VARCHAR), ${col}) AS ${col}`);
  }
  if (items.length === 0) throw new Error(`role ${policy.role} reads no column of ${table}`);
  return `SELECT ${items.join(', ')} FROM (${select})`;
}

class LocalWarehouse implements Warehouse {
  /** Each base table's files when it was last loaded, and the number of that load. */
  private readonly loaded = new Map<string, { readonly files: readonly FileStamp[]; readonly key: string; readonly version: number }>();
  private loads = 0;
  private readonly baseNames: ReadonlySet<string>;
  private materialized: MaterializedView[] = [];
  /** For each shipped view, the base tables and the materialized views (itself included) it reads, directly or through other views. */
  private reach = new Map<string, Needs>();
  /** Serialises queries and refreshes, so a query never sees a table being rebuilt. */
  private tail: Promise<unknown> = Promise.resolve();
  /** The role's column policy the base tables are loaded through, if any. */
  private policy: ColumnPolicy | undefined;
  /** Whether the base tables were loaded once for good (a policy's warehouse: DuckDB may read no file any more). */
  private frozen = false;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly tables: readonly BaseTable[],
    readonly views: readonly ShippedView[],
  ) {
    this.baseNames = new Set(tables.map((t) => t.name));
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Creates every base table empty, with its columns, for the views to bind to before any file is read. */
  async defineEmpty(): Promise<void> {
    for (const table of this.tables) {
      try {
        await this.connection.run(`CREATE OR REPLACE TABLE ${ident(table.name)} AS ${table.define([])}`);
      } catch (err) {
        throw new Error(`base table ${table.name}: ${messageOf(err)}`);
      }
    }
  }

  /**
   * Loads every base table through the role's column policy, then turns off
   * DuckDB's access to files for good: from here on queries
   * read only what the policy let in. The views were defined over the full
   * columns, so a view reading a column the role does not get fails alone.
   */
  async govern(policy: ColumnPolicy): Promise<void> {
    await this.exclusive(async () => {
      this.policy = policy;
      registerPolicyFunctions(this.connection, policy);
      const listed = await Promise.all(this.tables.map((t) => filesOf(t)));
      for (const [i, table] of this.tables.entries()) await this.load(table, listed[i] as FileStamp[]);
      // Once off, DuckDB does not let it back on while the database runs.
      await this.connection.run('SET enable_external_access = false');
      this.frozen = true;
    });
  }

  /** Reloads every base table whose files changed, then recomputes the materialized views that read them. */
  refresh(): Promise<void> {
    return this.exclusive(() => this.refreshNow(undefined));
  }

  query(sql: string): Promise<Row[]> {
    return this.exclusive(() => this.run(sql));
  }

  /**
   * Keeps the shipped views named (those that exist) as tables, each
   * computed when a query first reads it (directly or through other views)
   * and recomputed when a base table it reads was reloaded since; and notes
   * what each shipped view reads (every base table and materialized view,
   * if a view on the way cannot be parsed).
   */
  materialize(names: readonly string[]): Promise<void> {
    return this.exclusive(async () => {
      const direct = new Map<string, Set<string> | undefined>();
      for (const view of this.views) direct.set(view.name, (await tableNames(this.connection, selectOf(view)))?.names);
      /** Every view and base table `name` reads, directly or through views, itself included; undefined if one cannot be told. */
      const closure = (name: string): Set<string> | undefined => {
        const found = new Set([name]);
        const pending = [name];
        for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
          if (!direct.has(next)) continue;
          const reads = direct.get(next);
          if (reads === undefined) return undefined;
          for (const n of reads) {
            if (found.has(n) || !(direct.has(n) || this.baseNames.has(n))) continue;
            found.add(n);
            pending.push(n);
          }
        }
        return found;
      };
      const kept = new Set(this.views.filter((v) => names.includes(v.name)).map((v) => v.name));
      this.materialized = this.views
        .filter((v) => kept.has(v.name))
        .map((v) => ({ name: v.name, select: selectOf(v), reads: [...(closure(v.name) ?? this.baseNames)].filter((n) => this.baseNames.has(n)).sort() }));
      this.reach = new Map(
        this.views.map((v) => {
          const all = closure(v.name);
          return [v.name, { bases: new Set([...(all ?? this.baseNames)].filter((n) => this.baseNames.has(n))), views: new Set([...(all ?? kept)].filter((n) => kept.has(n))) }];
        }),
      );
    });
  }

  /** The base tables and materialized views `sql` reads, directly or through views; undefined (all of them) when that cannot be told. */
  private async needsOf(sql: string): Promise<Needs | undefined> {
    const found = await tableNames(this.connection, sql);
    if (found === undefined) return undefined;
    const needs = { bases: new Set<string>(), views: new Set<string>() };
    for (const name of found.names) {
      const reached = this.reach.get(name);
      if (reached !== undefined) {
        for (const b of reached.bases) needs.bases.add(b);
        for (const v of reached.views) needs.views.add(v);
      } else if (this.baseNames.has(name)) needs.bases.add(name);
      // A table or view the warehouse did not define (a temporary one, a catalog view) may read anything.
      else if (!found.ctes.has(name)) return undefined;
    }
    return needs;
  }

  /** Forgets what was loaded and computed, so that every table is filled again from the files when next read. */
  private forget(): void {
    this.loaded.clear();
    for (const view of this.materialized) view.built = undefined;
  }

  /** Brings up to date the base tables and the materialized views of `needs` (all when undefined), and the base tables those views read. */
  private async refreshNow(needs: Needs | undefined): Promise<void> {
    const views = this.materialized.filter((v) => needs === undefined || needs.views.has(v.name));
    const tables = this.tables.filter((t) => needs === undefined || needs.bases.has(t.name) || views.some((v) => v.reads.includes(t.name)));
    const listed = await Promise.all(tables.map((t) => filesOf(t)));
    for (const [i, table] of tables.entries()) await this.load(table, listed[i] as FileStamp[]);
    for (const view of views) await this.build(view);
  }

  /** (Re)loads one base table if its files changed since its last load. */
  private async load(table: BaseTable, files: readonly FileStamp[]): Promise<void> {
    if (this.frozen) return;
    const key = files.map(stampKey).join('\n');
    const previous = this.loaded.get(table.name);
    if (previous?.key === key) return;
    const added = previous !== undefined && table.appendable ? addedFiles(previous.files, files) : undefined;
    const policy = this.policy;
    const define = async (paths: readonly string[]) => {
      const select = table.define(paths);
      return policy === undefined ? select : governedSelect(this.connection, policy, table.name, select);
    };
    try {
      const sql =
        added === undefined
          ? `CREATE OR REPLACE TABLE ${ident(table.name)} AS ${await define(files.map((f) => f.path))}`
          : `INSERT INTO ${ident(table.name)} ${await define(added.map((f) => f.path))}`;
      await this.unordered(() => this.connection.run(sql));
    } catch (err) {
      throw new Error(`base table ${table.name}: ${messageOf(err)}`);
    }
    this.loaded.set(table.name, { files, key, version: ++this.loads });
  }

  /**
   * Runs `work` (filling a table) without keeping the rows in the order they
   * were read, which lets DuckDB load in parallel with less memory: a table's
   * rows have no order, and queries order their answers themselves.
   */
  private async unordered<T>(work: () => Promise<T>): Promise<T> {
    await this.connection.run('SET preserve_insertion_order = false');
    try {
      return await work();
    } finally {
      await this.connection.run('RESET preserve_insertion_order');
    }
  }

  /** Recomputes one materialized view if a base table it reads was reloaded since; the first time, the table replaces the view. */
  private async build(view: MaterializedView): Promise<void> {
    const built = view.reads.map((t) => `${t}:${this.loaded.get(t)?.version ?? 0}`).join(',');
    if (view.built === built) return;
    const create = `CREATE OR REPLACE TABLE ${ident(view.name)} AS ${view.select}`;
    try {
      if (view.table === true) await this.unordered(() => this.connection.run(create));
      else {
        await this.connection.run('BEGIN TRANSACTION');
        try {
          await this.connection.run(`DROP VIEW IF EXISTS ${ident(view.name)}`);
          await this.unordered(() => this.connection.run(create));
          await this.connection.run('COMMIT');
        } catch (err) {
          await this.connection.run('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }
    } catch (err) {
      throw new Error(`view ${view.name}, kept as a table: ${messageOf(err)}`);
    }
    view.built = built;
    view.table = true;
  }

  private async run(sql: string): Promise<Row[]> {
    let statements;
    try {
      statements = await this.connection.extractStatements(sql);
    } catch (err) {
      throw new Error(`${messageOf(err)}\n  in: ${shorten(sql)}`);
    }
    if (statements.count === 0) throw new Error('no SQL statement to run');
    await this.refreshNow(await this.needsOf(sql));
    let rows: Row[] = [];
    for (let i = 0; i < statements.count; i++) {
      try {
        const prepared = await statements.prepare(i);
        const reads = READ_ONLY.has(prepared.statementType);
        const reader = await prepared.runAndReadAll();
        // It may have changed a table the warehouse keeps: the next query fills what it reads from the files again.
        if (!reads) this.forget();
        rows = reader.convertRowObjects(toPlain) as Row[];
      } catch (err) {
        const which = statements.count > 1 ? `statement ${i + 1} of ${statements.count}` : 'the statement';
        throw new Error(`${messageOf(err)}\n  in ${which}: ${shorten(statements.count > 1 ? nthStatement(sql, i) : sql)}`);
      }
    }
    return rows;
  }

  async close(): Promise<void> {
    await this.tail;
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** The i-th `;`-separated piece of `sql`, for error messages (quotes are not tracked: a best effort). */
function nthStatement(sql: string, i: number): string {
  const pieces = sql.split(';').filter((p) => p.trim().length > 0);
  return pieces[i] ?? sql;
}

/**
 * Opens the local warehouse: DuckDB in memory, the shims, the base tables
 * loaded from the files, then every view of `viewsDir` in creation order
 * (the materialized ones are computed when first read). A view that fails
 * to create rejects, naming the view and its file. With a column policy,
 * every base table is then loaded through it and file access turned off.
 */
export async function openLocalWarehouse(opts: LocalWarehouseOptions): Promise<Warehouse & { refresh(): Promise<void> }> {
  const views = await readShippedViews(opts.viewsDir);
  const shims = await readDuckdbShims();
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const warehouse = new LocalWarehouse(instance, connection, baseTables(opts), views);
  try {
    await connection.run("SET TimeZone = 'UTC'");
    try {
      await connection.run(shims);
    } catch (err) {
      throw new Error(`DuckDB shims (sql/duckdb/shims.sql): ${messageOf(err)}`);
    }
    await warehouse.defineEmpty();
    for (const view of views) {
      try {
        await connection.run(view.sql);
      } catch (err) {
        throw new Error(`view ${view.name} (${view.file}): ${messageOf(err)}`);
      }
    }
    await warehouse.materialize(MATERIALIZED_VIEWS);
    if (opts.policy !== undefined) await warehouse.govern(opts.policy);
  } catch (err) {
    connection.closeSync();
    instance.closeSync();
    throw err;
  }
  return warehouse;
}
