/**
 * The item catalog import: one CSV (with a header) or JSON Lines file under
 * `landing/items/` (optionally gzipped) → catalog items (the ItemCatalog,
 * and Personalize's items dataset when it is deployed) → a report next to
 * the file (`reports/items/<name>.report.json`) whose counts add up
 * (read = imported + rejected), every rejected row listed with its line
 * and reason.
 *
 * The file is streamed (csv-parse, or line by line), applied in batches:
 * a bad row never stops the rest. A syntax error in the file stops the
 * import there (the rows before it are applied; the report says where).
 * A failing write stops it too, with a `failed` report, and is thrown so
 * that the invocation is retried (writing an item again replaces it).
 */
import { createInterface } from 'node:readline';
import { pipeline, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Parser, type Options as CsvOptions } from 'csv-parse';
import type { C360Config } from '../../config';
import { fileKind, ITEMS_LANDING_PREFIX, reportKeys, type FileFormat } from '../../collection/contracts/landing';
import { catalogItemOf, type ItemAttributeTypes } from '../core/recommend/items';
import type { CatalogItem } from '../contracts/recommendations';
import type { DocumentStore, ItemCatalog, PersonalizeIngest } from '../ports';

export interface ItemImportSettings {
  /** The attributes kept, and their type (config.activation.recommendations.itemAttributes). */
  readonly attributes: ItemAttributeTypes;
}

export function itemImportSettings(config: Pick<C360Config, 'activation'>): ItemImportSettings {
  return { attributes: config.activation.recommendations.itemAttributes };
}

export interface ItemImportInput {
  /** The file's key, `landing/items/<name>` (for a local file, the key it would have in the landing bucket). */
  readonly key: string;
  readonly body: Readable;
  /** The file's time (S3 LastModified, mtime), epoch ms: the items' `updatedAt`. */
  readonly fileTime: number;
}

export interface ItemImportDeps {
  readonly catalog: ItemCatalog;
  /** Personalize's items dataset; none: Personalize is not deployed. */
  readonly personalize?: PersonalizeIngest;
  /** Where the report is written, by key (the landing bucket, or the local folder holding `landing/`). */
  readonly reports: DocumentStore;
  readonly settings: ItemImportSettings;
  readonly clock?: () => number;
  /** Items per write. @default 100 */
  readonly batchSize?: number;
}

export interface RejectedRow {
  /** The line of the file the row ends on (1 is a CSV's header). */
  readonly line: number;
  readonly reason: string;
}

export interface ItemImportReport {
  readonly file: string;
  readonly format?: FileFormat;
  readonly compressed?: boolean;
  /** `completed`: every row read was imported or rejected; `rejected`: the file as a whole (`reason`); `failed`: the import stopped (`reason`). */
  readonly status: 'completed' | 'rejected' | 'failed';
  readonly reason?: string;
  readonly rowsRead: number;
  readonly imported: number;
  readonly rejected: number;
  /** Rows read but neither imported nor rejected: 0 unless the import failed. read = imported + rejected + unapplied. */
  readonly unapplied: number;
  /** Rejected rows by reason, most frequent first. */
  readonly reasons: Readonly<Record<string, number>>;
  /** The first rejected rows, each with its line. */
  readonly rejectedRows: readonly RejectedRow[];
  /** Items sent to Personalize's items dataset. */
  readonly personalizeItems: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly reportFile: string;
}

/** Rejected rows listed by line in a report (all are counted). */
export const MAX_REJECTED_LISTED = 1000;
/** A JSON line longer than this is rejected (a catalog row is far smaller). */
const MAX_LINE_CHARS = 64 * 1024;

type Row = { readonly line: number; readonly value: unknown } | { readonly line: number; readonly error: string };

/** The rows of a file, in order, with their line numbers. */
async function* rowsOf(body: Readable, format: FileFormat, gzip: boolean): AsyncGenerator<Row> {
  const onError = () => undefined;
  const source: Readable = gzip ? (pipeline(body, createGunzip(), onError) as unknown as Readable) : body;
  if (format === 'csv') {
    const parser = new OrderedCsvParser({ columns: true, bom: true, info: true, skip_empty_lines: true, relax_column_count: true, trim: true });
    const rows = pipeline(source, parser, onError) as unknown as AsyncIterable<{ record: Record<string, string>; info: { lines: number } } | { parseError: Error }>;
    for await (const chunk of rows) {
      if ('parseError' in chunk) throw chunk.parseError;
      yield { line: chunk.info.lines, value: chunk.record };
    }
    return;
  }
  const lines = createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY });
  const failed = new Promise<never>((_, reject) => source.on('error', reject));
  failed.catch(() => undefined);
  let line = 0;
  const iterator = lines[Symbol.asyncIterator]();
  for (;;) {
    const next = await Promise.race([iterator.next(), failed]);
    if (next.done === true) return;
    line++;
    const text = (line === 1 ? next.value.replace(/^\uFEFF/, '') : next.value).trim();
    if (text === '') continue;
    if (text.length > MAX_LINE_CHARS) {
      yield { line, error: `the line is longer than ${MAX_LINE_CHARS} characters` };
      continue;
    }
    try {
      yield { line, value: JSON.parse(text) as unknown };
    } catch (err) {
      yield { line, error: `invalid JSON: ${(err as Error).message}` };
    }
  }
}

