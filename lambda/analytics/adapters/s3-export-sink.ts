/**
 * ExportSink on the curated bucket: one PutObject per file (a single PUT is
 * atomic: a reader sees the whole object or none). Encryption is the
 * bucket's default (SSE-KMS with the curated zone's key), so no key is named here.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ExportSink } from '../ports';
import { PARQUET_CONTENT_TYPE } from './parquet-encoder';

export class S3ExportSink implements ExportSink {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly contentType: string = PARQUET_CONTENT_TYPE,
  ) {}

  async put(key: string, body: Uint8Array): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: this.contentType }));
  }
}
