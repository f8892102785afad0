/**
 * The StoreEraser of a file store in S3: every object under the store's
 * prefixes is read, filtered (core/content-filter.ts) and, only when it held
 * the person, written back under the same key without their records, with
 * the same content type, encoding and metadata (encryption: the bucket's
 * default). Then the older versions of that key are deleted by version id:
 * the buckets are versioned, so an overwrite alone would keep the person's
 * bytes as a non-current version. An object left with no records is deleted
 * with all its versions.
 *
 * Non-current versions of keys whose current object does not hold the person
 * (a snapshot rewritten since, an object overwritten by a later export) are
 * read too, and those holding the person are deleted.
 *
 * One object at a time, each read whole: memory is bounded by the largest
 * object (Firehose writes at most its buffer size; an object over
 * `maxObjectBytes` is counted as failed rather than read). Nothing read is
 * logged: keys can hold personal values (a landing file named after a person).
 */
import { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type GetObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ErasureSubject, StoreReport } from '../contracts/erasure';
import { detectFormat, filterContent, subjectMatcher, type RecordMatcher } from '../core/content-filter';
import type { StoreEraser } from '../ports';

/** A bucket and a key prefix (`''`: the whole bucket). */
export interface S3Location {
  readonly bucket: string;
  readonly prefix: string;
}

export interface S3FileEraserOptions {
  /** @default Date.now */
  readonly clock?: () => number;
  /** Objects larger than this are not read (counted as failed). @default 1 GiB */
  readonly maxObjectBytes?: number;
}

/** One stored version (or delete marker) of a key. */
interface KeyVersion {
  readonly versionId: string;
  readonly isLatest: boolean;
  readonly deleteMarker: boolean;
  readonly size: number;
}

/** Every version of one key, newest first. */
export interface KeyVersions {
  readonly key: string;
  readonly versions: KeyVersion[];
}

/** User metadata (`x-amz-meta-c360-erasure`) on a rewritten object: the erasure request that rewrote it. */
export const REWRITE_MARKER = 'c360-erasure';

/** DeleteObjects takes at most 1,000 keys per call. */
const DELETE_BATCH = 1000;
const DEFAULT_MAX_OBJECT_BYTES = 1024 ** 3;

/**
 * The versions of every key under a prefix, one key at a time (ListObjectVersions
 * pages, merged: a key's versions may span two pages). Both lists of a page
 * are sorted by key, so a key other than the page's last is complete.
 */
export async function* listKeyVersions(s3: S3Client, location: S3Location): AsyncGenerator<KeyVersions> {
  const pending = new Map<string, KeyVersion[]>();
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: location.bucket,
        ...(location.prefix === '' ? {} : { Prefix: location.prefix }),
        ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }),
        ...(versionIdMarker === undefined ? {} : { VersionIdMarker: versionIdMarker }),
      }),
    );
    const add = (key: string | undefined, v: KeyVersion) => {
      if (key === undefined) return;
      const list = pending.get(key) ?? [];
      list.push(v);
      pending.set(key, list);
    };
    for (const v of page.Versions ?? []) {
      add(v.Key, { versionId: v.VersionId ?? 'null', isLatest: v.IsLatest === true, deleteMarker: false, size: v.Size ?? 0 });
    }
    for (const m of page.DeleteMarkers ?? []) {
      add(m.Key, { versionId: m.VersionId ?? 'null', isLatest: m.IsLatest === true, deleteMarker: true, size: 0 });
    }
    const truncated = page.IsTruncated === true;
    const open = truncated ? page.NextKeyMarker : undefined;
    for (const key of [...pending.keys()].sort()) {
      if (key === open) continue;
      yield { key, versions: pending.get(key) as KeyVersion[] };
      pending.delete(key);
    }
    if (!truncated) return;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
}

/** An object body as bytes (the SDK's stream mixin deployed; any readable stream otherwise). */
export async function bodyBytes(body: GetObjectCommandOutput['Body']): Promise<Uint8Array> {
  if (body === undefined) return new Uint8Array();
  const withMixin = body as { transformToByteArray?: () => Promise<Uint8Array> };
  if (typeof withMixin.transformToByteArray === 'function') return withMixin.transformToByteArray();
  const chunks: Buffer[] = [];
  for await (const chunk of body as Readable) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
  return new Uint8Array(Buffer.concat(chunks));
}

/** Deletes the given versions of keys, in batches; throws when S3 refuses one. */
export async function deleteVersions(s3: S3Client, bucket: string, objects: readonly { key: string; versionId: string }[]): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < objects.length; i += DELETE_BATCH) {
    const batch = objects.slice(i, i + DELETE_BATCH);
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: batch.map((o) => ({ Key: o.key, VersionId: o.versionId })), Quiet: true },
      }),
    );
    const errors = out.Errors ?? [];
    // The error's code only: its key may hold a personal value.
    if (errors.length > 0) throw new Error(`S3 refused to delete ${errors.length} object versions (${errors[0]?.Code ?? 'unknown error'})`);
    deleted += batch.length;
  }
  return deleted;
}

interface Tally {
  items: number;
  objects: number;
  versionsDeleted: number;
  failed: number;
}

export class S3FileEraser implements StoreEraser {
  private readonly clock: () => number;
  private readonly maxObjectBytes: number;

  constructor(
    private readonly s3: S3Client,
    readonly store: string,
    private readonly locations: readonly S3Location[],
    opts: S3FileEraserOptions = {},
  ) {
    this.clock = opts.clock ?? Date.now;
    this.maxObjectBytes = opts.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
  }

