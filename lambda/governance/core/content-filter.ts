/**
 * Removing one person's records from a file's bytes: what every file-store
 * eraser (S3 deployed, `.c360/` locally) does to each object or file it reads.
 * Pure: bytes in, bytes out, no I/O.
 *
 * A record is a JSON line, a CSV row (the header is always kept) or a Parquet
 * row; a single JSON document (an import report) has its matching strings
 * redacted instead, since removing it would lose everyone else's counts.
 * The rewritten bytes keep the input's shape: gzip stays gzip, a CSV keeps its
 * header, line endings and BOM, a Parquet file keeps its schema, key-value
 * metadata and codec. When nothing matched, the input bytes are returned as
 * they are, so an eraser can tell "rewrite" from "leave alone" by `removed`.
 */
import { Buffer } from 'node:buffer';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { parquetWriteBuffer, type ColumnSource, type SchemaElement as WriterSchemaElement } from 'hyparquet-writer';
import type { ErasureSubject } from '../contracts/erasure';

export const CONTENT_FORMATS = ['jsonl', 'jsonl.gz', 'csv', 'csv.gz', 'parquet', 'json'] as const;
export type ContentFormat = (typeof CONTENT_FORMATS)[number];

/** Whether a record (a parsed JSON value, a CSV row's cells, a Parquet row object) belongs to the person. */
export type RecordMatcher = (record: unknown) => boolean;

export interface FilterResult {
  /** The content without the matching records (the input itself when `removed` is 0). */
  readonly bytes: Uint8Array;
  /** Records removed (for `json`: strings redacted). */
  readonly removed: number;
  /** Records kept (for `json`: 1). */
  readonly kept: number;
}

/** What a redacted string of a JSON document becomes. */
export const REDACTED = '[erased]';

const GZIP_MAGIC = [0x1f, 0x8b];
const PARQUET_MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"
const startsWith = (bytes: Uint8Array, magic: readonly number[]) => magic.every((b, i) => bytes[i] === b);

/**
 * The format of an object, from its content first (gzip and Parquet carry
 * magic bytes; Firehose and Entity Resolution name objects freely) and its key
 * second. Anything unrecognised is read as JSON lines, whose line-by-line
 * filter also covers plain text: a line that is not JSON is matched as text.
 */
export function detectFormat(key: string, bytes: Uint8Array): ContentFormat {
  const name = key.toLowerCase();
  if (startsWith(bytes, PARQUET_MAGIC)) return 'parquet';
  if (startsWith(bytes, GZIP_MAGIC)) return /\.csv(\.gz)?$/.test(name) ? 'csv.gz' : 'jsonl.gz';
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.parquet')) return 'parquet';
  return 'jsonl';
}

export async function filterContent(bytes: Uint8Array, format: ContentFormat, matcher: RecordMatcher): Promise<FilterResult> {
  switch (format) {
    case 'jsonl':
      return filterJsonLines(bytes, matcher);
    case 'jsonl.gz':
      return gzipped(bytes, (inner) => filterJsonLines(inner, matcher));
    case 'csv':
      return filterCsv(bytes, matcher);
    case 'csv.gz':
      return gzipped(bytes, (inner) => filterCsv(inner, matcher));
    case 'parquet':
      return filterParquet(bytes, matcher);
    case 'json':
      return redactJson(bytes, matcher);
  }
}

function gzipped(bytes: Uint8Array, inner: (plain: Uint8Array) => FilterResult): FilterResult {
  const out = inner(gunzipSync(bytes));
  return out.removed === 0 ? { ...out, bytes } : { ...out, bytes: new Uint8Array(gzipSync(out.bytes)) };
}

const decoder = new TextDecoder('utf-8');
const encoder = new TextEncoder();

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function filterJsonLines(bytes: Uint8Array, matcher: RecordMatcher): FilterResult {
  const text = decoder.decode(bytes);
  const lines = text.split('\n');
  const trailingNewline = text.endsWith('\n');
  if (trailingNewline) lines.pop();
  const out: string[] = [];
  let removed = 0;
  let kept = 0;
  for (const line of lines) {
    const body = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (body.trim().length === 0) {
      out.push(line);
      continue;
    }
    const parsed = parseJson(body);
    if (matcher(parsed.ok ? parsed.value : body)) removed++;
    else {
      kept++;
      out.push(line);
    }
  }
  if (removed === 0) return { bytes, removed, kept };
  const joined = out.join('\n') + (trailingNewline && out.length > 0 ? '\n' : '');
  return { bytes: encoder.encode(joined), removed, kept };
}

