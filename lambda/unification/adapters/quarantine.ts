/**
 * QuarantineSink adapters. Both write the lake's layout (lambda/collection/contracts/lake-layout.ts):
 *   quarantine/source=<source>/dt=<YYYY-MM-DD>/<batch>.jsonl
 * one JSON line per rejected record, with its reason. A retried batch writes
 * the same object again; entries are unique by (sequenceNumber, subSequence).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { lakePrefix, QUARANTINE_ZONE } from '../../collection/contracts/lake-layout';
import type { QuarantineEntry, QuarantineSink } from '../ports';

export function quarantineKey(batchId: string, entries: readonly QuarantineEntry[]): string {
  const first = entries[0];
  const day = (first?.receivedAt ?? new Date().toISOString()).slice(0, 10);
  const source = first?.source ?? 'unknown';
  return `${lakePrefix(QUARANTINE_ZONE, source, day)}${batchId.replace(/[^A-Za-z0-9._-]+/g, '_')}.jsonl`;
}

const toJsonl = (entries: readonly QuarantineEntry[]) => entries.map((e) => JSON.stringify(e)).join('\n') + '\n';

export class S3QuarantineSink implements QuarantineSink {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(batchId: string, entries: readonly QuarantineEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: quarantineKey(batchId, entries),
        Body: toJsonl(entries),
        ContentType: 'application/x-ndjson',
      }),
    );
  }
}

/** The local lake: the same layout under a folder. */
export class FileQuarantineSink implements QuarantineSink {
  constructor(private readonly lakeDir: string) {}

  async put(batchId: string, entries: readonly QuarantineEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const path = join(this.lakeDir, quarantineKey(batchId, entries));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, toJsonl(entries));
  }
}
