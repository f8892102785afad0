/**
 * The DocumentStore on S3: one JSON object per key (the models bucket's
 * models and job state; the landing bucket's item import reports), under an
 * optional key prefix.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DocumentStore } from '../ports';

export class S3DocumentStore implements DocumentStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix = '',
  ) {}

  async get<T>(key: string): Promise<T | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      const text = await out.Body?.transformToString('utf-8');
      return text === undefined ? undefined : (JSON.parse(text) as T);
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async put(key: string, value: unknown): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Body: JSON.stringify(value), ContentType: 'application/json' }),
    );
  }

  /** Keys under `prefix`, in key order (relative to the store's own prefix). */
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ...(token === undefined ? {} : { ContinuationToken: token }) }),
      );
      for (const o of out.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key.slice(this.prefix.length));
      token = out.IsTruncated === true ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys;
  }
}
