/**
 * The batch-file import use case: one CSV or JSON Lines file (optionally
 * gzipped) of a source's rows → events on the stream, rejected rows in a
 * rejects file, and a report whose counts add up (read = sent + rejected).
 *
 * The file is streamed, never loaded whole: bytes → (gunzip) → parser →
 * row mapping (core/file-mapping) → shared ingest normalisation → batches
 * handed to the event sink. The loop awaits the sink whenever
 * `maxInFlightBatches` batches are being sent, so it reads no faster than it
 * can send, and memory stays bounded whatever the file's size.
 *
 * The Lambda function (S3 adapters) and the `c360 import` command (file
 * adapters) run this same function through the ports below.
 */
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { Parser, type Options as CsvOptions } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import type { C360Config } from '../../config';
import { identifierColumns, mappedColumns, mappingProblem, mapRow, partitionKey, type FileMapping, type Row } from '../core/file-mapping';
import { ingestEvent, type IngestOptions } from '../core/ingest';

// ---- ports -----------------------------------------------------------------

/** One stream record: the serialised event and its partition key. */
export interface OutgoingRecord {
  readonly partitionKey: string;
  readonly data: Buffer;
}

/** Where events go (Kinesis PutRecords). Resolves once every record is written; rejects otherwise. */
export interface EventSink {
  put(records: readonly OutgoingRecord[]): Promise<{ readonly calls: number; readonly retried: number }>;
}

/** A rejects file being written, chunk by chunk. */
export interface RejectsWriter {
  /** Where the file is (an `s3://` URL or a path), for the report. */
  readonly location: string;
  /** Appends text; resolves when more may be written (backpressure). */
  write(text: string): Promise<void>;
  /** Completes the file. */
  close(): Promise<void>;
  /** Discards what was written, if the store can. */
  abort(): Promise<void>;
}

export interface RejectsSink {
  /** Starts the rejects file of the import: `csv` for CSV input, `jsonl` for JSON Lines. */
  open(format: FileFormat): RejectsWriter;
}

export interface ReportSink {
  /** Where the report is written (an `s3://` URL or a path). */
  readonly location: string;
  put(report: ImportReport): Promise<void>;
}

// ---- files -----------------------------------------------------------------

export type FileFormat = 'csv' | 'jsonl';

export interface FileKind {
  readonly format: FileFormat;
  readonly gzip: boolean;
}

/** The supported file types, by name: `.csv`, `.jsonl`, `.ndjson`, each optionally `.gz`. */
export function fileKind(name: string): FileKind | undefined {
  const m = /\.(csv|jsonl|ndjson)(\.gz)?$/i.exec(name);
  if (m === null) return undefined;
  return { format: (m[1] as string).toLowerCase() === 'csv' ? 'csv' : 'jsonl', gzip: m[2] !== undefined };
}

export const LANDING_PREFIX = 'landing/';
export const REPORTS_PREFIX = 'reports/';

/** `landing/<source>/<name>` → its source and name (the rest of the key, subfolders included). */
export function parseLandingKey(key: string): { source: string; name: string } | undefined {
  const m = /^landing\/([^/]+)\/(.+)$/.exec(key);
  if (m === null) return undefined;
  return { source: m[1] as string, name: m[2] as string };
}

/**
 * Keys of an import's outputs in the landing bucket, outside `landing/` so
 * that writing them starts no import: `reports/<source>/<name>.report.json`
 * and `.rejects.csv` / `.rejects.jsonl` beside it.
 */
export function reportKeys(key: string): { report: string; rejects: (format: FileFormat) => string } {
  const parsed = parseLandingKey(key);
  const base = parsed === undefined ? `${REPORTS_PREFIX}_outside-landing/${key.replace(/^\/+/, '')}` : `${REPORTS_PREFIX}${parsed.source}/${parsed.name}`;
  return { report: `${base}.report.json`, rejects: (format) => `${base}.rejects.${format}` };
}

// ---- report ----------------------------------------------------------------

export type ImportStatus = 'completed' | 'rejected' | 'failed';

