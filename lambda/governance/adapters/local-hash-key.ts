/**
 * The local runtime's hash key: 32 random bytes in `<dataDir>/keys/hash.key`
 * (mode 0600), created on first use. Every process of the project (the
 * runtime, `c360 import`, `c360 erase`) reads the same file, so their hashes
 * agree. Deleting the file makes every stored hash meaningless (the
 * suppression list included).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MIN_HASH_KEY_BYTES } from '../core/keyed-hash';
import { KeyedSubjectHasher } from './keyed-hasher';

export const localHashKeyFile = (dataDir: string): string => join(dataDir, 'keys', 'hash.key');

/** The key in the file, created when there is none. */
export async function localHashKey(dataDir: string): Promise<Buffer> {
  const file = localHashKeyFile(dataDir);
  const existing = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing !== undefined) return existing;
  await mkdir(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
  const key = randomBytes(MIN_HASH_KEY_BYTES);
  try {
    // `wx`: two processes starting at once keep the first key written.
    await writeFile(file, key, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFile(file);
    throw err;
  }
}

export async function localSubjectHasher(dataDir: string): Promise<KeyedSubjectHasher> {
  return new KeyedSubjectHasher(await localHashKey(dataDir));
}
