/**
 * The local Firehose: lands every record of the event stream in the local
 * lake folder, with the layout Kinesis Data Firehose gives the deployed lake
 * (lib/constructs/collection/raw-lake.ts):
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
 * (`written + failed + suppressed === objects` in the batch outcome, `suppressed` counting erased people's events).
 *
 * Where a record is filed is decided by `lakePartition`
 * (lambda/collection/contracts/lake-layout.ts), which the deployed delivery
 * stream runs as the same jq query.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { deaggregate } from '../shared/kpl';
import {
  FIREHOSE_QUARANTINE_SOURCE,
  LAKE_FILE_EXTENSION,
  PARTITIONING_ERROR_CODE,
  PROCESSING_FAILED,
  QUARANTINE_ZONE,
  RAW_ZONE,
  lakePartition,
  lakePrefix,
  partitionSources,
  splitJsonObjects,
} from '../collection/contracts/lake-layout';
import type { ConsumerHandler } from './poller';
import { suppressionIdentifiers } from '../governance/contracts/suppression';
import type { IngestSuppression } from '../governance/ports';

const gzipAsync = promisify(gzip);

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
  /** Events of erased people (the suppression list) left out: `written + failed + suppressed === objects`. */
  readonly suppressed: number;
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
  /** Drops the events of erased people before they are filed (every ingest path checks it). @default none checked */
  readonly suppression?: IngestSuppression;
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

    const filed: Array<{ key: string; value: unknown }> = [];
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
          filed.push({ key: lakePrefix(RAW_ZONE, where.source, where.dt), value });
        }
      }
    }

    // A failed check throws: the batch is retried, nothing is filed unchecked.
    const suppression = options.suppression;
    const drop =
      suppression === undefined || filed.length === 0
        ? []
        : await suppression.check.suppressed(filed.map((f) => suppressionIdentifiers(f.value, suppression.identifiers)));
    const partitions = new Map<string, string[]>();
    let suppressed = 0;
    for (const [i, { key, value }] of filed.entries()) {
      if (drop[i] === true) {
        suppressed++;
        continue;
      }
      const lines = partitions.get(key) ?? [];
      lines.push(JSON.stringify(value));
      partitions.set(key, lines);
    }

    const files: string[] = [];
    let written = 0;
    for (const [prefix, lines] of partitions) {
      const file = `${prefix}${batchId}${LAKE_FILE_EXTENSION}`;
      await writeObject(join(options.lakeDir, file), lines);
      files.push(file);
      written += lines.length;
    }
    if (failures.length > 0) {
      const day = utcDay(failures.reduce((oldest, f) => Math.min(oldest, f.arrivalTimestamp), Number.POSITIVE_INFINITY));
      const file = `${lakePrefix(QUARANTINE_ZONE, FIREHOSE_QUARANTINE_SOURCE, day)}${PROCESSING_FAILED}-${batchId}${LAKE_FILE_EXTENSION}`;
      await writeObject(join(options.lakeDir, file), failures.map((f) => JSON.stringify(f)));
      files.push(file);
    }
    options.observe?.({ records: event.Records.length, payloads, objects, written, failed: failures.length, suppressed, files });
    return { batchItemFailures: [] };
  };
}
