/**
 * Erases a person from the files of one local store (under `.c360/`): every
 * file is read, filtered by the content filter (core/content-filter.ts: JSON
 * lines, gzip, CSV, Parquet, JSON documents) and, when it held one of their
 * records, rewritten through a temporary file and a rename, so that a reader
 * never sees half a file. A file left with no records is deleted, as the
 * deployed erasers delete an emptied object.
 */
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { detectFormat, filterContent, subjectMatcher } from '../core/content-filter';
import type { ErasureStore, ErasureSubject, StoreReport } from '../contracts/erasure';
import type { StoreEraser } from '../ports';

export interface LocalFileEraserOptions {
  /** Folders whose files (recursively) belong to the store. */
  readonly dirs?: readonly string[];
  /** Single files of the store. */
  readonly files?: readonly string[];
  /** More files, found when the erasure runs (files other processes wrote, listed in a manifest). */
  readonly moreFiles?: () => Promise<readonly string[]>;
  readonly clock?: () => number;
}

async function filesUnder(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const out: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (name.endsWith('.tmp')) continue;
    if ((await stat(path).catch(() => undefined))?.isFile() === true) out.push(path);
  }
  return out;
}

export class LocalFileEraser implements StoreEraser {
  constructor(
    readonly store: ErasureStore,
    private readonly opts: LocalFileEraserOptions,
  ) {}

  async erase(subject: ErasureSubject): Promise<StoreReport> {
    const clock = this.opts.clock ?? Date.now;
    const matcher = subjectMatcher(subject);
    const files = new Set<string>(this.opts.files ?? []);
    for (const dir of this.opts.dirs ?? []) for (const f of await filesUnder(dir)) files.add(f);
    for (const f of (await this.opts.moreFiles?.()) ?? []) files.add(f);
    let items = 0;
    let objects = 0;
    for (const file of [...files].sort()) {
      const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (bytes === undefined || bytes.length === 0) continue;
      const format = detectFormat(file, bytes);
      const out = await filterContent(bytes, format, matcher);
      if (out.removed === 0) continue;
      items += out.removed;
      objects++;
      if (out.kept === 0 && (format === 'jsonl' || format === 'jsonl.gz')) {
        await rm(file, { force: true });
        continue;
      }
      const tmp = `${file}.${process.pid}.erase.tmp`;
      await writeFile(tmp, out.bytes);
      await rename(tmp, file);
    }
    return {
      store: this.store,
      method: 'rewrite files',
      status: items > 0 ? 'erased' : 'nothing-found',
      itemsAffected: items,
      objectsAffected: objects,
      completedAt: new Date(clock()).toISOString(),
    };
  }
}
