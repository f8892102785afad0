/**
 * The narrow interfaces the collection use cases and handlers talk to: the
 * event stream, where an import's rejects and report go, and write-key
 * lookup. Adapters (adapters/, and the CLI's file sinks) implement them.
 */
import type { ImportReport } from './core/import-report';
import type { FileFormat } from './contracts/landing';

/** One stream record: the serialised event and its partition key. */
export interface OutgoingRecord {
  readonly partitionKey: string;
  readonly data: Buffer;
}

/** What writing a set of records took. */
export interface EventSinkResult {
  /** PutRecords calls made, retries included. */
  readonly calls: number;
  /** Records the stream failed at least once and that were retried. */
  readonly retried: number;
}

/**
 * Where events go (the Kinesis stream). Resolves once every record is
 * written; rejects otherwise: with a `PartialWrite` when retries ran out with
 * some records unwritten, with any other error when the stream could not be
 * called at all.
 */
export interface EventSink {
  put(records: readonly OutgoingRecord[]): Promise<EventSinkResult>;
}

/** The error an event sink rejects with when only some of the records were written. */
export interface PartialWrite {
  /** Records not written. */
  readonly failed: number;
  /** The stream's last error for them. */
  readonly lastError: string;
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

/** Where an import's rejected rows go. */
export interface RejectsSink {
  /** Starts the rejects file of the import: `csv` for CSV input, `jsonl` for JSON Lines. */
  open(format: FileFormat): RejectsWriter;
}

/** Where an import's report goes. */
export interface ReportSink {
  /** Where the report is written (an `s3://` URL or a path). */
  readonly location: string;
  put(report: ImportReport): Promise<void>;
}

/** The HTTP collector's authentication: which named source a Segment write key belongs to. */
export interface WriteKeys {
  /** The source a write key belongs to; undefined for a key nobody issued. */
  sourceFor(writeKey: string): Promise<string | undefined>;
}
