/**
 * The local Firehose: lands every record of the event stream in the local
 * lake folder, with the layout Kinesis Data Firehose gives the deployed lake
 * (lib/constructs/raw-lake.ts):
 *
 *   raw/source=<source>/dt=<YYYY-MM-DD>/<shard>-<first sequence number>.jsonl.gz
 *     one JSON object per line, gzip; one file per batch and partition. A
 *     redelivered batch has the same first sequence number, so it overwrites
 *     its own files instead of adding copies.
 *   quarantine/source=firehose/dt=<YYYY-MM-DD>/processing-failed-<shard>-<first sequence number>.jsonl.gz
 *     what Firehose cannot partition (not JSON, not an object, no usable
 *     date), one Firehose-style error record per line, with the reason in
 *     errorCode/errorMessage and the record in rawData (base64). The day is
 *     the arrival day of the oldest failed record, as Firehose's
 *     `!{timestamp:...}` is.
 *
 * Nothing is dropped: each KPL sub-record or plain record, once split into
 * its JSON objects, is written to exactly one of the two places
 * (`written + failed === objects` in the batch outcome).
 *
 * Where a record is filed is decided by `lakePartition`, a pure function; the
 * deployed delivery stream runs `lakePartitionJq(...)`, a jq 1.6 query built
 * next to it from the same constants, so that the two agree
 * (test/infra/raw-lake.test.ts runs both over the same records).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { deaggregate } from '../core/kpl';
import type { ConsumerHandler } from './poller';

const gzipAsync = promisify(gzip);

/** Zone of the lake holding every accepted event as it came. */
export const RAW_ZONE = 'raw';
/** Zone holding rejected input, with its reason. */
export const QUARANTINE_ZONE = 'quarantine';
/** The `source` partition of what Firehose itself could not partition. */
export const FIREHOSE_QUARANTINE_SOURCE = 'firehose';
/** Firehose's `!{firehose:error-output-type}` for records a processor (here: metadata extraction) rejected. */
export const PROCESSING_FAILED = 'processing-failed';
/** The `source` of an event that names no known source (producers writing straight to the stream). */
export const FALLBACK_SOURCE = 'kinesis';
/** Extension of the lake's objects, locally and (Firehose `FileExtension`) deployed. */
export const LAKE_FILE_EXTENSION = '.jsonl.gz';
/**
 * A usable event date: the value starts with a calendar-looking `YYYY-MM-DD`
 * (ISO-8601, as the HTTP collector and the batch import write it). The day is
 * the date as written, in the event's own offset, not converted to UTC.
 * Written for jq's regex engine (Oniguruma) and JavaScript alike.
 */
export const EVENT_DATE_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])';
const EVENT_DATE = new RegExp(EVENT_DATE_PATTERN);
/** Error code written with records that could not be partitioned (mirrors Firehose's dynamic-partitioning failures). */
export const PARTITIONING_ERROR_CODE = 'DynamicPartitioning.MetadataExtractionFailed';

/**
 * Values of the `source` partition: the configured sources plus the fallback.
 * The Glue tables project exactly these, so every raw object is visible to Athena.
 */
export function partitionSources(configuredSources: readonly string[]): string[] {
  return [...new Set([...configuredSources, FALLBACK_SOURCE])];
}