export interface ImportReport {
  /** The file's landing key. */
  readonly file: string;
  readonly source: string;
  readonly format?: FileFormat;
  readonly compressed?: boolean;
  /** `completed`: every row read was sent or rejected. `rejected`: the whole file was refused (`reason`). `failed`: the import stopped (`reason`). */
  readonly status: ImportStatus;
  readonly reason?: string;
  /** Data rows read (a CSV header is not a row; blank lines are skipped). */
  readonly rowsRead: number;
  readonly sent: number;
  readonly rejected: number;
  /** Rows read but neither sent nor rejected: 0 unless the import failed. read = sent + rejected + unsent. */
  readonly unsent: number;
  /** Rejected rows by reason. */
  readonly reasons: Readonly<Record<string, number>>;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Bytes of the file read (compressed bytes for a gzipped file). */
  readonly bytesRead: number;
  readonly putRecordsCalls: number;
  /** Entries Kinesis failed at least once and that were retried. */
  readonly retriedEntries: number;
  readonly rejectsFile?: string;
  readonly reportFile: string;
  /** Things worth knowing that did not stop the import (mapped columns absent from the header, ...). */
  readonly warnings: readonly string[];
}

// ---- use case --------------------------------------------------------------

export interface ImportSettings {
  /** Source name → its file mapping (sources without one are absent). */
  readonly mappings: Readonly<Record<string, FileMapping | undefined>>;
  readonly knownSources: readonly string[];
  readonly ingest: IngestOptions;
}

export function importSettings(config: Pick<C360Config, 'collection' | 'ingest' | 'normalization'>): ImportSettings {
  const sources = config.collection.sources;
  return {
    mappings: Object.fromEntries(Object.entries(sources).map(([name, s]) => [name, s.file])),
    knownSources: Object.keys(sources),
    ingest: {
      defaultPhoneRegion: config.normalization.defaultPhoneRegion,
      parseUserAgent: config.ingest.parseUserAgent,
      truncateIp: config.ingest.truncateIp,
    },
  };
}

export interface ImportInput {
  /** The file's key in the landing bucket, `landing/<source>/<name>` (for a local file, the key it would have there). */
  readonly key: string;
  /** The file's bytes, as stored (gzipped or not). */
  readonly body: Readable;
  /** The file's time (S3 LastModified, file mtime), epoch ms: the time of rows that carry none. */
  readonly fileTime: number;
}

export interface ImportDeps {
  readonly settings: ImportSettings;
  readonly events: EventSink;
  readonly rejects: RejectsSink;
  readonly reports: ReportSink;
  readonly clock?: () => number;
  /** Rows per event batch handed to the sink. @default 500 (one PutRecords call) */
  readonly batchSize?: number;
  /** Batches being sent at once; reading waits while this many are in flight. @default 2 */
  readonly maxInFlightBatches?: number;
  /** Told the bytes and rows read so far, as the file is read. */
  readonly onProgress?: (progress: { bytesRead: number; rowsRead: number }) => void;
  /**
   * Time left to the caller (a Lambda invocation's remaining time), in ms: the
   * import stops with a `failed` report while there is still time to write it.
   */
  readonly remainingTimeMs?: () => number;
}

/** Time kept to finish sending, close the rejects file and write the report when the caller's time runs out. */
const STOP_MARGIN_MS = 30_000;

/** Thrown (after the report is written) when an import stops part-way; `report` says how far it got. */
export class ImportFailedError extends Error {
  constructor(
    readonly report: ImportReport,
    override readonly cause: unknown,
  ) {
    super(`import of ${report.file} failed after ${report.rowsRead} rows: ${report.reason ?? 'unknown error'}`);
    this.name = 'ImportFailedError';
  }
}

/** Distinct reasons kept in a report's histogram; the rest are counted together. */
const MAX_REASONS = 100;
const OTHER_REASONS = '(other reasons)';
/** A JSON line longer than this is rejected without being held (an event is at most 32 KB anyway). */
const MAX_LINE_CHARS = 1024 * 1024;

/** A parsed row on its way through the pipeline. */
interface ParsedRow {
  readonly line: number;
  /** A CSV record's fields, or a JSON line's text. */
  readonly fields?: readonly string[];
  readonly text?: string;
  /** Why the row can't be read at all (bad JSON, wrong field count, too long). */
  readonly unreadable?: string;
}

/**
 * Imports one file. Resolves with the report (also written to the report
 * sink) when the file is completed or rejected as a whole; when the import
 * stops part-way (unreadable data, the stream refusing records), writes a
 * `failed` report and throws ImportFailedError. Rows already sent are sent
 * again by a retry; their messageIds make the consumer apply them once.
 */
