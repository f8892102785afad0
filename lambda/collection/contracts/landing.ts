/**
 * The landing bucket's layout, shared by the stack (lib/constructs/collection/)
 * and the import: where batch files land and where their outputs go, the
 * supported file kinds by name, the source of a `landing/<source>/<name>`
 * key, and the keys of the report and rejects file written beside it.
 */

export type FileFormat = 'csv' | 'jsonl';

export interface FileKind {
  readonly format: FileFormat;
  readonly gzip: boolean;
}

/** The supported file types, by name: `.csv`, `.jsonl`, `.ndjson`, each optionally `.gz`. */
export function fileKind(name: string): FileKind | undefined {
  const m = /\.(csv|jsonl|ndjson)(\.gz)?$/i.exec(name);
  if (m === null) return undefined;
  return { format: (m[1] as string).toLowerCase() === 'csv' ? 'csv' : 'jsonl', gzip: m[2] !== undefined };
}

/** Where files are dropped (`landing/<source>/<file>`): the bucket notification's filter, the read grant, the crawler's path. */
export const LANDING_PREFIX = 'landing/';
/**
 * Item catalog files (`landing/items/<file>`): the activation pillar's item
 * import reads them; the batch-file import, which turns rows into events,
 * leaves them alone.
 */
export const ITEMS_LANDING_PREFIX = 'landing/items/';
/** Where each import's report and rejects go: outside `landing/`, so writing them starts no import. */
export const REPORTS_PREFIX = 'reports/';

/** `landing/<source>/<name>` → its source and name (the rest of the key, subfolders included). */
export function parseLandingKey(key: string): { source: string; name: string } | undefined {
  const m = /^landing\/([^/]+)\/(.+)$/.exec(key);
  if (m === null) return undefined;
  return { source: m[1] as string, name: m[2] as string };
}

/**
 * Keys of an import's outputs in the landing bucket, outside `landing/` so
 * that writing them starts no import: `reports/<source>/<name>.report.json`
 * and `.rejects.csv` / `.rejects.jsonl` beside it.
 */
export function reportKeys(key: string): { report: string; rejects: (format: FileFormat) => string } {
  const parsed = parseLandingKey(key);
  const base = parsed === undefined ? `${REPORTS_PREFIX}_outside-landing/${key.replace(/^\/+/, '')}` : `${REPORTS_PREFIX}${parsed.source}/${parsed.name}`;
  return { report: `${base}.report.json`, rejects: (format) => `${base}.rejects.${format}` };
}