const BOM = '\uFEFF';

function filterCsv(bytes: Uint8Array, matcher: RecordMatcher): FilterResult {
  const text = decoder.decode(bytes);
  const rows = parseCsv(text, { bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true }) as string[][];
  const [header, ...data] = rows;
  if (header === undefined) return { bytes, removed: 0, kept: 0 };
  const keptRows = data.filter((row) => !matcher(row));
  const removed = data.length - keptRows.length;
  if (removed === 0) return { bytes, removed, kept: keptRows.length };
  const crlf = /\r\n/.test(text);
  const body = stringifyCsv([header, ...keptRows], { record_delimiter: crlf ? 'windows' : 'unix' });
  return { bytes: encoder.encode((text.startsWith(BOM) ? BOM : '') + body), removed, kept: keptRows.length };
}

const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

/** Codecs the writer compresses without extra packages; other files are rewritten with Snappy. */
const WRITABLE_CODECS = new Set(['SNAPPY', 'UNCOMPRESSED']);

async function filterParquet(bytes: Uint8Array, matcher: RecordMatcher): Promise<FilterResult> {
  const file = toArrayBuffer(bytes);
  const metadata = parquetMetadata(file);
  const rows = (await parquetReadObjects({ file, metadata })) as Record<string, unknown>[];
  const keptRows = rows.filter((row) => !matcher(row));
  const removed = rows.length - keptRows.length;
  if (removed === 0) return { bytes, removed, kept: rows.length };
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  const columnData: ColumnSource[] = columns.map((name) => ({ name, data: keptRows.map((r) => r[name] ?? null) }));
  const codec = metadata.row_groups[0]?.columns[0]?.meta_data?.codec;
  const written = parquetWriteBuffer({
    // hyparquet-writer depends on its own copy of hyparquet: the same schema type, declared twice.
    schema: metadata.schema as unknown as WriterSchemaElement[],
    columnData,
    ...(codec !== undefined && WRITABLE_CODECS.has(codec) ? { codec } : {}),
    ...(metadata.key_value_metadata === undefined ? {} : { kvMetadata: metadata.key_value_metadata }),
    ...(metadata.created_by === undefined ? {} : { createdBy: metadata.created_by }),
  });
  return { bytes: new Uint8Array(written), removed, kept: keptRows.length };
}

/** A single JSON document: every matching string (and object key's value) replaced by REDACTED. */
function redactJson(bytes: Uint8Array, matcher: RecordMatcher): FilterResult {
  const text = decoder.decode(bytes);
  const parsed = parseJson(text);
  if (!parsed.ok) return filterJsonLines(bytes, matcher);
  let removed = 0;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (!matcher(v)) return v;
      removed++;
      return REDACTED;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(v)) {
        let key = k;
        if (matcher(k)) {
          removed++;
          key = `${REDACTED}${removed}`;
        }
        out[key] = walk(child);
      }
      return out;
    }
    return v;
  };
  const redacted = walk(parsed.value);
  if (removed === 0) return { bytes, removed, kept: 1 };
  const indented = /^\s*[{[]\s*\n/.test(text);
  const body = JSON.stringify(redacted, null, indented ? 2 : undefined) + (text.endsWith('\n') ? '\n' : '');
  return { bytes: encoder.encode(body), removed, kept: 1 };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array);

// ---- the person's matcher ---------------------------------------------------------

/** Needles shorter than this are not searched: they would match strangers' records everywhere. */
const MIN_NEEDLE_LENGTH = 2;

/**
 * The strings a file eraser searches for: the identifiers' values (phones also
 * as digits without `+`), the personal values as sent, the profile ids.
 * Lower-cased, trimmed, distinct, longest first.
 */
export function subjectNeedles(subject: Pick<ErasureSubject, 'identifiers' | 'values' | 'profileIds'>): string[] {
  const raw: string[] = [...subject.profileIds, ...subject.values];
  for (const id of subject.identifiers) {
    raw.push(id.value);
    if (id.type === 'phone' && id.value.startsWith('+')) raw.push(id.value.slice(1));
  }
  const needles = new Set(raw.map((v) => v.trim().toLowerCase()).filter((v) => v.length >= MIN_NEEDLE_LENGTH));
  return [...needles].sort((a, b) => b.length - a.length);
}

/** Characters that continue a token: a needle found next to one is part of a longer value (another person's). */
const TOKEN_CHAR = /[\p{L}\p{N}_@]/u;
const JOINER = /[.+\-]/;

function isTokenChar(c: string | undefined): boolean {
  return c !== undefined && TOKEN_CHAR.test(c);
}

/**
 * Whether `haystack` (lower-cased) holds `needle` as a whole token: the
 * characters around it do not continue it. `bob@example.com` is found in
 * `"to bob@example.com."` and in a file name `bob@example.com.csv`, but not in
 * `jimbob@example.com` or `jim.bob@example.com`; `+4415550123` not in
 * `+44155501234`. A dot after the value ends it (so `bob@example.com.au` is
 * taken for Bob's too: erasing too much there is the safe side).
 */
function containsToken(haystack: string, needle: string): boolean {
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(needle, from);
    if (at < 0) return false;
    const before = haystack[at - 1];
    const after = haystack[at + needle.length];
    const joinedBefore = isTokenChar(before) || (before !== undefined && JOINER.test(before) && isTokenChar(haystack[at - 2]));
    if (!joinedBefore && !isTokenChar(after)) return true;
    from = at + 1;
  }
}

