import { getDefaultHighWaterMark, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'csv-parse/sync';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import { kinesisEventSink } from '../../../lambda/collection/adapters/kinesis-sink';
import { rowMessageId } from '../../../lambda/collection/core/file-mapping';
import type { ImportReport } from '../../../lambda/collection/core/import-report';
import { fileKind, reportKeys, type FileFormat } from '../../../lambda/collection/contracts/landing';
import type { EventSink, OutgoingRecord } from '../../../lambda/collection/ports';
import { importFile, ImportFailedError, importSettings, type ImportDeps } from '../../../lambda/collection/usecases/import-file';
import raw from '../../../c360.config';

const settings = importSettings(parseConfig(raw));
const NOW = Date.parse('2026-11-02T12:00:00.000Z');
const FILE_TIME = Date.parse('2026-11-01T00:00:00.000Z');

/** In-memory sinks: every record accepted, rejects and reports kept. */
function memory(events?: EventSink, importSettings_ = settings) {
  const sent: OutgoingRecord[] = [];
  const rejects: { format?: FileFormat; text: string; closed: boolean } = { text: '', closed: false };
  const reports: ImportReport[] = [];
  const deps: ImportDeps = {
    settings: importSettings_,
    clock: () => NOW,
    events: events ?? {
      async put(records) {
        sent.push(...records);
        return { calls: 1, retried: 0 };
      },
    },
    rejects: {
      open(format) {
        rejects.format = format;
        return {
          location: `mem://rejects.${format}`,
          write: async (text) => {
            rejects.text += text;
          },
          close: async () => {
            rejects.closed = true;
          },
          abort: async () => {},
        };
      },
    },
    reports: { location: 'mem://report.json', put: async (r) => void reports.push(r) },
  };
  const events_ = () => sent.map((r) => ({ partitionKey: r.partitionKey, event: JSON.parse(r.data.toString()) as Record<string, any> }));
  return { deps, sent, events: events_, rejects, reports };
}

const run = (key: string, body: string | Buffer, deps: ImportDeps) =>
  importFile({ key, body: Readable.from([Buffer.from(body)]), fileTime: FILE_TIME }, deps);

const CRM_HEADER = 'customer_id,email,phone,updated_at,first_name,last_name,city,state,loyalty_tier';
// Line numbers: 1 header; 2 good; 3 no id; 4 bad date; 5-6 good, a quoted field over two lines;
// 7 too few fields; 8-9 bad date in a row with a multi-line field; 10 blank (skipped); 11 good.
const CRM_CSV = [
  CRM_HEADER,
  'c1,ana@example.com,(503) 905-1305,2026-10-01,Ana,Lee,Portland,OR,gold',
  ',bo@example.com,,2026-10-01,Bo,Ng,Salem,OR,silver',
  'c3,cy@example.com,,last tuesday,Cy,Oh,Eugene,OR,gold',
  'c4,di@example.com,,2026-10-02T08:00:00Z,"Di',
  'Ann",Park,"Bend, OR",OR,bronze',
  'c5,ed@example.com,,2026-10-03,Ed,Fox,Salem',
  'c6,"fi@example.com",,"2026-99-01",Fi,"Multi',
  'line",Salem,OR,gold',
  '',
  'c7,gi@example.com,,2026-10-04,Gi,Ko,Salem,OR,gold',
].join('\n');

describe('batch file import', () => {
  it('sends the good rows of a CSV, rejects the bad ones with their reason and starting line, and the counts add up', async () => {
    const m = memory();
    const report = await run('landing/crm/contacts.csv', CRM_CSV, m.deps);

    expect(report).toMatchObject({
      file: 'landing/crm/contacts.csv',
      source: 'crm',
      format: 'csv',
      compressed: false,
      status: 'completed',
      rowsRead: 7,
      sent: 3,
      rejected: 4,
      duplicates: 0,
      unsent: 0,
      rowsWithWarnings: 0,
      rowWarnings: {},
      blankLines: 1,
      startedAt: '2026-11-02T12:00:00.000Z',
      bytesRead: Buffer.byteLength(CRM_CSV),
      rejectsFile: 'mem://rejects.csv',
      reportFile: 'mem://report.json',
    });
    expect(report.rowsRead).toBe(report.sent + report.rejected);
    expect(report.reasons).toEqual({
      'column "updated_at" is not a date (ISO-8601 or epoch seconds expected)': 2,
      'missing identifier: column "customer_id" is empty': 1,
      'the row has 7 fields; the header has 9': 1,
    });
    expect(m.reports).toEqual([report]);

    // The rejects file: the original columns plus _line and _reason, exactly the bad rows.
    expect(m.rejects.closed).toBe(true);
    const rejects = parse(m.rejects.text, { columns: true }) as Record<string, string>[];
    expect(rejects.map((r) => [r._line, r.customer_id, r._reason])).toEqual([
      ['3', '', 'missing identifier: column "customer_id" is empty'],
      ['4', 'c3', 'column "updated_at" is not a date (ISO-8601 or epoch seconds expected)'],
      ['7', 'c5', 'the row has 7 fields; the header has 9'],
      ['8', 'c6', 'column "updated_at" is not a date (ISO-8601 or epoch seconds expected)'],
    ]);
    expect(Object.keys(rejects[0] ?? {})).toEqual([...CRM_HEADER.split(','), '_line', '_reason']);
    expect(rejects[3]?.last_name).toBe('Multi\nline');

    // The events: normalised by ingest, stamped with the import time, partitioned by userId.
    const events = m.events();
    expect(events.map((e) => [e.partitionKey, e.event.userId, e.event.context.file.line])).toEqual([
      ['c1', 'c1', 2],
      ['c4', 'c4', 5],
      ['c7', 'c7', 11],
    ]);
    const [c1, c4] = events.map((e) => e.event);
    expect(c1).toMatchObject({
      type: 'identify',
      messageId: rowMessageId('crm', 'landing/crm/contacts.csv', 2),
      timestamp: '2026-10-01T00:00:00.000Z',
      receivedAt: '2026-11-02T12:00:00.000Z',
      traits: { email: 'ana@example.com', phone: '+15039051305', firstName: 'Ana', loyaltyTier: 'gold' },
      context: { source: 'crm', channel: 'crm' },
    });
    expect(c4?.traits).toMatchObject({ firstName: 'Di\nAnn', lastName: 'Park', city: 'Bend, OR' });
  });

  it('sends a row with an invalid email or phone without it, counting the warning by reason in the report', async () => {
    const csv = [
      CRM_HEADER,
      'c1,ana@example,(503) 905-1305,2026-10-01,Ana,Lee,Portland,OR,gold',
      'c2,bo@example.com,12,2026-10-01,Bo,Ng,Salem,OR,silver',
      'c3,cy@@example.com,,2026-10-01,Cy,Oh,Eugene,OR,gold',
      'c4,di@example.com,,2026-10-01,Di,Park,Bend,OR,bronze',
    ].join('\n');
    const m = memory();
    const report = await run('landing/crm/contacts.csv', csv, m.deps);
    expect(report).toMatchObject({ status: 'completed', rowsRead: 4, sent: 4, rejected: 0, duplicates: 0, unsent: 0, rowsWithWarnings: 3 });
    expect(report.rowWarnings).toEqual({
      'column "email" is not a valid email address (left out)': 2,
      'column "phone" is not a valid phone number (left out)': 1,
    });
    const traits = m.events().map((e) => e.event.traits as Record<string, unknown>);
    expect(traits.map((t) => [t.email, t.phone])).toEqual([
      [undefined, '+15039051305'],
      ['bo@example.com', undefined],
      [undefined, undefined],
      ['di@example.com', undefined],
    ]);
    expect(traits[0]).not.toHaveProperty('emailRaw');
  });

  it("rejects rows with an invalid email or phone when the source's file mapping says invalidIdentifiers: 'reject'", async () => {
    const crm = raw.collection?.sources?.crm?.file;
    if (crm === undefined) throw new Error('the config has no crm file mapping');
    const strict = parseConfig({ ...raw, collection: { ...raw.collection, sources: { ...raw.collection?.sources, crm: { file: { ...crm, invalidIdentifiers: 'reject' } } } } });
    const m = memory(undefined, importSettings(strict));
    const csv = [CRM_HEADER, 'c1,ana@example,,2026-10-01,Ana,Lee,Portland,OR,gold', 'c2,bo@example.com,,2026-10-01,Bo,Ng,Salem,OR,silver'].join('\n');
    const report = await run('landing/crm/contacts.csv', csv, m.deps);
    expect(report).toMatchObject({ rowsRead: 2, sent: 1, rejected: 1, rowsWithWarnings: 0, rowWarnings: {} });
    expect(report.reasons).toEqual({ 'column "email" is not a valid email address': 1 });
    const rejects = parse(m.rejects.text, { columns: true }) as Record<string, string>[];
    expect(rejects.map((r) => [r._line, r.customer_id])).toEqual([['2', 'c1']]);
  });

  it('checks each row against the tracking plan: a blocked row goes to the rejects file with the reason, an allowed one is flagged as checked', async () => {
    const plan = { events: { 'Ticket Closed': { properties: { csat: { type: 'integer', min: 1, max: 5 } }, required: ['csat'] } } } as const;
    const lines = [JSON.stringify({ ticket_id: 'T1', email: 'ana@example.com', csat: 5 }), JSON.stringify({ ticket_id: 'T2', email: 'bo@example.com', csat: 9 }), ''].join('\n');

    const blocking = memory(undefined, importSettings(parseConfig({ ...raw, trackingPlan: { ...plan, sources: { support: 'block' } } })));
    const report = await run('landing/support/tickets.jsonl', lines, blocking.deps);
    expect(report).toMatchObject({ rowsRead: 2, sent: 1, rejected: 1 });
    const [reason] = Object.keys(report.reasons);
    expect(reason).toMatch(/^tracking plan: Ticket Closed: .*csat/);
    expect(blocking.events().map((e) => [e.event.properties.ticketId, e.event.context.c360])).toEqual([['T1', { plan: 'checked' }]]);

    const flagging = memory(undefined, importSettings(parseConfig({ ...raw, trackingPlan: plan })));
    const flagged = await run('landing/support/tickets.jsonl', lines, flagging.deps);
    expect(flagged).toMatchObject({ rowsRead: 2, sent: 2, rejected: 0 });
    const t2 = flagging.events().find((e) => e.event.properties.ticketId === 'T2');
    expect(t2?.event.context.c360.plan).toBe('checked');
    expect(t2?.event.context.c360.violations).toEqual([expect.objectContaining({ property: 'csat' })]);
  });

  it('applies an exact duplicate row once and counts it, with its line and the line it repeats; blank lines are counted', async () => {
    const row = 'c1,ana@example.com,,2026-10-01,Ana,Lee,Portland,OR,gold';
    const csv = [CRM_HEADER, row, '', row.replace('gold', 'silver'), '', '', row, 'c2,,,2026-10-01,Bo,Ng,Salem,OR,silver', ''].join('\n');
    const m = memory();
    const report = await run('landing/crm/contacts.csv', csv, m.deps);
    expect(report).toMatchObject({ rowsRead: 4, sent: 3, rejected: 0, duplicates: 1, unsent: 0, blankLines: 3 });
    expect(report.duplicateLines).toEqual([{ line: 7, sameAs: 2 }]);
    expect(report.rowsRead).toBe(report.sent + report.rejected + report.duplicates + report.unsent);
    expect(m.events().map((e) => e.event.context.file.line)).toEqual([2, 4, 8]);

    // JSON Lines: the same line twice is one event; whitespace-only lines are blank.
    const line = JSON.stringify({ ticket_id: 'T1', email: 'ana@example.com', csat: 5 });
    const jsonl = memory();
    const r = await run('landing/support/tickets.jsonl', [line, '  ', line, JSON.stringify({ ticket_id: 'T2' }), ''].join('\n'), jsonl.deps);
    expect(r).toMatchObject({ rowsRead: 3, sent: 2, duplicates: 1, blankLines: 1, duplicateLines: [{ line: 3, sameAs: 1 }] });
  });

  it('counts lines the same with CRLF line ends, inside quoted fields too', async () => {
    const m = memory();
    const report = await run('landing/crm/contacts.csv', CRM_CSV.replace(/\n/g, '\r\n'), m.deps);
    expect(report).toMatchObject({ rowsRead: 7, sent: 3, rejected: 4 });
    const rejects = parse(m.rejects.text, { columns: true }) as Record<string, string>[];
    expect(rejects.map((r) => r._line)).toEqual(['3', '4', '7', '8']);
    expect(m.events().map((e) => e.event.context.file.line)).toEqual([2, 5, 11]);
  });

  it('gives the same messageIds when the same file is imported again', async () => {
    const first = memory();
    const second = memory();
    await run('landing/crm/contacts.csv', CRM_CSV, first.deps);
    await run('landing/crm/contacts.csv', CRM_CSV, second.deps);
    const ids = (x: ReturnType<typeof memory>) => x.events().map((e) => e.event.messageId as string);
    expect(ids(second)).toEqual(ids(first));
    expect(new Set(ids(first)).size).toBe(3);
  });

  it('imports JSON Lines, rejecting lines that are not JSON objects into a JSONL rejects file', async () => {
    const lines = [
      JSON.stringify({ ticket_id: 'T1', email: 'Ana@Example.com', closed_at: '2026-10-03T10:00:00Z', csat: 5, topic: 'returns' }),
      '{"ticket_id": "T2", "email": "bo@example.com", "csat": "great"}',
      'not json',
      '',
      '[1, 2]',
      JSON.stringify({ ticket_id: 'T3', email: 'cy@example.com', csat: '4' }),
      JSON.stringify({ email: 'no-ticket@example.com' }),
    ].join('\n');
    const m = memory();
    const report = await run('landing/support/tickets.jsonl', lines, m.deps);
    expect(report).toMatchObject({ format: 'jsonl', status: 'completed', rowsRead: 6, sent: 2, rejected: 4 });

    const rejects = m.rejects.text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(m.rejects.format).toBe('jsonl');
    expect(rejects.map((r) => [r._line, r._reason])).toEqual([
      [2, 'column "csat" is not a number'],
      [3, expect.stringMatching(/^invalid JSON/)],
      [5, 'a line must be a JSON object'],
      [7, 'missing identifier: column "ticket_id" is empty'],
    ]);
    // The original object is kept beside _line and _reason; an unreadable line as _raw.
    expect(rejects[0]).toMatchObject({ ticket_id: 'T2', csat: 'great' });
    expect(rejects[1]).toMatchObject({ _raw: 'not json' });

    const events = m.events().map((e) => e.event);
    expect(events.map((e) => [e.messageId, e.event, e.properties.csat])).toEqual([
      ['support:T1', 'Ticket Closed', 5],
      ['support:T3', 'Ticket Closed', 4],
    ]);
    expect(events[0]?.context.traits).toMatchObject({ email: 'ana@example.com' });
    // A row without a time takes the file's.
    expect(events[1]?.timestamp).toBe(new Date(FILE_TIME).toISOString());
  });

  it('reads gzipped CSV and JSON Lines, counting the compressed bytes', async () => {
    const csv = memory();
    const gz = gzipSync(CRM_CSV);
    const report = await run('landing/crm/contacts.csv.gz', gz, csv.deps);
    expect(report).toMatchObject({ compressed: true, rowsRead: 7, sent: 3, rejected: 4, bytesRead: gz.length });

    const jsonl = memory();
    const body = gzipSync(`${JSON.stringify({ receipt_id: 'R1', total: '9.5', purchased_at: '2026-10-01' })}\n`);
    expect(await run('landing/pos/receipts.ndjson.gz', body, jsonl.deps)).toMatchObject({ format: 'jsonl', rowsRead: 1, sent: 1 });
    expect(jsonl.events()[0]?.event.properties).toMatchObject({ orderId: 'R1', total: 9.5 });
  });

  it('rejects the whole file of an unknown source, or of a source without a file mapping, without reading it', async () => {
    for (const [key, reason] of [
      ['landing/erp/orders.csv', /^unknown source "erp": .*configured sources: web, app, crm, pos, support/],
      ['landing/web/events.csv', /^source "web" has no file mapping: add collection.sources.web.file/],
      ['landing/crm/contacts.xlsx', /^unsupported file type/],
    ] as const) {
      const m = memory();
      const body = Readable.from([Buffer.from(CRM_CSV)]);
      const report = await importFile({ key, body, fileTime: FILE_TIME }, m.deps);
      expect(report).toMatchObject({ status: 'rejected', rowsRead: 0, sent: 0, rejected: 0, unsent: 0 });
      expect(report.reason).toMatch(reason);
      expect(m.reports).toEqual([report]);
      expect(m.sent).toEqual([]);
      expect(m.rejects.format).toBeUndefined();
      expect(body.destroyed).toBe(true);
    }
  });

  it('rejects a CSV whose header has none of the identifier columns, and warns about other missing columns', async () => {
    const m = memory();
    const report = await run('landing/crm/contacts.csv', 'id,email\n1,a@b.co\n', m.deps);
    expect(report.status).toBe('rejected');
    expect(report.reason).toMatch(/none of the identifier columns of source "crm" \(customer_id\); its columns are id, email/);

    const partial = memory();
    const ok = await run('landing/crm/contacts.csv', 'customer_id,email\nc1,a@b.co\n', partial.deps);
    expect(ok).toMatchObject({ status: 'completed', sent: 1 });
    expect(ok.warnings).toEqual([expect.stringMatching(/^mapped columns not in the header \(left empty\): phone, updated_at, first_name/)]);
  });

  it('writes an empty rejects file (header only) when every row is sent, replacing an older one', async () => {
    const m = memory();
    await run('landing/crm/contacts.csv', 'customer_id\nc1\n', m.deps);
    expect(m.rejects).toEqual({ format: 'csv', text: 'customer_id,_line,_reason\n', closed: true });
  });

  it('stops at a CSV syntax error with a failed report whose counts still add up', async () => {
    const m = memory();
    const body = `${CRM_HEADER}\nc1,a@b.co,,2026-10-01,A,B,C,D,E\nc2,"unclosed,,2026-10-01,A,B,C,D,E\n`;
    const err = await run('landing/crm/contacts.csv', body, m.deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportFailedError);
    const report = (err as ImportFailedError).report;
    expect(report).toMatchObject({ status: 'failed', rowsRead: 1, sent: 1, rejected: 0, unsent: 0 });
    expect(report.reason).toMatch(/^CSV syntax error \(CSV_QUOTE_NOT_CLOSED\)/);
    expect(m.reports).toEqual([report]);
  });

  it('reports a file that is not gzip as failed', async () => {
    const m = memory();
    const err = await run('landing/crm/contacts.csv.gz', CRM_CSV, m.deps).catch((e: unknown) => e);
    expect((err as ImportFailedError).report).toMatchObject({ status: 'failed', reason: expect.stringMatching(/not valid gzip/) });
  });

  it("follows the mapping's delimiter, in the rejects file too, and keeps a stray quote inside an unquoted field", async () => {
    const custom = parseConfig({
      collection: { sources: { shop: { file: { type: 'track', event: 'Item Returned', userId: 'kunde', properties: { note: 'notiz', amount: 'betrag' }, numbers: ['betrag'], delimiter: ';' } } } },
    });
    const m = memory();
    const report = await run('landing/shop/returns.csv', 'kunde;notiz;betrag\nk1;5" screen;12.5\nk2;"a; b";x\n', { ...m.deps, settings: importSettings(custom) });
    expect(report).toMatchObject({ rowsRead: 2, sent: 1, rejected: 1, reasons: { 'column "betrag" is not a number': 1 } });
    expect(m.events()[0]?.event).toMatchObject({ userId: 'k1', event: 'Item Returned', properties: { note: '5" screen', amount: 12.5 } });
    // In the input's delimiter, so that a fixed rejects file can be dropped in again.
    expect(m.rejects.text).toBe('kunde;notiz;betrag;_line;_reason\nk2;"a; b";x;3;"column ""betrag"" is not a number"\n');
  });

  it('puts reports under reports/<source>/, outside landing/ so writing them starts no import', () => {
    const keys = reportKeys('landing/crm/2026/contacts.csv.gz');
    expect(keys.report).toBe('reports/crm/2026/contacts.csv.gz.report.json');
    expect(keys.rejects('csv')).toBe('reports/crm/2026/contacts.csv.gz.rejects.csv');
    expect(fileKind('x.NDJSON')).toEqual({ format: 'jsonl', gzip: false });
  });
});

describe('batch file import through Kinesis PutRecords', () => {
  const kinesis = mockClient(KinesisClient);
  beforeEach(() => kinesis.reset());

  it('retries the entries PutRecords failed, and counts every row sent once', async () => {
    const calls: string[][] = [];
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
      const ids = input.Records?.map((r) => JSON.parse(Buffer.from(r.Data as Uint8Array).toString()).userId as string) ?? [];
      calls.push(ids);
      // The first call throttles the second and third entries.
      const failed = calls.length === 1 ? new Set([1, 2]) : new Set<number>();
      return {
        FailedRecordCount: failed.size,
        Records: ids.map((_, i) =>
          failed.has(i) ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' } : { SequenceNumber: `${i}`, ShardId: 's' },
        ),
      };
    });
    const m = memory(kinesisEventSink(new KinesisClient({ region: 'us-east-1' }), 'events', { baseDelayMs: 1 }));
    const report = await run('landing/crm/contacts.csv', CRM_CSV, m.deps);
    expect(calls).toEqual([
      ['c1', 'c4', 'c7'],
      ['c4', 'c7'],
    ]);
    expect(report).toMatchObject({ status: 'completed', rowsRead: 7, sent: 3, rejected: 4, putRecordsCalls: 2, retriedEntries: 2 });
    const first = kinesis.commandCalls(PutRecordsCommand)[0]?.args[0].input;
    expect(first?.StreamName).toBe('events');
    expect(first?.Records?.map((r) => r.PartitionKey)).toEqual(['c1', 'c4', 'c7']);
  });

  it('fails the import when entries keep failing, with a report saying how many rows were not sent', async () => {
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: 1,
      Records: (input.Records ?? []).map((_, i) => (i === 0 ? { ErrorCode: 'InternalFailure', ErrorMessage: 'boom' } : { SequenceNumber: '1', ShardId: 's' })),
    }));
    const m = memory(kinesisEventSink(new KinesisClient({ region: 'us-east-1' }), 'events', { baseDelayMs: 1, maxAttempts: 3 }));
    const err = await run('landing/crm/contacts.csv', CRM_CSV, m.deps).catch((e: unknown) => e);
    const report = (err as ImportFailedError).report;
    expect(report).toMatchObject({ status: 'failed', rowsRead: 7, sent: 0, rejected: 4, unsent: 3 });
    expect(report.reason).toMatch(/could not be written to the stream \(InternalFailure: boom\)/);
    expect(report.rowsRead).toBe(report.sent + report.rejected + report.unsent);
    expect(m.reports).toEqual([report]);
  });
});

