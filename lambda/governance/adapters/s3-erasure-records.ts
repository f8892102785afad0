/**
 * The deployed ErasureRecords: the governance bucket (GOVERNANCE_BUCKET),
 * under the contract's keys: the resolved subject of a running erasure at
 * `erasure/work/<requestId>.json` (deleted with every version by the receipt
 * step: it holds the person's identifiers) and receipts (keyed hashes only)
 * at `erasure/receipts/<requestId>.json`. Encryption is the bucket's default
 * (the governance key).
 */
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ERASURE_REQUEST_ID, erasureReceiptKey, erasureWorkKey, type ErasureReceipt, type ErasureSubject } from '../contracts/erasure';
import type { ErasureRecords } from '../ports';
import { bodyBytes, deleteVersions, listKeyVersions } from './s3-file-eraser';

const JSON_TYPE = 'application/json';

export class S3ErasureRecords implements ErasureRecords {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async putSubject(subject: ErasureSubject): Promise<void> {
    await this.put(erasureWorkKey(checked(subject.requestId)), subject);
  }

  getSubject(requestId: string): Promise<ErasureSubject | undefined> {
    return this.get<ErasureSubject>(requestId, erasureWorkKey);
  }

  /** Deletes every version of the work object: an overwrite or a delete marker would keep its bytes. */
  async deleteSubject(requestId: string): Promise<void> {
    const key = erasureWorkKey(checked(requestId));
    const versions: { key: string; versionId: string }[] = [];
    for await (const k of listKeyVersions(this.s3, { bucket: this.bucket, prefix: key })) {
      if (k.key === key) for (const v of k.versions) versions.push({ key, versionId: v.versionId });
    }
    await deleteVersions(this.s3, this.bucket, versions);
  }

  async putReceipt(receipt: ErasureReceipt): Promise<void> {
    await this.put(erasureReceiptKey(checked(receipt.requestId)), receipt);
  }

  getReceipt(requestId: string): Promise<ErasureReceipt | undefined> {
    return this.get<ErasureReceipt>(requestId, erasureReceiptKey);
  }

  private async put(key: string, value: unknown): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: JSON.stringify(value), ContentType: JSON_TYPE }));
  }

  private async get<T>(requestId: string, keyOf: (id: string) => string): Promise<T | undefined> {
    if (!ERASURE_REQUEST_ID.test(requestId)) return undefined;
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: keyOf(requestId) }));
      return JSON.parse(new TextDecoder().decode(await bodyBytes(out.Body))) as T;
    } catch (err) {
      if (err instanceof NoSuchKey || (err as Error).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }
}

function checked(requestId: string): string {
  if (!ERASURE_REQUEST_ID.test(requestId)) throw new Error('not an erasure request id');
  return requestId;
}
