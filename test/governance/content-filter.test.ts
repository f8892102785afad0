import { gunzipSync, gzipSync } from 'node:zlib';
import { parquetReadObjects, parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { encodeParquet } from '../../lambda/analytics/adapters/parquet-encoder';
import { PROFILE_COLUMNS } from '../../lambda/analytics/contracts/curated';
import { detectFormat, filterContent, REDACTED, subjectMatcher, subjectNeedles } from '../../lambda/governance/core/content-filter';

const alice = {
  profileIds: ['p-alice', 'p-alice-old'],
  identifiers: [
    { type: 'email', value: 'alice@example.com' },
    { type: 'phone', value: '+447700900123' },
    { type: 'userId', value: 'u-1' },
  ],
  values: ['Alice', 'Liddell', 'ALICE@Example.com '],
};
const matcher = subjectMatcher(alice);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);
const lines = (...records: unknown[]) => bytes(records.map((r) => JSON.stringify(r)).join('\n') + '\n');

describe('subjectMatcher', () => {
  it('matches an identifier value deep in a record, case-insensitively', () => {
    expect(matcher({ context: { traits: { email: 'Alice@EXAMPLE.com' } } })).toBe(true);
    expect(matcher({ properties: { items: [{ note: 'call +447700900123 later' }] } })).toBe(true);
  });

  it('matches profile ids, personal values and a phone written without its plus', () => {
    expect(matcher({ profileId: 'p-alice-old' })).toBe(true);
    expect(matcher({ traits: { firstName: 'Alice', lastName: 'liddell' } })).toBe(true);
    expect(matcher(['x', '447700900123'])).toBe(true);
    expect(matcher({ userId: 'u-1' })).toBe(true);
  });

  it("does not match another person whose value merely contains the person's", () => {
    expect(matcher({ email: 'malice@example.com' })).toBe(false);
    expect(matcher({ email: 'jim.alice@example.com' })).toBe(false);
    expect(matcher({ phone: '+4477009001234' })).toBe(false);
    expect(matcher({ userId: 'u-10' })).toBe(false);
    expect(matcher({ name: 'Alicent' })).toBe(false);
  });

  it('keeps the record of a stranger who only shares a name: names count in pairs, identifiers alone', () => {
    expect(matcher({ userId: 'u-77', traits: { firstName: 'Alice', lastName: 'Smith' } })).toBe(false);
    expect(matcher({ userId: 'u-78', traits: { name: 'Alice Liddell' } })).toBe(true);
  });

  it('finds the person inside base64 rawData (Firehose error output)', () => {
    const rawData = Buffer.from(JSON.stringify({ userId: 'u-1', event: 'x' })).toString('base64');
    expect(matcher({ errorCode: 'DynamicPartitioning.MetadataExtractionFailed', rawData })).toBe(true);
    const other = Buffer.from(JSON.stringify({ userId: 'u-2' })).toString('base64');
    expect(matcher({ rawData: other })).toBe(false);
  });

  it('matches object keys and numbers', () => {
    expect(matcher({ 'p-alice': { segment: 'vip' } })).toBe(true);
    expect(subjectMatcher({ profileIds: [], identifiers: [{ type: 'userId', value: '42' }], values: [] })({ userId: 42 })).toBe(true);
  });

  it('ignores needles too short to mean anyone, and dedupes case variants', () => {
    const needles = subjectNeedles({ profileIds: [], identifiers: [], values: ['A', 'Bo', 'bo', ' BO '] });
    expect(needles).toEqual(['bo']);
  });
});

