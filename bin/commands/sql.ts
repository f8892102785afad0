/**
 * `c360 sql`: SQL over the local lake and curated zone (DuckDB in process,
 * with the shipped views), without the local runtime running.
 *
 *   c360 sql "SELECT * FROM customers_overview"
 *   c360 sql --file query.sql [--csv | --json]
 *   c360 sql --views                    the shipped views and what each answers
 *   c360 sql --as analyst "SELECT * FROM users"   as a governance role reads it
 *
 * Without --as the local user reads every column, as the data steward does.
 * With --as ROLE, every table holds what the role may read under the PII
 * classification (governance.classification, governance.roles): direct
 * contact columns masked or absent, join keys as session pseudonyms, JSON
 * keys the role may not see masked or removed; the shipped views run on top.
 * Reads `<local.dataDir>/lake`, `curated/` and the bus file (or --data-dir's).
 * Prints an aligned table by default; a query DuckDB rejects exits 1 with its message.
 */
import { readFile } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import type { Command } from 'commander';
import { openLocalWarehouse } from '../../lambda/analytics/adapters/duckdb-warehouse';
import type { Row } from '../../lambda/analytics/ports';
import { config } from '../../lambda/config/load';
import { classification, columnPolicy, governanceRoles, type ColumnPolicy } from '../../lambda/governance/contracts/classification';
import { prepareDataDir } from '../../lambda/local/data-dir';
import { localDataDir } from '../../lambda/local/runtime-info';

export interface SqlCommandOptions {
  /** @default config.local.dataDir */
  readonly dataDir?: string;
  /** Where results go. @default process.stdout */
  readonly write?: (text: string) => void;
}

const cell = (value: unknown): string => {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
};

/** The column policy of role `name` under the config's classification; an Error listing the roles when there is no such role. */
export function rolePolicy(name: string, cfg = config): ColumnPolicy {
  const roles = governanceRoles(cfg);
  const role = Object.hasOwn(roles, name) ? roles[name] : undefined;
  if (role === undefined) throw new Error(`unknown role ${JSON.stringify(name)}; the roles are ${Object.keys(roles).sort().join(', ')} (governance.roles)`);
  return columnPolicy(classification(cfg), name, role);
}

const columnsOf = (rows: readonly Row[]) => (rows[0] === undefined ? [] : Object.keys(rows[0]));

/** Rows as an aligned text table: numbers right-aligned, NULL for nulls, the row count below. */
export function formatRowsTable(rows: readonly Row[]): string {
  const columns = columnsOf(rows);
  const count = `(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`;
  if (columns.length === 0) return count;
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const numeric = columns.map((c) => rows.some((r) => typeof r[c] === 'number') && rows.every((r) => r[c] === null || typeof r[c] === 'number'));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (values: readonly string[]) =>
    values.map((v, i) => (numeric[i] ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line), count].join('\n');
}

/** Rows as CSV with a header line (nothing for no rows: there are no columns to name). */
export function formatRowsCsv(rows: readonly Row[]): string {
  const columns = columnsOf(rows);
  if (columns.length === 0) return '';
  return stringify(
    rows.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? '' : typeof r[c] === 'object' ? JSON.stringify(r[c]) : r[c]))),
    { header: true, columns },
  );
}

export function registerSqlCommand(program: Command, options: SqlCommandOptions = {}): Command {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  return program
    .command('sql')
    .description('run SQL over the local lake and curated zone (DuckDB, with the shipped C360 views); the runtime need not be running')
    .argument('[query]', 'the SQL to run (several statements separated by ; print the last one\'s rows)')
    .option('--file <file>', 'read the SQL from a file')
    .option('--csv', 'print CSV with a header line')
    .option('--json', 'print one JSON array of row objects')
    .option('--views', 'list the shipped views and what each answers')
    .option('--as <role>', 'read as a governance role (analyst, steward or one of governance.roles): what it may not see is masked or absent')
    .option('--data-dir <dir>', 'the local state folder to read', options.dataDir ?? localDataDir(config.local.dataDir))
    .addHelpText('after', '\nTables: raw_events, quarantine, profiles, identities, identity_merges, segment_membership,\nrejected_identifiers, segment_events, and the views listed by --views.\n--as ROLE reads them as a governance role; without it, every column is read (the data steward).')
    .action(async function (this: Command, query: string | undefined, opts: { file?: string; csv?: boolean; json?: boolean; views?: boolean; dataDir: string; as?: string }) {
      if (opts.csv === true && opts.json === true) return this.error('error: choose one of --csv and --json', { exitCode: 2, code: 'c360.sql.format' });
      let policy: ColumnPolicy | undefined;
      if (opts.as !== undefined) {
        try {
          policy = rolePolicy(opts.as);
        } catch (err) {
          return this.error(`error: ${(err as Error).message}`, { exitCode: 2, code: 'c360.sql.role' });
        }
      }
      let sql: string | undefined;
      if (opts.views !== true) {
        if (query !== undefined && opts.file !== undefined) return this.error('error: give the SQL as an argument or with --file, not both', { exitCode: 2, code: 'c360.sql.input' });
        if (opts.file !== undefined) {
          const file = opts.file;
          sql = await readFile(file, 'utf8').catch(() => this.error(`error: cannot read ${file}`, { exitCode: 2, code: 'c360.sql.file' }));
        } else sql = query;
        if (sql === undefined || sql.trim().length === 0) return this.error('error: give a query, --file FILE or --views', { exitCode: 2, code: 'c360.sql.input' });
      }

      const dirs = await prepareDataDir(opts.dataDir);
      const warehouse = await openLocalWarehouse({ lakeDir: dirs.lakeDir, curatedDir: dirs.curatedDir, segmentEventsFile: dirs.busFile, ...(policy === undefined ? {} : { policy }) });
      try {
        if (sql === undefined) {
          const rows = warehouse.views.map((v) => ({ view: v.name, answers: v.comment }));
          if (opts.json === true) write(JSON.stringify(rows, null, 2) + '\n');
          else if (opts.csv === true) write(formatRowsCsv(rows));
          else write(warehouse.views.map((v) => `${v.name}\n  ${v.comment}`).join('\n') + '\n');
          return;
        }
        let rows: Row[];
        try {
          rows = await warehouse.query(sql);
        } catch (err) {
          return this.error(`error: ${(err as Error).message}`, { exitCode: 1, code: 'c360.sql.query' });
        }
        if (opts.json === true) write(JSON.stringify(rows, null, 2) + '\n');
        else if (opts.csv === true) write(formatRowsCsv(rows));
        else write(formatRowsTable(rows) + '\n');
      } finally {
        await warehouse.close();
      }
    });
}
