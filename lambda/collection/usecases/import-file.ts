/**
 * The batch-file import use case: one CSV or JSON Lines file (optionally
 * gzipped) of a source's rows → events on the stream, rejected rows in a
 * rejects file, and a report whose counts add up
 * (read = sent + rejected + duplicates), with what the rows sent could not
 * use (an invalid email or phone left out) counted by reason.
 *
 * The file is streamed, never loaded whole: bytes → (gunzip) → parser
 * (read-file) → row mapping (core/file-mapping) → shared ingest normalisation
 * → batches handed to the event sink. The loop awaits the sink whenever
 * `maxInFlightBatches` batches are being sent, so it reads no faster than it
 * can send, and memory stays bounded whatever the file's size.
 *
 * The Lambda function (S3 adapters) and the `c360 import` command (file
 * adapters) run this same function through the ports (ports.ts).
 *
 * With a suppression check (governance), the rows of erased people are not
 * sent: they are counted as rejected under `suppressed: erased person`, but
 * not written to the rejects file, which would store them.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { C360Config } from '../../config';
import { partitionKeyOf } from '../../shared/partition-key';
import { identifierColumns, mappedColumns, mappingProblem, mapRow, type FileMapping } from '../core/file-mapping';
import { rowFingerprint, rowOf, type ParsedRow } from '../core/file-rows';
import { countReason, failureReason, MAX_DUPLICATE_LINES, reasonsByCount, type ImportReport, type ImportStatus } from '../core/import-report';
import type { TrackingPlan } from '../../config/tracking-plan';
import { markChecked, planIsEmpty, planVerdict, rejectionReason } from '../../shared/tracking-plan';
import { ingestEvent, type IngestOptions } from '../core/ingest';
import { fileKind, LANDING_PREFIX, parseLandingKey } from '../contracts/landing';
import { csvRejectLine, csvRejectsHeader, jsonRejectLine } from '../core/rejects-file';
import type { EventSink, OutgoingRecord, RejectsSink, RejectsWriter, ReportSink } from '../ports';
import { readFileItems } from './read-file';
import type { Identifier } from '../../shared/events';
import type { IngestSuppression } from '../../governance/ports';
import { SUPPRESSED_REASON, suppressionIdentifiers } from '../../governance/contracts/suppression';

export interface ImportSettings {
  /** Source name → its file mapping (sources without one are absent). */
  readonly mappings: Readonly<Record<string, FileMapping | undefined>>;
  readonly knownSources: readonly string[];
  readonly ingest: IngestOptions;
  /**
   * The tracking plan, checked on each mapped row as the collector checks an
   * HTTP event: a row it blocks is rejected into the rejects file; an allowed
   * violation is flagged on the event (`context.c360`), which also tells the
   * consumer the event was checked.
   * @default no plan
   */
  readonly trackingPlan?: TrackingPlan;
}