export async function importFile(input: ImportInput, deps: ImportDeps): Promise<ImportReport> {
  const clock = deps.clock ?? Date.now;
  const startedAt = clock();
  const batchSize = deps.batchSize ?? 500;
  const maxInFlight = Math.max(1, deps.maxInFlightBatches ?? 2);
  const landing = parseLandingKey(input.key);
  const source = landing?.source ?? '';
  const kind = fileKind(input.key);

  let rowsRead = 0;
  let sent = 0;
  let rejected = 0;
  let bytesRead = 0;
  let calls = 0;
  let retried = 0;
  const reasons = new Map<string, number>();
  const warnings: string[] = [];
  let rejectsWriter: RejectsWriter | undefined;

  const report = (status: ImportStatus, reason?: string): ImportReport => ({
    file: input.key,
    source,
    ...(kind === undefined ? {} : { format: kind.format, compressed: kind.gzip }),
    status,
    ...(reason === undefined ? {} : { reason }),
    rowsRead,
    sent,
    rejected,
    unsent: rowsRead - sent - rejected,
    reasons: Object.fromEntries([...reasons.entries()].sort((a, b) => b[1] - a[1])),
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(clock()).toISOString(),
    bytesRead,
    putRecordsCalls: calls,
    retriedEntries: retried,
    ...(rejectsWriter === undefined ? {} : { rejectsFile: rejectsWriter.location }),
    reportFile: deps.reports.location,
    warnings,
  });

  const rejectFile = async (reason: string): Promise<ImportReport> => {
    input.body.destroy();
    const r = report('rejected', reason);
    await deps.reports.put(r);
    return r;
  };

  if (landing === undefined) return rejectFile(`the file must be under ${LANDING_PREFIX}<source>/, e.g. ${LANDING_PREFIX}crm/contacts.csv`);
  if (kind === undefined) {
    return rejectFile('unsupported file type: name the file .csv, .csv.gz, .jsonl, .jsonl.gz, .ndjson or .ndjson.gz');
  }
  if (!deps.settings.knownSources.includes(source)) {
    const known = deps.settings.knownSources;
    return rejectFile(
      `unknown source "${source}": it is not in collection.sources of the config` +
        (known.length > 0 ? ` (configured sources: ${known.join(', ')})` : ''),
    );
  }
  const mapping = deps.settings.mappings[source];
  if (mapping === undefined) {
    return rejectFile(`source "${source}" has no file mapping: add collection.sources.${source}.file to the config to import its files`);
  }
  const problem = mappingProblem(mapping);
  if (problem !== undefined) return rejectFile(`source "${source}": ${problem}`);

  // ---- the stream: bytes → (gunzip) → rows --------------------------------
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytesRead += chunk.length;
      deps.onProgress?.({ bytesRead, rowsRead });
      callback(null, chunk);
    },
  });
  let streamError: Error | undefined;
  const stages: NodeJS.ReadWriteStream[] = [counter];
  if (kind.gzip) stages.push(createGunzip());
  let header: string[] | undefined;
  if (kind.format === 'csv') {
    stages.push(
      new CsvParser({ bom: true, raw: true, delimiter: mapping.delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: true }),
      new CsvLines(),
    );
  } else stages.push(new JsonLines(MAX_LINE_CHARS));
  const rows = (pipeline as (...streams: unknown[]) => Readable)(input.body, ...stages, (err: Error | null) => {
    if (err) streamError ??= err;
  });

  // ---- rejects ------------------------------------------------------------
  // The input's delimiter: once fixed, a rejects file can be dropped back into landing/<source>/ (_line and _reason are not mapped).
  const csvLine = (fields: string[]) => stringify([fields], { delimiter: mapping.delimiter });
  const rejectsHeader = () => (header === undefined ? '' : csvLine([...header, '_line', '_reason']));
  const openRejects = async (): Promise<RejectsWriter> => {
    if (rejectsWriter === undefined) {
      rejectsWriter = deps.rejects.open(kind.format);
      if (kind.format === 'csv') await rejectsWriter.write(rejectsHeader());
    }
    return rejectsWriter;
  };
  const reject = async (row: ParsedRow, reason: string) => {
    rejected++;
    const key = reasons.has(reason) || reasons.size < MAX_REASONS ? reason : OTHER_REASONS;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
    const writer = await openRejects();
    if (kind.format === 'csv') {
      // Aligned to the header's columns: a row with too many fields keeps the first ones (its reason says how many it had).
      const width = header?.length ?? 0;
      const fields = Array.from({ length: width }, (_, i) => row.fields?.[i] ?? '');
      await writer.write(csvLine([...fields, String(row.line), reason]));
    } else {
      let original: unknown;
      try {
        original = row.text === undefined ? undefined : JSON.parse(row.text);
      } catch {
        original = undefined;
      }
      const line =
        typeof original === 'object' && original !== null && !Array.isArray(original)
          ? { ...original, _line: row.line, _reason: reason }
          : { _line: row.line, _reason: reason, _raw: row.text ?? '' };
      await writer.write(JSON.stringify(line) + '\n');
    }
  };

  // ---- sending ------------------------------------------------------------
  type Settled = { ok: true; count: number } | { ok: false; error: unknown };
  const inFlight: Promise<Settled>[] = [];
  let sendError: unknown;
  let batch: OutgoingRecord[] = [];
  const settle = async (p: Promise<Settled>) => {
    const result = await p;
    if (result.ok) sent += result.count;
    else sendError ??= result.error;
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const records = batch;
    batch = [];
    inFlight.push(
      deps.events.put(records).then(
        (r): Settled => {
          calls += r.calls;
          retried += r.retried;
          return { ok: true, count: records.length };
        },
        (error: unknown): Settled => ({ ok: false, error }),
      ),
    );
    while (inFlight.length >= maxInFlight) await settle(inFlight.shift() as Promise<Settled>);
  };
  const drain = async () => {
    while (inFlight.length > 0) await settle(inFlight.shift() as Promise<Settled>);
  };

  const rowContext = { source, fileKey: input.key, fileTime: input.fileTime };
  const ingestContext = { source, receivedAt: startedAt, options: deps.settings.ingest };
  const toRow = (parsed: ParsedRow): Row | string => {
    if (parsed.fields !== undefined) {
      const row: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      (header ?? []).forEach((name, i) => {
        row[name] = parsed.fields?.[i];
      });
      return row;
    }
    let json: unknown;
    try {
      json = JSON.parse(parsed.text ?? '');
    } catch (err) {
      return `invalid JSON: ${(err as Error).message}`;
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'a line must be a JSON object';
    return json as Row;
  };

  let failure: unknown;
  try {
    for await (const item of rows as AsyncIterable<ParsedRow | HeaderRow | ParseFailure>) {
      if ('parseError' in item) throw item.parseError;
      if ('header' in item) {
        header = item.header;
        const missing = mappedColumns(mapping).filter((c) => !header?.includes(c));
        const ids = identifierColumns(mapping);
        if (ids.every((c) => missing.includes(c))) {
          return await rejectFile(
            `the header has none of the identifier columns of source "${source}" (${ids.join(', ')}); its columns are ${header.join(', ')}`,
          );
        }
        if (missing.length > 0) warnings.push(`mapped columns not in the header (left empty): ${missing.join(', ')}`);
        continue;
      }
      rowsRead++;
      if (item.unreadable !== undefined) {
        await reject(item, item.unreadable);
        continue;
      }
      if (item.fields !== undefined && header !== undefined && item.fields.length !== header.length) {
        await reject(item, `the row has ${item.fields.length} fields; the header has ${header.length}`);
        continue;
      }
      const row = toRow(item);
      if (typeof row === 'string') {
        await reject(item, row);
        continue;
      }
      const mapped = mapRow(row, mapping, { ...rowContext, line: item.line });
      if (!mapped.ok) {
        await reject(item, mapped.reason);
        continue;
      }
      const ingested = ingestEvent(mapped.event, ingestContext);
      if (!ingested.ok) {
        await reject(item, ingested.reason);
        continue;
      }
      batch.push({ partitionKey: partitionKey(ingested.event), data: Buffer.from(JSON.stringify(ingested.event)) });
      if (batch.length >= batchSize) {
        await flush();
        if (sendError !== undefined) break;
        if (deps.remainingTimeMs !== undefined && deps.remainingTimeMs() < STOP_MARGIN_MS) {
          throw new Error(
            `stopped before the time limit after ${rowsRead} rows (${bytesRead} bytes read): split the file into smaller ones`,
          );
        }
      }
    }
    if (sendError === undefined) await flush();
    await drain();
    if (rowsRead === 0 && sendError === undefined) warnings.push('the file has no rows');
  } catch (err) {
    failure = err;
    // The input failed (a syntax error, a broken gzip stream): the rows read before it are still sent.
    if (sendError === undefined) await flush();
  } finally {
    if (!rows.readableEnded) rows.destroy();
    await drain();
  }
  failure ??= sendError ?? streamError;

  if (failure !== undefined) {
    await rejectsWriter?.close().catch(() => rejectsWriter?.abort().catch(() => undefined));
    const failed = report('failed', describeFailure(failure));
    await deps.reports.put(failed);
    deps.onProgress?.({ bytesRead, rowsRead });
    throw new ImportFailedError(failed, failure);
  }
  // Always (re)write the rejects file, so that an older one of the same file name is replaced.
  await (await openRejects()).close();
  deps.onProgress?.({ bytesRead, rowsRead });
  const done = report('completed');
  await deps.reports.put(done);
  return done;
}

