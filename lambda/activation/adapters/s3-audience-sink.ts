/**
 * AudienceSink on the exports bucket: each object put under its key, with its
 * content type; encryption is the bucket's default (the activation key).
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AudienceSink } from '../ports';

export class S3AudienceSink implements AudienceSink {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: string, contentType: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }
}