/** Strings under these keys may be base64 (Firehose's error output `rawData`, a Kinesis record's `data`): searched decoded too. */
const BASE64_KEYS = new Set(['rawData', 'data']);
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function decodedBase64(s: string): string | undefined {
  if (s.length < 8 || s.length % 4 !== 0 || !BASE64.test(s)) return undefined;
  return Buffer.from(s, 'base64').toString('utf8');
}

/** A matcher over plain strings: whether a text holds one of `needles` (lower-cased) as a whole token. */
export function textMatcher(needles: readonly string[]): (text: string) => boolean {
  return (text) => {
    if (text.length === 0 || needles.length === 0) return false;
    const lower = text.toLowerCase();
    return needles.some((n) => containsToken(lower, n));
  };
}

/** A personal value that points at one person on its own: an email or a phone-like number (a name does not). */
const isStrongValue = (v: string) => v.includes('@') || (v.match(/\d/g)?.length ?? 0) >= 7;

/**
 * A record is the person's when any string in it (deep: object values and
 * keys, array items, numbers as text; base64 `rawData`/`data` decoded) holds
 * one of the subject's identifier values, profile ids or email- or
 * phone-like personal values, case-insensitively, as a whole token; or two of
 * their other personal values (first and last name): a stranger who only
 * shares a first name keeps their records.
 */
export function subjectMatcher(subject: Pick<ErasureSubject, 'identifiers' | 'values' | 'profileIds'>): RecordMatcher {
  const matchStrong = textMatcher(subjectNeedles({ ...subject, values: subject.values.filter(isStrongValue) }));
  const weak = [...new Set(subject.values.filter((v) => !isStrongValue(v)).map((v) => v.trim().toLowerCase()))].filter((v) => v.length >= MIN_NEEDLE_LENGTH);
  return (record) => {
    const weakFound = new Set<string>();
    const matchText = (text: string) => {
      if (matchStrong(text)) return true;
      if (weak.length < 2) return false;
      const lower = text.toLowerCase();
      for (const w of weak) if (containsToken(lower, w)) weakFound.add(w);
      return weakFound.size >= 2;
    };
    const visit = (v: unknown, key: string | undefined, depth: number): boolean => {
      if (depth > 64) return false;
      if (typeof v === 'string') {
        if (matchText(v)) return true;
        if (key !== undefined && BASE64_KEYS.has(key)) {
          const decoded = decodedBase64(v);
          if (decoded !== undefined) {
            const parsed = parseJson(decoded);
            return parsed.ok ? visit(parsed.value, undefined, depth + 1) : matchText(decoded);
          }
        }
        return false;
      }
      if (typeof v === 'number' || typeof v === 'bigint') return matchText(String(v));
      if (Array.isArray(v)) return v.some((item) => visit(item, key, depth + 1));
      if (isPlainObject(v)) return Object.entries(v).some(([k, child]) => matchText(k) || visit(child, k, depth + 1));
      return false;
    };
    return visit(record, undefined, 0);
  };
}