  async erase(subject: ErasureSubject): Promise<StoreReport> {
    const matcher = subjectMatcher(subject);
    const tally: Tally = { items: 0, objects: 0, versionsDeleted: 0, failed: 0 };
    for (const location of this.locations) {
      for await (const key of listKeyVersions(this.s3, location)) {
        if (key.key.endsWith('/')) continue;
        await this.eraseKey(location.bucket, key, subject, matcher, tally);
      }
    }
    const where = this.locations.map((l) => `s3://${l.bucket}/${l.prefix}`).join(', ');
    const parts = [
      `${tally.objects} objects rewritten or deleted under ${where}`,
      `${tally.versionsDeleted} older versions deleted`,
      ...(tally.failed > 0 ? [`${tally.failed} objects could not be read or filtered`] : []),
    ];
    return {
      store: this.store,
      method: 'rewrite objects',
      status: tally.failed > 0 ? 'failed' : tally.objects > 0 ? 'erased' : 'nothing-found',
      itemsAffected: tally.items,
      objectsAffected: tally.objects,
      completedAt: new Date(this.clock()).toISOString(),
      message: parts.join('; '),
    };
  }

  private async eraseKey(bucket: string, key: KeyVersions, subject: ErasureSubject, matcher: RecordMatcher, tally: Tally): Promise<void> {
    const latest = key.versions.find((v) => v.isLatest && !v.deleteMarker);
    if (latest !== undefined) {
      const rewritten = await this.rewriteCurrent(bucket, key, latest, subject, matcher, tally);
      if (rewritten) return;
    }
    // The current object (if any) does not hold the person: older versions still may.
    for (const v of key.versions) {
      if (v.isLatest || v.deleteMarker) continue;
      const filtered = await this.read(bucket, key.key, v, matcher, tally);
      if (filtered === undefined || filtered.removed === 0) continue;
      tally.versionsDeleted += await deleteVersions(this.s3, bucket, [{ key: key.key, versionId: v.versionId }]);
      tally.objects++;
    }
  }

  /** Rewrites (or deletes) the current object if it holds the person; true when it did. */
  private async rewriteCurrent(bucket: string, key: KeyVersions, latest: KeyVersion, subject: ErasureSubject, matcher: RecordMatcher, tally: Tally): Promise<boolean> {
    const filtered = await this.read(bucket, key.key, latest, matcher, tally);
    if (filtered === undefined || filtered.removed === 0) return false;
    tally.items += filtered.removed;
    tally.objects++;
    const everyVersion = key.versions.map((v) => ({ key: key.key, versionId: v.versionId }));
    if (filtered.kept === 0) {
      // Nothing left: the key goes, every version and delete marker with it.
      tally.versionsDeleted += await deleteVersions(this.s3, bucket, everyVersion);
      return true;
    }
    const put = await this.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key.key,
        Body: filtered.bytes,
        ...(filtered.object.ContentType === undefined ? {} : { ContentType: filtered.object.ContentType }),
        ...(filtered.object.ContentEncoding === undefined ? {} : { ContentEncoding: filtered.object.ContentEncoding }),
        ...(filtered.object.CacheControl === undefined ? {} : { CacheControl: filtered.object.CacheControl }),
        // Marked, so that what reacts to new objects (the landing bucket's import) can tell a rewrite from a new file.
        Metadata: { ...filtered.object.Metadata, [REWRITE_MARKER]: subject.requestId },
      }),
    );
    // Without a version id the bucket is not versioned: the overwrite replaced the bytes, and the
    // listed `null` version is the new object itself.
    if (put.VersionId !== undefined) tally.versionsDeleted += await deleteVersions(this.s3, bucket, everyVersion.filter((v) => v.versionId !== put.VersionId));
    return true;
  }

  private async read(bucket: string, key: string, version: KeyVersion, matcher: RecordMatcher, tally: Tally) {
    if (version.size > this.maxObjectBytes) {
      tally.failed++;
      return undefined;
    }
    const object = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(version.versionId === 'null' ? {} : { VersionId: version.versionId }) }));
    const bytes = await bodyBytes(object.Body);
    try {
      const result = await filterContent(bytes, detectFormat(key, bytes), matcher);
      return { ...result, object };
    } catch {
      // A corrupt object (bad gzip, truncated Parquet): reported, never skipped silently.
      tally.failed++;
      return undefined;
    }
  }
}

/**
 * The query-results eraser: Athena's results are caches of past queries (any
 * of which may have selected the person), so every object and every version
 * in the results bucket is deleted.
 */
export class S3DeleteAllEraser implements StoreEraser {
  private readonly clock: () => number;

  constructor(
    private readonly s3: S3Client,
    readonly store: string,
    private readonly location: S3Location,
    opts: Pick<S3FileEraserOptions, 'clock'> = {},
  ) {
    this.clock = opts.clock ?? Date.now;
  }

  async erase(_subject: ErasureSubject): Promise<StoreReport> {
    let objects = 0;
    let versions = 0;
    let batch: { key: string; versionId: string }[] = [];
    for await (const key of listKeyVersions(this.s3, this.location)) {
      if (key.versions.some((v) => v.isLatest && !v.deleteMarker)) objects++;
      for (const v of key.versions) batch.push({ key: key.key, versionId: v.versionId });
      if (batch.length >= DELETE_BATCH) {
        versions += await deleteVersions(this.s3, this.location.bucket, batch);
        batch = [];
      }
    }
    versions += await deleteVersions(this.s3, this.location.bucket, batch);
    return {
      store: this.store,
      method: 'delete objects',
      status: versions > 0 ? 'erased' : 'nothing-found',
      itemsAffected: 0,
      objectsAffected: objects,
      completedAt: new Date(this.clock()).toISOString(),
      message: `every query result under s3://${this.location.bucket}/${this.location.prefix} deleted (${objects} objects, ${versions} versions): they are caches`,
    };
  }
}
