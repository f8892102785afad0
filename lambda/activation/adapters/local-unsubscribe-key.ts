/**
 * The local runtime's unsubscribe signing key: 32 random bytes in
 * `<dataDir>/keys/unsubscribe.key` (mode 0600), created on first use. The
 * runtime's campaign path and its `/unsubscribe` endpoint read the same
 * file, so links signed before a restart still verify. Deleting the file
 * invalidates every link already in the outbox.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MIN_UNSUBSCRIBE_KEY_BYTES } from '../core/unsubscribe';

export const localUnsubscribeKeyFile = (dataDir: string): string => join(dataDir, 'keys', 'unsubscribe.key');

/** The key in the file, created when there is none. */
export async function localUnsubscribeKey(dataDir: string): Promise<Buffer> {
  const file = localUnsubscribeKeyFile(dataDir);
  const existing = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing !== undefined) {
    if (existing.length < MIN_UNSUBSCRIBE_KEY_BYTES) throw new Error(`${file} holds ${existing.length} bytes; an unsubscribe key needs at least ${MIN_UNSUBSCRIBE_KEY_BYTES} (delete it to make a new one)`);
    return existing;
  }
  await mkdir(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
  const key = randomBytes(MIN_UNSUBSCRIBE_KEY_BYTES);
  try {
    // `wx`: two processes starting at once keep the first key written.
    await writeFile(file, key, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFile(file);
    throw err;
  }
}
