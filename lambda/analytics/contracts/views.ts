/**
 * The shipped SQL views, defined once as files under `sql/views/`: the stack
 * creates them in Athena (a custom resource runs each statement), the local
 * warehouse creates them in DuckDB. The same text runs on both engines;
 * `sql/duckdb/shims.sql` defines, as DuckDB macros, the Athena (Trino)
 * functions DuckDB spells differently. Redshift's own statements (streaming
 * ingestion, Spectrum, real-time views) are under `sql/redshift/`.
 *
 * A view file is named `<NNN>-<view_name>.sql` (the number orders creation:
 * a view comes after the views it reads) and holds:
 *
 *   -- What the view answers (one or more comment lines).
 *   CREATE OR REPLACE VIEW <view_name> AS
 *   SELECT …
 *
 * Pure module: the callers read the files.
 */

/** Folders, relative to the repository root. */
export const VIEWS_DIR = 'sql/views';
export const DUCKDB_SHIMS_FILE = 'sql/duckdb/shims.sql';
export const REDSHIFT_DIR = 'sql/redshift';

export interface ShippedView {
  /** The view's name (`customers_overview`). */
  readonly name: string;
  /** What it answers: the file's leading comment lines, joined. */
  readonly comment: string;
  /** The whole `CREATE OR REPLACE VIEW … AS …` statement, without a trailing `;`. */
  readonly sql: string;
  /** The file it came from (`010-customers_overview.sql`). */
  readonly file: string;
}

const FILE_NAME = /^(\d{3})-([a-z][a-z0-9_]*)\.sql$/;

/** Whether a file name is a view file's (`NNN-name.sql`). */
export const isViewFile = (file: string) => FILE_NAME.test(file);

/** Reads one view file, or throws naming the file and what is wrong. */
export function parseViewFile(file: string, text: string): ShippedView {
  const named = FILE_NAME.exec(file);
  if (named === null) throw new Error(`${file}: a view file is named NNN-view_name.sql`);
  const name = named[2] as string;
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const comment: string[] = [];
  let i = 0;
  for (; i < lines.length && /^\s*--/.test(lines[i] as string); i++) comment.push((lines[i] as string).replace(/^\s*--\s?/, '').trim());
  if (comment.join('').length === 0) throw new Error(`${file}: start with a -- comment saying what the view answers`);
  const sql = lines.slice(i).join('\n').trim().replace(/;\s*$/, '');
  const head = /^CREATE\s+OR\s+REPLACE\s+VIEW\s+([A-Za-z_][A-Za-z0-9_]*)\s+AS\s/i.exec(sql);
  if (head === null) throw new Error(`${file}: after the comment, the file holds one CREATE OR REPLACE VIEW ${name} AS … statement`);
  if (head[1] !== name) throw new Error(`${file}: the statement creates ${head[1]}, the file name says ${name}`);
  if (sql.includes(';')) throw new Error(`${file}: one statement per file (found a ';' inside)`);
  return { name, comment: comment.join(' ').trim(), sql, file };
}

/** Parses every view file (`files`: name → text) in creation order; other files are ignored. */
export function parseViewFiles(files: Readonly<Record<string, string>>): ShippedView[] {
  const names = Object.keys(files).filter(isViewFile).sort();
  const views = names.map((f) => parseViewFile(f, files[f] as string));
  const seen = new Set<string>();
  for (const v of views) {
    if (seen.has(v.name)) throw new Error(`${v.file}: view ${v.name} is defined twice`);
    seen.add(v.name);
  }
  return views;
}

/**
 * The Redshift procedure that drops and re-creates the streaming view
 * `events_stream` as its owner (deploy-time SQL, lib/constructs/analytics/redshift-sql.ts):
 * the erasure calls it, since a streaming view takes no DELETE.
 */
export const RECREATE_EVENTS_STREAM_PROCEDURE = 'recreate_events_stream';
