/**
 * The local ErasureRecords: receipts (keyed hashes only) under
 * `<dataDir>/privacy/receipts/<requestId>.json`, and the resolved subject of
 * a running erasure under `<dataDir>/privacy/work/<requestId>.json` (mode
 * 0600), deleted when the receipt is written. The deployed adapter keeps the
 * same keys (contracts/erasure.ts) in the governance bucket.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ERASURE_REQUEST_ID, erasureReceiptKey, erasureWorkKey, type ErasureReceipt, type ErasureSubject } from '../contracts/erasure';
import type { ErasureRecords } from '../ports';

/** The local folder of receipts and work files. */
export const localPrivacyDir = (dataDir: string): string => join(dataDir, 'privacy');

export class FileErasureRecords implements ErasureRecords {
  /** @param dir the folder the contract's keys are under (locally `<dataDir>/privacy`) */
  constructor(private readonly dir: string) {}

  putSubject(subject: ErasureSubject): Promise<void> {
    return this.write(erasureWorkKey(subject.requestId), subject);
  }

  getSubject(requestId: string): Promise<ErasureSubject | undefined> {
    return this.read<ErasureSubject>(erasureWorkKey(requestId), requestId);
  }

  async deleteSubject(requestId: string): Promise<void> {
    await rm(this.path(erasureWorkKey(requestId), requestId), { force: true });
  }

  putReceipt(receipt: ErasureReceipt): Promise<void> {
    return this.write(erasureReceiptKey(receipt.requestId), receipt);
  }

  getReceipt(requestId: string): Promise<ErasureReceipt | undefined> {
    return this.read<ErasureReceipt>(erasureReceiptKey(requestId), requestId);
  }

  /** The file of a key; the request id is checked, so that no id reaches outside the folder. */
  private path(key: string, requestId: string): string {
    if (!ERASURE_REQUEST_ID.test(requestId)) throw new Error('not an erasure request id');
    return join(this.dir, key.replace(/^erasure\//, ''));
  }

  private async write(key: string, value: { requestId: string }): Promise<void> {
    const file = this.path(key, value.requestId);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, file);
  }

  private async read<T>(key: string, requestId: string): Promise<T | undefined> {
    if (!ERASURE_REQUEST_ID.test(requestId)) return undefined;
    const text = await readFile(this.path(key, requestId), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }
}
