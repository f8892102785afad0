/**
 * The local suppression list: keyed hashes only, in
 * `<dataDir>/privacy/suppression.json` (`{ "<hash>": { requestId, at } }`),
 * rewritten whole through a temporary file so that a reader in another
 * process (`c360 import`) never sees half a file. Writes in this process take
 * turns.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SuppressionList } from '../ports';

export const localSuppressionFile = (dataDir: string): string => join(dataDir, 'privacy', 'suppression.json');

interface Entry {
  readonly requestId: string;
  readonly at: string;
}

export class FileSuppressionList implements SuppressionList {
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly clock: () => number = Date.now,
  ) {}

  async suppressed(hashes: readonly string[]): Promise<Set<string>> {
    const entries = await this.read();
    return new Set(hashes.filter((h) => Object.hasOwn(entries, h)));
  }

  add(hashes: readonly string[], requestId: string): Promise<void> {
    return this.update((entries) => {
      const at = new Date(this.clock()).toISOString();
      // Idempotent: a hash already there keeps the request that first erased it.
      for (const h of hashes) if (!Object.hasOwn(entries, h)) entries[h] = { requestId, at };
      return undefined;
    });
  }

  remove(hashes: readonly string[], _requestId: string): Promise<number> {
    return this.update((entries) => {
      let removed = 0;
      for (const h of new Set(hashes)) {
        if (Object.hasOwn(entries, h)) {
          delete entries[h];
          removed++;
        }
      }
      return removed;
    });
  }

  private async read(): Promise<Record<string, Entry>> {
    const text = await readFile(this.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (text === undefined) return {};
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${this.file} is not a suppression list`);
    return value as Record<string, Entry>;
  }

  private update<T>(change: (entries: Record<string, Entry>) => T): Promise<T> {
    const run = this.turn.then(async () => {
      const entries = await this.read();
      const out = change(entries);
      await mkdir(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(entries, null, 1) + '\n', { mode: 0o600 });
      await rename(tmp, this.file);
      return out;
    });
    this.turn = run.catch(() => undefined);
    return run;
  }
}
