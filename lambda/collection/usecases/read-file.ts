/**
 * The import's reading step, on Node streams: a file's bytes → (gunzip) →
 * csv-parse, or the JSON Lines splitter → the header and numbered rows
 * (core/file-rows), in file order, counting the bytes as they are read.
 * It opens nothing itself: the bytes come from whichever adapter opened the
 * file (an S3 object, a local file).
 */
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { Parser, type Options as CsvOptions } from 'csv-parse';
import { CsvRecordLines, JsonLineSplitter, type FileItem, type ParseFailure } from '../core/file-rows';
import type { FileKind } from '../contracts/landing';

export interface ReadOptions {
  /** The CSV delimiter (the source's file mapping). */
  readonly delimiter: string;
  /** A JSON line longer than this is reported unreadable without being held. */
  readonly maxLineChars: number;
  /** Told the size of each chunk of the file's bytes (compressed bytes for a gzipped file), as it is read. */
  readonly onBytes: (bytes: number) => void;
}

/** A file being read: iterate it for its items; `error` is set once the bytes or gunzip have failed. */
export interface FileItems extends AsyncIterable<FileItem> {
  readonly error: Error | undefined;
  /** Blank lines skipped so far (between, before and after the rows; whitespace-only JSON lines too). */
  readonly blankLines: number;
  /** Stops reading (the input is destroyed with the rest of the pipeline). */
  close(): void;
}

export function readFileItems(body: Readable, kind: FileKind, options: ReadOptions): FileItems {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      options.onBytes(chunk.length);
      callback(null, chunk);
    },
  });
  const stages: NodeJS.ReadWriteStream[] = [counter];
  if (kind.gzip) stages.push(createGunzip());
  let blankLines: () => number;
  if (kind.format === 'csv') {
    const parser = new CsvParser({ bom: true, raw: true, delimiter: options.delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: true });
    blankLines = () => parser.blankLines;
    stages.push(parser, new CsvLines());
  } else {
    const lines = new JsonLines(options.maxLineChars);
    blankLines = () => lines.blankLines;
    stages.push(lines);
  }
  let error: Error | undefined;
  const items = (pipeline as (...streams: unknown[]) => Readable)(body, ...stages, (err: Error | null) => {
    if (err) error ??= err;
  });
  return {
    get error() {
      return error;
    },
    get blankLines() {
      return blankLines();
    },
    close() {
      if (!items.readableEnded) items.destroy();
    },
    [Symbol.asyncIterator]: () => (items as AsyncIterable<FileItem>)[Symbol.asyncIterator](),
  };
}

/**
 * csv-parse's stream, except that a syntax error is passed on in order,
 * after the records parsed before it (csv-parse fails the stream at once,
 * and a failed stream drops the records it has parsed but not yet handed
 * on). The input after the error is discarded.
 */
class CsvParser extends Parser {
  private failed = false;
  private endsWithBreak = false;

  constructor(options: CsvOptions) {
    super(options);
  }

  /** Empty lines skipped: csv-parse also counts the "line" after a file's final line break, which is none. */
  get blankLines(): number {
    return Math.max(0, this.info.empty_lines - (this.endsWithBreak ? 1 : 0));
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.failed) {
      callback();
      return;
    }
    if (chunk.length > 0) {
      const last = chunk[chunk.length - 1];
      this.endsWithBreak = last === 10 || last === 13;
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

/** csv-parse records (`raw: true`) → the header, then rows with the line each starts on. */
class CsvLines extends Transform {
  private readonly lines = new CsvRecordLines();

  constructor() {
    super({ objectMode: true });
  }

  override _transform(chunk: { record: string[]; raw: string } | ParseFailure, _encoding: BufferEncoding, callback: TransformCallback): void {
    if ('parseError' in chunk) callback(null, chunk);
    else callback(null, this.lines.next(chunk.record, chunk.raw));
  }
}

/** Bytes → one row per non-blank line (UTF-8, decoded across chunk boundaries). */
class JsonLines extends Transform {
  private readonly decoder = new StringDecoder('utf8');
  private readonly splitter: JsonLineSplitter;

  constructor(maxChars: number) {
    super({ readableObjectMode: true });
    this.splitter = new JsonLineSplitter(maxChars);
  }

  get blankLines(): number {
    return this.splitter.blankLines;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (const row of this.splitter.push(this.decoder.write(chunk))) this.push(row);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    for (const row of this.splitter.end(this.decoder.end())) this.push(row);
    callback();
  }
}
