/**
 * Reads the shipped SQL from disk: the view files (`sql/views/NNN-name.sql`,
 * parsed by the views contract) and the DuckDB shims. Paths default to the
 * repository's own folders, found relative to this module.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DUCKDB_SHIMS_FILE, VIEWS_DIR, isViewFile, parseViewFiles, type ShippedView } from '../contracts/views';

/** Repository root: lambda/analytics/adapters/ is three levels below it. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The shipped view files' folder. */
export const DEFAULT_VIEWS_DIR = join(REPO_ROOT, VIEWS_DIR);
/** The DuckDB shims file. */
export const DEFAULT_SHIMS_FILE = join(REPO_ROOT, DUCKDB_SHIMS_FILE);

/** The view files of `dir` (default: the shipped ones), parsed, in creation order; a bad file throws naming it. */
export async function readShippedViews(dir: string = DEFAULT_VIEWS_DIR): Promise<ShippedView[]> {
  const names = (await readdir(dir)).filter(isViewFile);
  const files: Record<string, string> = {};
  for (const name of names) files[name] = await readFile(join(dir, name), 'utf8');
  return parseViewFiles(files);
}

/** The DuckDB shims: `CREATE MACRO` statements separated by `;`. */
export async function readDuckdbShims(file: string = DEFAULT_SHIMS_FILE): Promise<string> {
  return readFile(file, 'utf8');
}
