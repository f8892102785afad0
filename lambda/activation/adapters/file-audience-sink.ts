/**
 * AudienceSink on a local folder (`.c360/exports/`), the same keys as the
 * deployed bucket as paths under it. Each file is written through a
 * temporary file and a rename, so a reader (or the erasure) never sees half
 * a file.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { AudienceSink } from '../ports';

export class FileAudienceSink implements AudienceSink {
  private readonly root: string;

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  async put(key: string, body: string, _contentType: string): Promise<void> {
    const path = resolve(join(this.root, key));
    if (!path.startsWith(this.root + sep)) throw new Error(`audience export key ${JSON.stringify(key)} is outside the exports folder`);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, body, 'utf8');
    await rename(tmp, path);
  }
}
