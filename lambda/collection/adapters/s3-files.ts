/**
 * S3 adapters of the batch-file import: the rejects file and the report
 * written beside the landing file under `reports/`. Rejects are streamed with
 * a multipart upload (one part buffered at a time), so a file of a million
 * bad rows needs no more memory than a few.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ImportReport } from '../core/import-report';
import type { FileFormat } from '../contracts/landing';
import type { RejectsSink, RejectsWriter, ReportSink } from '../ports';

/** S3 takes parts of 5 MiB to 5 GiB (the last may be smaller), at most 10,000 of them. */
const MIN_PART_BYTES = 5 * 1024 * 1024;

export interface MultipartOptions {
  readonly contentType: string;
  /** @default 8 MiB: at most 10,000 parts, so objects up to about 80 GB. */
  readonly partBytes?: number;
}

/**
 * An object written as it is produced. Small objects (under one part) are a
 * single PutObject; larger ones a multipart upload whose parts are sent as
 * they fill (`write` waits for the part's upload: backpressure).
 */
export class S3StreamingWriter implements RejectsWriter {
  readonly location: string;
  private readonly partBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private uploadId: string | undefined;
  private readonly parts: CompletedPart[] = [];

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private readonly options: MultipartOptions,
  ) {
    this.location = `s3://${bucket}/${key}`;
    this.partBytes = Math.max(MIN_PART_BYTES, options.partBytes ?? 8 * 1024 * 1024);
  }

  async write(text: string): Promise<void> {
    const chunk = Buffer.from(text);
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered >= this.partBytes) await this.uploadPart();
  }

  async close(): Promise<void> {
    const body = this.take();
    if (this.uploadId === undefined) {
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: body, ContentType: this.options.contentType }));
      return;
    }
    if (body.length > 0) await this.sendPart(body);
    await this.s3.send(
      new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }),
    );
  }

  async abort(): Promise<void> {
    this.take();
    if (this.uploadId === undefined) return;
    await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId }));
  }

  private take(): Buffer {
    const body = Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    return body;
  }

  private async uploadPart(): Promise<void> {
    if (this.uploadId === undefined) {
      const created = await this.s3.send(
        new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, ContentType: this.options.contentType }),
      );
      if (created.UploadId === undefined) throw new Error(`S3 started no multipart upload for ${this.location}`);
      this.uploadId = created.UploadId;
    }
    await this.sendPart(this.take());
  }

  private async sendPart(body: Buffer): Promise<void> {
    const partNumber = this.parts.length + 1;
    const out = await this.s3.send(
      new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, PartNumber: partNumber, Body: body }),
    );
    this.parts.push({ PartNumber: partNumber, ETag: out.ETag });
  }
}

export const CONTENT_TYPES: Record<FileFormat, string> = { csv: 'text/csv', jsonl: 'application/x-ndjson' };

export class S3RejectsSink implements RejectsSink {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly keyOf: (format: FileFormat) => string,
    private readonly partBytes?: number,
  ) {}

  open(format: FileFormat): RejectsWriter {
    return new S3StreamingWriter(this.s3, this.bucket, this.keyOf(format), {
      contentType: CONTENT_TYPES[format],
      ...(this.partBytes === undefined ? {} : { partBytes: this.partBytes }),
    });
  }
}

export class S3ReportSink implements ReportSink {
  readonly location: string;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly key: string,
  ) {
    this.location = `s3://${bucket}/${key}`;
  }

  async put(report: ImportReport): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: JSON.stringify(report, null, 2) + '\n', ContentType: 'application/json' }),
    );
  }
}