function describeFailure(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (typeof e?.code === 'string' && e.code.startsWith('CSV_')) return `CSV syntax error (${e.code}): ${e.message}; rows after it were not read`;
  if (e?.code === 'Z_DATA_ERROR' || e?.code === 'Z_BUF_ERROR') return `the file is not valid gzip (${e.message})`;
  return e?.message ?? String(err);
}

// ---- parsers ---------------------------------------------------------------

interface HeaderRow {
  readonly header: string[];
}

/** A parse error, passed down the pipeline after the records parsed before it. */
interface ParseFailure {
  readonly parseError: Error;
}

/**
 * csv-parse's stream, except that a syntax error is passed on in order,
 * after the records parsed before it (csv-parse fails the stream at once,
 * dropping records it has parsed but not yet handed on). The input after the
 * error is discarded.
 */
class CsvParser extends Parser {
  private failed = false;

  constructor(options: CsvOptions) {
    super(options);
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.failed) {
      callback();
      return;
    }
    super._transform(chunk, encoding, (err?: Error | null) => this.settle(err, callback));
  }

  override _flush(callback: TransformCallback): void {
    if (this.failed) {
      callback();
      return;
    }
    super._flush((err?: Error | null) => this.settle(err, callback));
  }

  private settle(err: Error | null | undefined, callback: TransformCallback): void {
    if (err) {
      this.failed = true;
      this.push({ parseError: err } satisfies ParseFailure);
    }
    callback();
  }
}