describe('batch file import memory', () => {
  it('never holds more than a few batches of a 200k-row file: reading waits for sending', async () => {
    const total = 200_000;
    const batchSize = 500;
    let generated = 0;
    let settled = 0;
    let maxAhead = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    let batches = 0;
    /** The file, produced lazily, a line at a time, only as fast as the pipeline reads. */
    async function* lines() {
      yield Buffer.from('customer_id,email,updated_at\n');
      for (let i = 0; i < total; i += 10) {
        let chunk = '';
        for (let j = i; j < i + 10; j++) chunk += `c${j},p${j}@example.com,2026-10-01\n`;
        generated += 10;
        yield Buffer.from(chunk);
      }
    }
    const m = memory({
      async put(records) {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        maxAhead = Math.max(maxAhead, generated - settled);
        batches++;
        // A sink that takes a while: without backpressure, the reader would race ahead.
        await new Promise((resolve) => setTimeout(resolve, 1));
        settled += records.length;
        concurrent--;
        return { calls: 1, retried: 0 };
      },
    });
    const report = await importFile(
      { key: 'landing/crm/big.csv', body: Readable.from(lines(), { objectMode: false }), fileTime: FILE_TIME },
      { ...m.deps, batchSize, maxInFlightBatches: 2 },
    );
    expect(report).toMatchObject({ status: 'completed', rowsRead: total, sent: total, rejected: 0 });
    expect(batches).toBe(total / batchSize);
    expect(maxConcurrent).toBe(2);
    // In flight (2 batches) + the one being filled + what stream buffers hold (16 KiB per stage, ~40-byte lines).
    // Rows ahead of the sink: the 2 batches in flight and the one being filled, plus what the stream
    // stages buffer (four byte buffers of the default high-water mark, a few dozen parsed records).
    const shortestLine = 'c0,p0@example.com,2026-10-01\n'.length;
    const streamBuffers = Math.ceil((4 * getDefaultHighWaterMark(false)) / shortestLine) + 64;
    expect(maxAhead).toBeLessThanOrEqual(3 * batchSize + streamBuffers);
    expect(maxAhead).toBeLessThan(total / 20);
  });
});