export type LakePartition = { ok: true; dt: string; source: string } | { ok: false; reason: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function eventDay(value: unknown): string | undefined {
  return typeof value === 'string' && EVENT_DATE.test(value) ? value.slice(0, 10) : undefined;
}

/**
 * Where the lake files an event: `dt` is the first 10 characters (YYYY-MM-DD)
 * of `timestamp`, or of `receivedAt` when `timestamp` is missing or not a
 * date; `source` is `context.source` when it is one of `sources` (see
 * `partitionSources`), otherwise "kinesis". A value that is not an object, or
 * has no usable date, cannot be filed.
 *
 * `lakePartitionJq` is the same derivation as a jq query: change both together.
 */
export function lakePartition(event: unknown, sources: ReadonlySet<string>): LakePartition {
  if (!isObject(event)) {
    const got = Array.isArray(event) ? 'an array' : event === null ? 'null' : `a ${typeof event}`;
    return { ok: false, reason: `a record must be a JSON object, got ${got}` };
  }
  const dt = eventDay(event.timestamp) ?? eventDay(event.receivedAt);
  if (dt === undefined) return { ok: false, reason: 'no usable date: neither timestamp nor receivedAt starts with YYYY-MM-DD' };
  const named = isObject(event.context) ? event.context.source : undefined;
  const source = typeof named === 'string' && sources.has(named) ? named : FALLBACK_SOURCE;
  return { ok: true, dt, source };
}

/**
 * The Firehose MetadataExtraction query (jq 1.6) deriving the `dt` and
 * `source` partition keys exactly as `lakePartition` does. A record it cannot
 * file makes jq fail (indexing a non-object, or the explicit `error`), which
 * Firehose answers by writing the record to the error output prefix.
 *
 * Only core jq is used (`type`, `test`, string slices, `//`, `error`, `==`,
 * `or`), and the source list is spelled out as comparisons, so the query does
 * not depend on newer builtins.
 */
export function lakePartitionJq(sources: readonly string[]): string {
  const day = (field: string) =>
    `(.${field} | if type == "string" and test(${JSON.stringify(EVENT_DATE_PATTERN)}) then .[0:10] else null end)`;
  const known = [...new Set(sources)].map((s) => `. == ${JSON.stringify(s)}`).join(' or ');
  const dt = `${day('timestamp')} // ${day('receivedAt')} // error("no usable date: neither timestamp nor receivedAt starts with YYYY-MM-DD")`;
  const source = `(.context | if type == "object" then .source else null end) | if ${known} then . else ${JSON.stringify(FALLBACK_SOURCE)} end`;
  return `{"dt": (${dt}), "source": (${source})}`;
}

/**
 * Splits a record into the JSON objects it carries, as Firehose's
 * RecordDeAggregation processor (SubRecordType JSON) does: one object, or
 * several written back to back or one per line. Returns undefined when the
 * text is anything else.
 */
export function splitJsonObjects(text: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (i >= text.length) break;
    if (text[i] !== '{') return undefined;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    if (depth !== 0) return undefined;
    out.push(text.slice(start, i));
  }
  return out.length > 0 ? out : undefined;
}

/** The JSON values of one payload, each with its own text, or why it is not JSON. */
function readPayload(data: Buffer): { values: Array<{ value: unknown; raw: Buffer }> } | { reason: string } {
  const text = data.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(data)) return { reason: 'the record is not valid UTF-8 text' };
  try {
    const pieces = splitJsonObjects(text);
    if (pieces === undefined || pieces.length === 1) return { values: [{ value: JSON.parse(text) as unknown, raw: data }] };
    return { values: pieces.map((p) => ({ value: JSON.parse(p) as unknown, raw: Buffer.from(p, 'utf8') })) };
  } catch (err) {
    return { reason: `the record is not JSON: ${(err as Error).message}` };
  }
}

/** One line of the Firehose-style error output. */
export interface FirehoseErrorRecord {
  readonly attemptsMade: number;
  /** When the stream received the record, epoch ms. */
  readonly arrivalTimestamp: number;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly attemptEndingTimestamp: number;
  /** The (sub-)record as it came, base64. */
  readonly rawData: string;
  readonly sequenceNumber: string;
  /** Position inside a KPL-aggregated record. */
  readonly subSequenceNumber?: number;
}

/** What one batch did, for counters and tests. */
export interface LakeWriteOutcome {
  /** Kinesis records in the batch. */
  readonly records: number;
  /** Plain records plus KPL sub-records (a KPL record that cannot be unpacked counts as one). */
  readonly payloads: number;
  /** What was filed: JSON objects, plus each payload that could not be read as JSON. */
  readonly objects: number;
  /** Lines written under raw/. */
  readonly written: number;
  /** Lines written under quarantine/source=firehose/. */
  readonly failed: number;
  /** Files written, relative to the lake folder. */
  readonly files: readonly string[];
}