describe('filterContent', () => {
  it('removes the matching JSON lines and keeps the others byte for byte', async () => {
    const input = lines({ userId: 'u-1', n: 1 }, { userId: 'u-2', n: 2 }, { traits: { email: 'alice@example.com' } }, { userId: 'u-3' });
    const out = await filterContent(input, 'jsonl', matcher);
    expect(out).toMatchObject({ removed: 2, kept: 2 });
    expect(text(out.bytes)).toBe('{"userId":"u-2","n":2}\n{"userId":"u-3"}\n');
  });

  it('returns the input unchanged when nothing matches', async () => {
    const input = lines({ userId: 'u-2' });
    const out = await filterContent(input, 'jsonl', matcher);
    expect(out.removed).toBe(0);
    expect(out.bytes).toBe(input);
  });

  it('matches a line that is not JSON as text', async () => {
    const out = await filterContent(bytes('not json alice@example.com\nplain line\n'), 'jsonl', matcher);
    expect(out).toMatchObject({ removed: 1, kept: 1 });
    expect(text(out.bytes)).toBe('plain line\n');
  });

  it('keeps gzip JSON lines gzip', async () => {
    const input = new Uint8Array(gzipSync(lines({ userId: 'u-1' }, { userId: 'u-2' })));
    const out = await filterContent(input, 'jsonl.gz', matcher);
    expect(out).toMatchObject({ removed: 1, kept: 1 });
    expect([out.bytes[0], out.bytes[1]]).toEqual([0x1f, 0x8b]);
    expect(gunzipSync(out.bytes).toString()).toBe('{"userId":"u-2"}\n');
  });

  it('removes CSV rows and keeps the header and line endings', async () => {
    const input = bytes('email,first_name\r\nalice@example.com,Alice\r\nbob@example.com,"Bob, Jr"\r\n');
    const out = await filterContent(input, 'csv', matcher);
    expect(out).toMatchObject({ removed: 1, kept: 1 });
    expect(text(out.bytes)).toBe('email,first_name\r\nbob@example.com,"Bob, Jr"\r\n');
  });

  it('keeps a header-only CSV when every row was the person', async () => {
    const out = await filterContent(bytes('profile_id,first_name\np-alice,Alice\n'), 'csv', matcher);
    expect(out).toMatchObject({ removed: 1, kept: 0 });
    expect(text(out.bytes)).toBe('profile_id,first_name\n');
  });

  it('filters gzip CSV and keeps it gzip', async () => {
    const input = new Uint8Array(gzipSync('id,name\n1,Alice Liddell\n2,Smith\n'));
    const out = await filterContent(input, 'csv.gz', matcher);
    expect(out).toMatchObject({ removed: 1, kept: 1 });
    expect(gunzipSync(out.bytes).toString()).toBe('id,name\n2,Smith\n');
  });

  it('rewrites a Parquet file without the rows and with the same schema', async () => {
    const columns = PROFILE_COLUMNS.filter((c) => ['profile_id', 'email', 'event_count', 'total_revenue', 'created_at', 'traits'].includes(c.name));
    const at = Date.UTC(2026, 10, 1);
    const input = encodeParquet(columns, [
      { profile_id: 'p-alice', email: 'alice@example.com', event_count: 3, total_revenue: 9.5, created_at: at, traits: '{"firstName":"Alice"}' },
      { profile_id: 'p-bob', email: 'bob@example.com', event_count: 1, total_revenue: null, created_at: at, traits: '{}' },
      { profile_id: 'p-carol', email: null, event_count: 2, total_revenue: 1.25, created_at: null, traits: '{"note":"met Alice"}' },
    ]);
    const out = await filterContent(input, 'parquet', matcher);
    // Carol's note names an Alice, with no identifier of hers: Carol keeps her row.
    expect(out).toMatchObject({ removed: 1, kept: 2 });

    const file = out.bytes.buffer.slice(out.bytes.byteOffset, out.bytes.byteOffset + out.bytes.byteLength) as ArrayBuffer;
    const original = input.buffer.slice(input.byteOffset, input.byteOffset + input.byteLength) as ArrayBuffer;
    expect(parquetMetadata(file).schema).toEqual(parquetMetadata(original).schema);
    const rows = await parquetReadObjects({ file });
    expect(rows).toEqual([
      { profile_id: 'p-bob', email: 'bob@example.com', event_count: 1n, total_revenue: null, created_at: new Date(at), traits: '{}' },
      { profile_id: 'p-carol', email: null, event_count: 2n, total_revenue: 1.25, created_at: null, traits: '{"note":"met Alice"}' },
    ]);
  });

  it('writes a readable empty Parquet file when every row was the person', async () => {
    const columns = PROFILE_COLUMNS.filter((c) => c.name === 'profile_id' || c.name === 'event_count');
    const input = encodeParquet(columns, [{ profile_id: 'p-alice', event_count: 1 }]);
    const out = await filterContent(input, 'parquet', matcher);
    expect(out).toMatchObject({ removed: 1, kept: 0 });
    const file = out.bytes.buffer.slice(out.bytes.byteOffset, out.bytes.byteOffset + out.bytes.byteLength) as ArrayBuffer;
    expect(await parquetReadObjects({ file })).toEqual([]);
    expect(parquetMetadata(file).schema.map((s) => s.name)).toEqual(['root', 'profile_id', 'event_count']);
  });

  it("redacts the person's strings in a single JSON document and keeps the rest", async () => {
    const report = { file: 'landing/crm/alice@example.com.csv', rowsRead: 3, warnings: ['row 2: Alice Liddell is not a phone', 'mapped column x absent'] };
    const out = await filterContent(bytes(JSON.stringify(report, null, 2) + '\n'), 'json', matcher);
    expect(out).toMatchObject({ removed: 2, kept: 1 });
    expect(JSON.parse(text(out.bytes))).toEqual({ file: REDACTED, rowsRead: 3, warnings: [REDACTED, 'mapped column x absent'] });
  });
});

describe('detectFormat', () => {
  it('reads formats from magic bytes before the key', () => {
    expect(detectFormat('raw/source=web/dt=2026-11-01/x', new Uint8Array(gzipSync('{}')))).toBe('jsonl.gz');
    expect(detectFormat('entity-resolution/output/w/j/success/part.csv', new Uint8Array(gzipSync('a\n')))).toBe('csv.gz');
    expect(detectFormat('exports/profiles/x/part-00.parquet', bytes('PAR1....PAR1'))).toBe('parquet');
    expect(detectFormat('profiles/snapshot/part-00.csv', bytes('profile_id\n'))).toBe('csv');
    expect(detectFormat('reports/crm/a.csv.report.json', bytes('{}'))).toBe('json');
    expect(detectFormat('quarantine/source=web/dt=2026-11-01/b.jsonl', bytes('{}\n'))).toBe('jsonl');
    expect(detectFormat('landing/crm/notes.txt', bytes('hello'))).toBe('jsonl');
  });
});
