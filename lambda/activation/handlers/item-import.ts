/**
 * The item catalog import, independent of where it runs: S3's "Object
 * Created" events (EventBridge) for `landing/items/<file>` deployed, a file
 * path locally. Both read the file, apply its rows through the import use
 * case and write the report next to it (`reports/items/<name>.report.json`
 * in the landing bucket, or under the local folder holding `landing/`).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, relative, resolve, sep } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { openObject } from '../../shared/s3-object';
import { ITEMS_LANDING_PREFIX } from '../../collection/contracts/landing';
import { FileDocumentStore } from '../adapters/file-documents';
import { S3DocumentStore } from '../adapters/s3-documents';
import type { ItemCatalog, PersonalizeIngest } from '../ports';
import { importItems, type ItemImportReport, type ItemImportSettings } from '../usecases/import-items';

/** The part of S3's "Object Created" EventBridge event the import reads. */
export interface ObjectCreatedEvent {
  readonly detail: {
    readonly bucket: { readonly name: string };
    readonly object: { readonly key: string; readonly 'version-id'?: string };
  };
}

/** What the handler logs through (Powertools' Logger fits). */
export interface ItemImportLog {
  info(message: string, ...extra: Array<Record<string, unknown>>): void;
  warn(message: string, ...extra: Array<Record<string, unknown>>): void;
}

export interface ItemImportHandlerDeps {
  readonly catalog: ItemCatalog;
  readonly personalize?: PersonalizeIngest;
  readonly settings: ItemImportSettings;
  readonly clock?: () => number;
  readonly log?: ItemImportLog;
  /** Told each file's report (metrics). */
  readonly observe?: (report: ItemImportReport) => void;
}

export interface S3ItemImportDeps extends ItemImportHandlerDeps {
  readonly s3: S3Client;
  /** The landing bucket: events of other buckets are ignored. */
  readonly landingBucket: string;
}

/**
 * The object an event names. EventBridge's S3 events carry the key as it
 * is, where S3's own notifications URL-encode it (spaces as `+`): the key
 * is read as given, and, when no such object exists, URL-decoded.
 */
async function openNamed(s3: S3Client, bucket: string, key: string, versionId: string | undefined) {
  try {
    return { key, object: await openObject(s3, bucket, key, versionId) };
  } catch (err) {
    if ((err as { name?: string }).name !== 'NoSuchKey') throw err;
    let decoded: string;
    try {
      decoded = decodeURIComponent(key.replace(/\+/g, ' '));
    } catch {
      throw err;
    }
    if (decoded === key) throw err;
    return { key: decoded, object: await openObject(s3, bucket, decoded, versionId) };
  }
}

export function createItemImport(deps: S3ItemImportDeps) {
  const reports = new S3DocumentStore(deps.s3, deps.landingBucket);
  return async (event: ObjectCreatedEvent): Promise<ItemImportReport | undefined> => {
    const bucket = event.detail.bucket.name;
    const named = event.detail.object.key;
    if (bucket !== deps.landingBucket) {
      deps.log?.warn('event of another bucket ignored', { bucket, key: named });
      return undefined;
    }
    // Folder markers, and keys outside landing/items/ (the rule's filter should keep them away).
    if (!named.startsWith(ITEMS_LANDING_PREFIX) || named.endsWith('/')) return undefined;
    const { key, object } = await openNamed(deps.s3, bucket, named, event.detail.object['version-id']);
    const report = await importItems({ key, body: object.body, fileTime: object.lastModified }, { ...common(deps), reports });
    observe(deps, report);
    return report;
  };
}

export interface LocalItemImportDeps extends ItemImportHandlerDeps {
  /** The local folder holding `landing/` (and `reports/`, where the report goes). */
  readonly root: string;
}

/**
 * Imports a local file: its key is its path under `root` when it is under
 * `<root>/landing/items/`, else `landing/items/<its name>`.
 */
export async function importLocalItemFile(file: string, deps: LocalItemImportDeps): Promise<ItemImportReport> {
  const root = resolve(deps.root);
  const path = resolve(file);
  const inside = relative(root, path).split(sep).join('/');
  const key = inside.startsWith(ITEMS_LANDING_PREFIX) ? inside : `${ITEMS_LANDING_PREFIX}${basename(path)}`;
  const info = await stat(path);
  const report = await importItems({ key, body: createReadStream(path), fileTime: info.mtimeMs }, { ...common(deps), reports: new FileDocumentStore(root) });
  observe(deps, report);
  return report;
}

function common(deps: ItemImportHandlerDeps) {
  return {
    catalog: deps.catalog,
    settings: deps.settings,
    ...(deps.personalize === undefined ? {} : { personalize: deps.personalize }),
    ...(deps.clock === undefined ? {} : { clock: deps.clock }),
  };
}

function observe(deps: ItemImportHandlerDeps, report: ItemImportReport): void {
  deps.observe?.(report);
  const summary = { file: report.file, status: report.status, rowsRead: report.rowsRead, imported: report.imported, rejected: report.rejected, report: report.reportFile };
  if (report.status !== 'completed') deps.log?.warn(`item file ${report.status}: ${report.reason ?? ''}`, summary);
  else if (report.rejected > 0) deps.log?.warn('item file imported with rejected rows', { ...summary, reasons: report.reasons });
  else deps.log?.info('item file imported', summary);
}