export interface LakeWriterOptions {
  /** The local lake folder (`<dataDir>/lake`). */
  readonly lakeDir: string;
  /** Configured source names (`Object.keys(config.collection.sources)`); "kinesis" is added. */
  readonly sources: readonly string[];
  /** Told the outcome of every batch. */
  readonly observe?: (outcome: LakeWriteOutcome) => void;
  /** Epoch ms, for `attemptEndingTimestamp`. */
  readonly clock?: () => number;
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

/** Writes atomically: a reader never sees half a gzip stream. */
async function writeObject(path: string, lines: readonly string[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  await writeFile(tmp, await gzipAsync(lines.join('\n') + '\n'));
  await rename(tmp, path);
}

/**
 * A handler with the consumer signature of the local poller (and of a Lambda
 * Kinesis consumer) that plays Firehose for the local lake. It never reports
 * item failures: a record it cannot file is quarantined, not retried.
 */
export function createLakeWriter(options: LakeWriterOptions): ConsumerHandler {
  const sources = new Set(partitionSources(options.sources));
  const clock = options.clock ?? Date.now;
  return async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    const first = event.Records[0];
    if (first === undefined) return { batchItemFailures: [] };
    const batchId = safeName(`${first.eventID.split(':')[0] || 'shard'}-${first.kinesis.sequenceNumber}`);

    const partitions = new Map<string, string[]>();
    const failures: FirehoseErrorRecord[] = [];
    let payloads = 0;
    let objects = 0;
    for (const record of event.Records) {
      const data = Buffer.from(record.kinesis.data, 'base64');
      const arrivalTimestamp = Math.round(record.kinesis.approximateArrivalTimestamp * 1000);
      const fail = (reason: string, raw: Buffer, subSequenceNumber?: number) => {
        failures.push({
          attemptsMade: 1,
          arrivalTimestamp,
          errorCode: PARTITIONING_ERROR_CODE,
          errorMessage: reason,
          attemptEndingTimestamp: clock(),
          rawData: raw.toString('base64'),
          sequenceNumber: record.kinesis.sequenceNumber,
          ...(subSequenceNumber === undefined ? {} : { subSequenceNumber }),
        });
      };

      const kpl = deaggregate(data);
      if (kpl.aggregated && 'error' in kpl) {
        payloads++;
        objects++;
        fail(kpl.error, data);
        continue;
      }
      const parts: Array<{ data: Buffer; sub?: number }> = kpl.aggregated ? kpl.records.map((r, i) => ({ data: r.data, sub: i })) : [{ data }];
      for (const part of parts) {
        payloads++;
        const read = readPayload(part.data);
        if ('reason' in read) {
          objects++;
          fail(read.reason, part.data, part.sub);
          continue;
        }
        for (const { value, raw } of read.values) {
          objects++;
          const where = lakePartition(value, sources);
          if (!where.ok) {
            fail(where.reason, raw, part.sub);
            continue;
          }
          const key = `source=${where.source}/dt=${where.dt}`;
          const lines = partitions.get(key) ?? [];
          lines.push(JSON.stringify(value));
          partitions.set(key, lines);
        }
      }
    }

    const files: string[] = [];
    let written = 0;
    for (const [key, lines] of partitions) {
      const file = `${RAW_ZONE}/${key}/${batchId}${LAKE_FILE_EXTENSION}`;
      await writeObject(join(options.lakeDir, file), lines);
      files.push(file);
      written += lines.length;
    }
    if (failures.length > 0) {
      const day = utcDay(failures.reduce((oldest, f) => Math.min(oldest, f.arrivalTimestamp), Number.POSITIVE_INFINITY));
      const file = `${QUARANTINE_ZONE}/source=${FIREHOSE_QUARANTINE_SOURCE}/dt=${day}/${PROCESSING_FAILED}-${batchId}${LAKE_FILE_EXTENSION}`;
      await writeObject(join(options.lakeDir, file), failures.map((f) => JSON.stringify(f)));
      files.push(file);
    }
    options.observe?.({ records: event.Records.length, payloads, objects, written, failed: failures.length, files });
    return { batchItemFailures: [] };
  };
}
