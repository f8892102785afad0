/**
 * A versioned S3 bucket store behind aws-sdk-client-mock: the calls the S3
 * erasers and records make (ListObjectVersions with pagination, GetObject of
 * a version, PutObject, DeleteObjects by version id). Small pages, so that a
 * key's versions can span two of them.
 */
import { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { AwsStub } from 'aws-sdk-client-mock';

export interface StoredVersion {
  readonly versionId: string;
  readonly deleteMarker: boolean;
  readonly body: Uint8Array;
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly metadata?: Record<string, string>;
}

export interface FakeS3Options {
  /** Entries (versions and delete markers) per ListObjectVersions page. @default 3 */
  readonly pageSize?: number;
  /** Buckets that are not versioned (an overwrite replaces the `null` version). */
  readonly unversioned?: readonly string[];
}

export class FakeS3 {
  /** bucket → key → versions, newest first. */
  readonly buckets = new Map<string, Map<string, StoredVersion[]>>();
  private next = 1;

  constructor(private readonly opts: FakeS3Options = {}) {}

  private keys(bucket: string): Map<string, StoredVersion[]> {
    let b = this.buckets.get(bucket);
    if (b === undefined) this.buckets.set(bucket, (b = new Map()));
    return b;
  }

  private versioned(bucket: string): boolean {
    return !(this.opts.unversioned ?? []).includes(bucket);
  }

  /** Writes a new current version (as PutObject does); returns its version id. */
  put(bucket: string, key: string, body: Uint8Array | string, meta: Omit<StoredVersion, 'versionId' | 'deleteMarker' | 'body'> = {}): string | undefined {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const versioned = this.versioned(bucket);
    const versionId = versioned ? `v${String(this.next++).padStart(4, '0')}` : 'null';
    const list = versioned ? (this.keys(bucket).get(key) ?? []) : [];
    this.keys(bucket).set(key, [{ versionId, deleteMarker: false, body: bytes, ...meta }, ...list]);
    return versioned ? versionId : undefined;
  }

  /** Adds a delete marker as the current version. */
  markDeleted(bucket: string, key: string): void {
    const list = this.keys(bucket).get(key) ?? [];
    this.keys(bucket).set(key, [{ versionId: `v${String(this.next++).padStart(4, '0')}`, deleteMarker: true, body: new Uint8Array() }, ...list]);
  }

  versions(bucket: string, key: string): StoredVersion[] {
    return this.keys(bucket).get(key) ?? [];
  }

  current(bucket: string, key: string): StoredVersion | undefined {
    const v = this.versions(bucket, key)[0];
    return v === undefined || v.deleteMarker ? undefined : v;
  }

  /** Every stored byte of a bucket (all versions), as text: what a search of the bucket would find. */
  allText(bucket: string, decode: (v: StoredVersion, key: string) => string = (v) => new TextDecoder().decode(v.body)): string {
    const out: string[] = [];
    for (const [key, list] of this.keys(bucket)) for (const v of list) out.push(key, decode(v, key));
    return out.join('\n');
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  install(mock: AwsStub<any, any, S3Client['config']>): void {
    mock.on(ListObjectVersionsCommand).callsFake((input: { Bucket: string; Prefix?: string; KeyMarker?: string; VersionIdMarker?: string }) => {
      const entries = [...this.keys(input.Bucket).entries()]
        .filter(([key]) => key.startsWith(input.Prefix ?? ''))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .flatMap(([key, list]) => list.map((v, i) => ({ key, v, isLatest: i === 0 })));
      let start = 0;
      if (input.KeyMarker !== undefined) {
        const at = entries.findIndex((e) => e.key === input.KeyMarker && e.v.versionId === input.VersionIdMarker);
        start = at + 1;
      }
      const size = this.opts.pageSize ?? 3;
      const page = entries.slice(start, start + size);
      const truncated = start + size < entries.length;
      const last = page[page.length - 1];
      return {
        Versions: page.filter((e) => !e.v.deleteMarker).map((e) => ({ Key: e.key, VersionId: e.v.versionId, IsLatest: e.isLatest, Size: e.v.body.length })),
        DeleteMarkers: page.filter((e) => e.v.deleteMarker).map((e) => ({ Key: e.key, VersionId: e.v.versionId, IsLatest: e.isLatest })),
        IsTruncated: truncated,
        ...(truncated && last !== undefined ? { NextKeyMarker: last.key, NextVersionIdMarker: last.v.versionId } : {}),
      };
    });
    mock.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string; VersionId?: string }) => {
      const list = this.versions(input.Bucket, input.Key);
      const v = input.VersionId === undefined ? list[0] : list.find((x) => x.versionId === input.VersionId);
      if (v === undefined || v.deleteMarker) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
      return {
        Body: Readable.from([Buffer.from(v.body)]),
        VersionId: v.versionId,
        ContentType: v.contentType,
        ContentEncoding: v.contentEncoding,
        Metadata: v.metadata,
      };
    });
    mock.on(PutObjectCommand).callsFake(
      (input: { Bucket: string; Key: string; Body: Uint8Array | string; ContentType?: string; ContentEncoding?: string; Metadata?: Record<string, string> }) => {
        const versionId = this.put(input.Bucket, input.Key, input.Body, {
          ...(input.ContentType === undefined ? {} : { contentType: input.ContentType }),
          ...(input.ContentEncoding === undefined ? {} : { contentEncoding: input.ContentEncoding }),
          ...(input.Metadata === undefined ? {} : { metadata: input.Metadata }),
        });
        return versionId === undefined ? {} : { VersionId: versionId };
      },
    );
    mock.on(DeleteObjectsCommand).callsFake((input: { Bucket: string; Delete: { Objects: { Key: string; VersionId?: string }[] } }) => {
      for (const o of input.Delete.Objects) {
        const list = this.versions(input.Bucket, o.Key).filter((v) => v.versionId !== o.VersionId);
        if (list.length === 0) this.keys(input.Bucket).delete(o.Key);
        else this.keys(input.Bucket).set(o.Key, list);
      }
      return { Deleted: input.Delete.Objects.map((o) => ({ Key: o.Key, VersionId: o.VersionId })) };
    });
  }
}
