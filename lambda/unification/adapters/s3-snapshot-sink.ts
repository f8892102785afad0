/** SnapshotSink on S3: one PutObject per part, replacing the previous run's object (SSE: the bucket's default key). */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SnapshotSink } from '../ports';

export class S3SnapshotSink implements SnapshotSink {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: Uint8Array | string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'text/csv; charset=utf-8' }));
  }
}