export function importSettings(config: Pick<C360Config, 'collection' | 'ingest' | 'normalization'> & Partial<Pick<C360Config, 'trackingPlan'>>): ImportSettings {
  const sources = config.collection.sources;
  return {
    mappings: Object.fromEntries(Object.entries(sources).map(([name, s]) => [name, s.file])),
    knownSources: Object.keys(sources),
    ingest: {
      defaultPhoneRegion: config.normalization.defaultPhoneRegion,
      parseUserAgent: config.ingest.parseUserAgent,
      truncateIp: config.ingest.truncateIp,
    },
    ...(config.trackingPlan === undefined || planIsEmpty(config.trackingPlan) ? {} : { trackingPlan: config.trackingPlan }),
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
  /** Drops the rows of erased people (none: nothing is dropped). */
  readonly suppression?: IngestSuppression;
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

/** A JSON line longer than this is rejected without being held (an event is at most 32 KB anyway). */
const MAX_LINE_CHARS = 1024 * 1024;

/** Rows remembered (a 22-character digest each, tens of MB at most) to find exact duplicates; past this, duplicates are sent. */
const MAX_FINGERPRINTS = 1_000_000;

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
  let duplicates = 0;
  let rowsWithWarnings = 0;
  let bytesRead = 0;
  let calls = 0;
  let retried = 0;
  const reasons = new Map<string, number>();
  const rowWarnings = new Map<string, number>();
  const duplicateLines: { line: number; sameAs: number }[] = [];
  /** Fingerprint of each row sent → its line. */
  const seen = new Map<string, number>();
  const warnings: string[] = [];
  let rejectsWriter: RejectsWriter | undefined;
  let blankLines = () => 0;

  const report = (status: ImportStatus, reason?: string): ImportReport => ({
    file: input.key,
    source,
    ...(kind === undefined ? {} : { format: kind.format, compressed: kind.gzip }),
    status,
    ...(reason === undefined ? {} : { reason }),
    rowsRead,
    sent,
    rejected,
    duplicates,
    unsent: rowsRead - sent - rejected - duplicates,
    reasons: reasonsByCount(reasons),
    rowsWithWarnings,
    rowWarnings: reasonsByCount(rowWarnings),
    duplicateLines,
    blankLines: blankLines(),
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

  // ---- the whole file: where it is, what it is, whose mapping applies ------
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

  // ---- reading: bytes → (gunzip) → header and rows ------------------------
  const items = readFileItems(input.body, kind, {
    delimiter: mapping.delimiter,
    maxLineChars: MAX_LINE_CHARS,
    onBytes: (bytes) => {
      bytesRead += bytes;
      deps.onProgress?.({ bytesRead, rowsRead });
    },
  });
  blankLines = () => items.blankLines;
  let header: string[] | undefined;

  // ---- rejects ------------------------------------------------------------
  const openRejects = async (): Promise<RejectsWriter> => {
    if (rejectsWriter === undefined) {
      rejectsWriter = deps.rejects.open(kind.format);
      if (kind.format === 'csv') await rejectsWriter.write(csvRejectsHeader(header, mapping.delimiter));
    }
    return rejectsWriter;
  };
  const reject = async (row: ParsedRow, reason: string) => {
    rejected++;
    countReason(reasons, reason);
    const writer = await openRejects();
    await writer.write(kind.format === 'csv' ? csvRejectLine(row, header, reason, mapping.delimiter) : jsonRejectLine(row, reason));
  };

  // ---- sending ------------------------------------------------------------
  type Settled = { ok: true; count: number } | { ok: false; error: unknown };
  const inFlight: Promise<Settled>[] = [];
  let sendError: unknown;
  let batch: OutgoingRecord[] = [];
  /** The identifiers of each row in `batch`, for the suppression check. */
  let batchIdentifiers: Identifier[][] = [];
  const settle = async (p: Promise<Settled>) => {
    const result = await p;
    if (result.ok) sent += result.count;
    else sendError ??= result.error;
  };
  const flush = async () => {
    if (batch.length === 0) return;
    let records = batch;
    const identifiers = batchIdentifiers;
    batch = [];
    batchIdentifiers = [];
    if (deps.suppression !== undefined) {
      // One lookup per batch: an erased person's rows are counted, never sent nor kept.
      let dropped: boolean[];
      try {
        dropped = await deps.suppression.check.suppressed(identifiers);
      } catch (err) {
        // Not sent, so counted as unsent: the import fails, and a retry sends them once the list answers.
        sendError ??= err;
        return;
      }
      const kept = records.filter((_, i) => dropped[i] !== true);
      for (let n = records.length - kept.length; n > 0; n--) {
        rejected++;
        countReason(reasons, SUPPRESSED_REASON);
      }
      records = kept;
      if (records.length === 0) return;
    }
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

  // ---- rows → events -------------------------------------------------------
  const rowContext = { source, fileKey: input.key, fileTime: input.fileTime, defaultPhoneRegion: deps.settings.ingest.defaultPhoneRegion };
  const ingestContext = { source, receivedAt: startedAt, options: deps.settings.ingest, newMessageId: randomUUID };
  let failure: unknown;
  let tooManyToCompare = false;
  try {
    for await (const item of items) {
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
      const row = rowOf(item, header);
      if (!row.ok) {
        await reject(item, row.reason);
        continue;
      }
      const mapped = mapRow(row.row, mapping, { ...rowContext, line: item.line });
      if (!mapped.ok) {
        await reject(item, mapped.reason);
        continue;
      }
      const ingested = ingestEvent(mapped.event, ingestContext);
      if (!ingested.ok) {
        await reject(item, ingested.reason);
        continue;
      }
      let event = ingested.event;
      const plan = deps.settings.trackingPlan;
      if (plan !== undefined) {
        const verdict = planVerdict(plan, source, mapped.event);
        if (verdict.action === 'reject') {
          await reject(item, rejectionReason(mapped.event, verdict.violations));
          continue;
        }
        event = markChecked(ingested.event, verdict) as typeof ingested.event;
      }
      const fingerprint = rowFingerprint(item);
      const sameAs = seen.get(fingerprint);
      if (sameAs !== undefined) {
        duplicates++;
        if (duplicateLines.length < MAX_DUPLICATE_LINES) duplicateLines.push({ line: item.line, sameAs });
        continue;
      }
      if (seen.size < MAX_FINGERPRINTS) seen.set(fingerprint, item.line);
      else if (seen.size === MAX_FINGERPRINTS && !tooManyToCompare) {
        tooManyToCompare = true;
        warnings.push(`duplicate rows were looked for in the first ${MAX_FINGERPRINTS} rows sent only`);
      }
      if (mapped.warnings.length > 0) {
        rowsWithWarnings++;
        for (const warning of mapped.warnings) countReason(rowWarnings, warning);
      }
      batch.push({ partitionKey: partitionKeyOf(event), data: Buffer.from(JSON.stringify(event)) });
      if (deps.suppression !== undefined) batchIdentifiers.push(suppressionIdentifiers(event, deps.suppression.identifiers));
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
    items.close();
    await drain();
  }
  failure ??= sendError ?? items.error;

  // ---- the report ----------------------------------------------------------
  if (failure !== undefined) {
    await rejectsWriter?.close().catch(() => rejectsWriter?.abort().catch(() => undefined));
    const failed = report('failed', failureReason(failure));
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
