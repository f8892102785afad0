/**
 * ExportSink on a local folder (the local curated zone): each file is written
 * under a temporary name beside its final one, then renamed, so a reader
 * (DuckDB globbing `*.parquet`) never sees half a file.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import type { ExportSink } from '../ports';

let sequence = 0;

export class FileExportSink implements ExportSink {
  constructor(private readonly root: string) {}

  /** The file of `key` under the root; a key that would leave the root is an error. */
  pathOf(key: string): string {
    const rel = normalize(key);
    if (key === '' || isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) throw new Error(`export key ${JSON.stringify(key)} leaves the export folder`);
    return join(this.root, rel);
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.tmp-${process.pid}-${++sequence}`;
    try {
      await writeFile(temporary, body);
      await rename(temporary, path);
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
  }
}