/**
 * csv-parse's stream, except that a syntax error comes in order, after the
 * records parsed before it (csv-parse fails the stream at once, and a failed
 * stream drops the records it parsed but had not handed on yet).
 */
class OrderedCsvParser extends Parser {
  private failed = false;

  constructor(options: CsvOptions) {
    super(options);
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.failed) return callback();
    super._transform(chunk, encoding, (err?: Error | null) => this.settle(err, callback));
  }

  override _flush(callback: TransformCallback): void {
    if (this.failed) return callback();
    super._flush((err?: Error | null) => this.settle(err, callback));
  }

  private settle(err: Error | null | undefined, callback: TransformCallback): void {
    if (err) {
      this.failed = true;
      this.push({ parseError: err });
    }
    callback();
  }
}

/** Why the file stopped being read, for whoever dropped it. */
function readFailure(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (typeof e?.code === 'string' && e.code.startsWith('CSV_')) return `CSV syntax error (${e.code}): ${e.message ?? ''}; rows after it were not read`;
  if (e?.code === 'Z_DATA_ERROR' || e?.code === 'Z_BUF_ERROR') return `the file is not valid gzip (${e.message ?? ''})`;
  return `the file could not be read: ${e?.message ?? String(err)}`;
}

/** Thrown after the `failed` report is written, when a write failed: the invocation is retried. */
export class ItemImportFailedError extends Error {
  constructor(
    readonly report: ItemImportReport,
    override readonly cause: unknown,
  ) {
    super(`item import of ${report.file} failed after ${report.rowsRead} rows: ${report.reason ?? ''}`);
    this.name = 'ItemImportFailedError';
  }
}

export async function importItems(input: ItemImportInput, deps: ItemImportDeps): Promise<ItemImportReport> {
  const clock = deps.clock ?? Date.now;
  const startedAt = clock();
  const batchSize = Math.max(1, deps.batchSize ?? 100);
  const kind = fileKind(input.key);
  const reportFile = reportKeys(input.key).report;
  const updatedAt = new Date(input.fileTime).toISOString();

  let rowsRead = 0;
  let imported = 0;
  let rejected = 0;
  let personalizeItems = 0;
  const reasons = new Map<string, number>();
  const rejectedRows: RejectedRow[] = [];
  let batch: CatalogItem[] = [];

  const report = (status: ItemImportReport['status'], reason?: string): ItemImportReport => ({
    file: input.key,
    ...(kind === undefined ? {} : { format: kind.format, compressed: kind.gzip }),
    status,
    ...(reason === undefined ? {} : { reason }),
    rowsRead,
    imported,
    rejected,
    unapplied: rowsRead - imported - rejected,
    reasons: Object.fromEntries([...reasons.entries()].sort((a, b) => b[1] - a[1])),
    rejectedRows,
    personalizeItems,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(clock()).toISOString(),
    reportFile,
  });
  const finish = async (status: ItemImportReport['status'], reason?: string) => {
    const r = report(status, reason);
    await deps.reports.put(reportFile, r);
    return r;
  };
  const reject = (line: number, reason: string) => {
    rejected++;
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    if (rejectedRows.length < MAX_REJECTED_LISTED) rejectedRows.push({ line, reason });
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    await deps.catalog.put(items);
    if (deps.personalize !== undefined) {
      await deps.personalize.putItems(items);
      personalizeItems += items.length;
    }
    imported += items.length;
  };

  if (!input.key.startsWith(ITEMS_LANDING_PREFIX)) {
    input.body.destroy();
    return finish('rejected', `an item catalog file must be under ${ITEMS_LANDING_PREFIX}, e.g. ${ITEMS_LANDING_PREFIX}catalog.csv`);
  }
  if (kind === undefined) {
    input.body.destroy();
    return finish('rejected', 'unsupported file type: name the file .csv, .csv.gz, .jsonl, .jsonl.gz, .ndjson or .ndjson.gz');
  }

  const writeFailed = async (err: unknown): Promise<never> => {
    const failedReport = await finish('failed', `writing the items failed: ${(err as Error).message}`);
    throw new ItemImportFailedError(failedReport, err);
  };
  let readError: unknown;
  try {
    for await (const row of rowsOf(input.body, kind.format, kind.gzip)) {
      rowsRead++;
      if ('error' in row) {
        reject(row.line, row.error);
        continue;
      }
      const item = catalogItemOf(row.value, deps.settings.attributes, updatedAt);
      if (!item.ok) {
        reject(row.line, item.reason);
        continue;
      }
      batch.push(item.item);
      if (batch.length >= batchSize) {
        try {
          await flush();
        } catch (err) {
          throw new WriteFailed(err);
        }
      }
    }
  } catch (err) {
    if (err instanceof WriteFailed) return writeFailed(err.cause);
    // The file is broken past this point: what was read before is applied, and the report says where it stopped.
    readError = err;
  }
  try {
    await flush();
  } catch (err) {
    return writeFailed(err);
  }
  return readError === undefined ? finish('completed') : finish('failed', readFailure(readError));
}

/** A write that failed inside the read loop, told apart from the file failing to read. */
class WriteFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('write failed');
  }
}
