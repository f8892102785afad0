/**
 * A batch file's text → numbered rows, without streams: the starting line of
 * each CSV record, JSON Lines split into lines, and a parsed row turned into
 * the `Row` the file mapping reads (or the reason it can't be).
 *
 * csv-parse does the CSV parsing itself; what is hand-written here is what it
 * can't give: the line a record starts on (its `info.lines` is where a record
 * ends, and counts a CRLF inside a quoted field twice). JSON Lines are split
 * here rather than by node:readline, which would hold a line of any length in
 * memory (and also breaks lines at a lone CR, which JSON Lines does not).
 */
import { createHash } from 'node:crypto';
import type { Row } from './file-mapping';

/** A CSV file's first record: its column names, trimmed. */
export interface HeaderRow {
  readonly header: string[];
}

/** A data row on its way through the import. */
export interface ParsedRow {
  /** Line of the file where the row starts (1-based; a CSV header is line 1). */
  readonly line: number;
  /** A CSV record's fields, or a JSON line's text. */
  readonly fields?: readonly string[];
  readonly text?: string;
  /** Why the row can't be read at all (a line too long to hold). */
  readonly unreadable?: string;
}

/** A parse error, passed down the pipeline after the records parsed before it. */
export interface ParseFailure {
  readonly parseError: Error;
}

/** What reading a file yields, in file order. */
export type FileItem = HeaderRow | ParsedRow | ParseFailure;

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
 * csv-parse records (`raw: true`), in order → the header, then rows with the
 * line each starts on. Counting the breaks of each record's raw text (blank
 * lines skipped before it included) gives the starting line of every record,
 * multi-line quoted fields included.
 */
export class CsvRecordLines {
  private nextLine = 1;
  private headerSeen = false;

  next(record: string[], raw: string): HeaderRow | ParsedRow {
    const breaks = lineBreaks(raw);
    const line = this.nextLine + breaks.leading;
    this.nextLine += breaks.total;
    if (!this.headerSeen) {
      this.headerSeen = true;
      return { header: record.map((h) => h.trim()) };
    }
    return { line, fields: record };
  }
}

/**
 * Decoded text, chunk by chunk → one row per non-blank line, with its line
 * number (a leading BOM dropped, a CR before the LF too). A line longer than
 * `maxChars` is reported unreadable without being held.
 */
export class JsonLineSplitter {
  private partial = '';
  private line = 1;
  private skipping = false;
  private first = true;
  /** Blank (empty or whitespace-only) lines skipped so far. */
  blankLines = 0;

  constructor(private readonly maxChars: number) {}

  /** The rows that `text` completes. */
  push(text: string): ParsedRow[] {
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const rows: ParsedRow[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.emitLine(text.slice(start, nl), rows);
      start = nl + 1;
    }
    this.append(text.slice(start));
    return rows;
  }

  /** The last line, unterminated, with `rest` (what the decoder still held) appended. */
  end(rest: string): ParsedRow[] {
    this.append(rest);
    const rows: ParsedRow[] = [];
    if (this.partial.length > 0 || this.skipping) this.emitLine('', rows);
    return rows;
  }

  private append(text: string): void {
    if (this.skipping) return;
    this.partial += text;
    if (this.partial.length > this.maxChars) {
      this.partial = '';
      this.skipping = true;
    }
  }

  private emitLine(tail: string, rows: ParsedRow[]): void {
    const line = this.line++;
    if (this.skipping) {
      this.skipping = false;
      this.partial = '';
      rows.push({ line, unreadable: `the line is longer than ${this.maxChars} characters` });
      return;
    }
    let text = this.partial + tail;
    this.partial = '';
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim().length === 0) {
      this.blankLines++;
      return;
    }
    rows.push({ line, text });
  }
}

export type RowResult = { ok: true; row: Row } | { ok: false; reason: string };

/**
 * A parsed row → the `Row` the file mapping reads: a CSV record's fields by
 * the header's column names, or a JSON line's object. Rejects a row that
 * could not be read, a CSV record whose field count differs from the
 * header's, and a line that is not a JSON object.
 */
export function rowOf(parsed: ParsedRow, header: readonly string[] | undefined): RowResult {
  if (parsed.unreadable !== undefined) return { ok: false, reason: parsed.unreadable };
  if (parsed.fields !== undefined) {
    if (header !== undefined && parsed.fields.length !== header.length) {
      return { ok: false, reason: `the row has ${parsed.fields.length} fields; the header has ${header.length}` };
    }
    const row: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    (header ?? []).forEach((name, i) => {
      row[name] = parsed.fields?.[i];
    });
    return { ok: true, row };
  }
  let json: unknown;
  try {
    json = JSON.parse(parsed.text ?? '');
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: 'a line must be a JSON object' };
  return { ok: true, row: json as Row };
}

/**
 * A digest of a row's content (a CSV record's fields, a JSON line's text):
 * two rows of a file with the same fingerprint are exact duplicates.
 */
export function rowFingerprint(parsed: ParsedRow): string {
  const content = parsed.fields === undefined ? `t${parsed.text ?? ''}` : `f${JSON.stringify(parsed.fields)}`;
  return createHash('sha256').update(content).digest('base64').slice(0, 22);
}