/** Line breaks in `text`: CRLF, LF and a lone CR each count once. */
function lineBreaks(text: string): { total: number; leading: number } {
  let total = 0;
  let leading = 0;
  let inLeading = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10) i++;
      total++;
      if (inLeading) leading++;
    } else if (c === 10 /* \n */) {
      total++;
      if (inLeading) leading++;
    } else inLeading = false;
  }
  return { total, leading };
}

/**
 * csv-parse records (`raw: true`) → the header, then rows with the line each
 * starts on. csv-parse's own `info.lines` is where a record ends, and counts
 * a CRLF inside a quoted field twice; counting the breaks of each record's
 * raw text (blank lines skipped before it included) gives the starting line
 * of every record, multi-line quoted fields included.
 */
class CsvLines extends Transform {
  private nextLine = 1;
  private headerSeen = false;

  constructor() {
    super({ objectMode: true });
  }

  override _transform(chunk: { record: string[]; raw: string } | ParseFailure, _encoding: BufferEncoding, callback: TransformCallback): void {
    if ('parseError' in chunk) {
      callback(null, chunk);
      return;
    }
    const breaks = lineBreaks(chunk.raw);
    const line = this.nextLine + breaks.leading;
    this.nextLine += breaks.total;
    if (!this.headerSeen) {
      this.headerSeen = true;
      callback(null, { header: chunk.record.map((h) => h.trim()) } satisfies HeaderRow);
      return;
    }
    callback(null, { line, fields: chunk.record } satisfies ParsedRow);
  }
}

/** Bytes → one row per non-blank line, with its line number; a line longer than `maxChars` is reported unreadable without being held. */
class JsonLines extends Transform {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private line = 1;
  private skipping = false;
  private first = true;

  constructor(private readonly maxChars: number) {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let text = this.decoder.write(chunk);
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.emitLine(text.slice(start, nl));
      start = nl + 1;
    }
    this.append(text.slice(start));
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.append(this.decoder.end());
    if (this.partial.length > 0 || this.skipping) this.emitLine('');
    callback();
  }

  private append(text: string): void {
    if (this.skipping) return;
    this.partial += text;
    if (this.partial.length > this.maxChars) {
      this.partial = '';
      this.skipping = true;
    }
  }

  private emitLine(tail: string): void {
    const line = this.line++;
    if (this.skipping) {
      this.skipping = false;
      this.partial = '';
      this.push({ line, unreadable: `the line is longer than ${this.maxChars} characters` } satisfies ParsedRow);
      return;
    }
    let text = this.partial + tail;
    this.partial = '';
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim().length === 0) return;
    this.push({ line, text } satisfies ParsedRow);
  }
}
