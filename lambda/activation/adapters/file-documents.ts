/**
 * The DocumentStore on a local folder: the key is the file's path under it
 * (`models/recommender/current.json` → `<dir>/models/recommender/current.json`),
 * written to a temporary file and renamed, so a reader never sees half a
 * document. Keys that would reach outside the folder are refused.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { DocumentStore } from '../ports';

export class FileDocumentStore implements DocumentStore {
  private readonly root: string;

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  async get<T>(key: string): Promise<T | undefined> {
    const text = await readFile(this.path(key), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  async put(key: string, value: unknown): Promise<void> {
    const file = this.path(key);
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
    await rename(tmp, file);
  }

  async list(prefix: string): Promise<string[]> {
    const files = await readdir(this.root, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    return files
      .filter((f) => f.isFile() && !f.name.endsWith('.tmp'))
      .map((f) => relative(this.root, join(f.parentPath, f.name)).split(sep).join('/'))
      .filter((key) => key.startsWith(prefix))
      .sort();
  }

  private path(key: string): string {
    const file = resolve(this.root, key);
    if (key.length === 0 || !file.startsWith(this.root + sep)) throw new Error(`document key ${JSON.stringify(key)} is not inside the store's folder`);
    return file;
  }
}
