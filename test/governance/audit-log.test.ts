import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirehoseClient, PutRecordBatchCommand, type _Record } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileAuditLog } from '../../lambda/governance/adapters/file-audit-log';
import { FirehoseAuditLog, MAX_BYTES_PER_CALL, MAX_RECORDS_PER_CALL } from '../../lambda/governance/adapters/firehose-audit-log';
import {
  AUDIT_COLUMNS,
  AUDIT_FIREHOSE_PREFIX,
  AUDIT_PREFIX,
  auditObjectKey,
  decodeAuditLine,
  encodeAuditLine,
  type AuditRecord,
} from '../../lambda/governance/contracts/audit';

const DAY1 = Date.UTC(2026, 10, 1, 23, 59);
const DAY2 = Date.UTC(2026, 10, 2, 0, 1);

const merge = (n: number, extra: Partial<AuditRecord> = {}): AuditRecord => ({
  at: new Date(DAY1 - n * 1000).toISOString(),
  action: 'profile.merge',
  actor: 'service:unify-consumer',
  subject: `hash-${n}`,
  detail: { rule: 'shared-identifier', merged: `hash-m${n}`, messageId: `m-${n}` },
  ...extra,
});

describe('audit lines', () => {
  it('hold the Glue columns in order, with detail as a JSON string, and read back as the record', () => {
    const record = merge(1);
    const line = encodeAuditLine(record);
    expect(Object.keys(JSON.parse(line) as object)).toEqual(AUDIT_COLUMNS.map((c) => c.name));
    expect(typeof (JSON.parse(line) as { detail: unknown }).detail).toBe('string');
    expect(line).not.toContain('\n');
    expect(decodeAuditLine(line)).toEqual(record);
  });

  it('leave out a subject and a detail the record does not have', () => {
    const record: AuditRecord = { at: '2026-11-01T00:00:00.000Z', action: 'export.run', actor: 'service:profile-export' };
    expect(JSON.parse(encodeAuditLine(record))).toEqual(record);
    expect(decodeAuditLine(encodeAuditLine(record))).toEqual(record);
  });

  it('refuse, without quoting it, a line that is not a record', () => {
    expect(() => decodeAuditLine('{"at":"x@example.com"')).toThrow('audit line is not JSON');
    expect(() => decodeAuditLine('{"at":"2026-11-01T00:00:00Z","action":"profile.delete","actor":"a"}')).toThrow(/unknown `action`/);
    expect(() => decodeAuditLine('{"at":"2026-11-01T00:00:00Z","action":"export.run","actor":"a","detail":{"a":1}}')).toThrow(/`detail`/);
    expect(() => decodeAuditLine('{"at":"2026-11-01T00:00:00Z","action":"export.run","actor":"a","detail":"{\\"a\\":{}}"}')).toThrow(/plain values/);
  });

  it('land under audit/dt=<day>/ deployed, where the Glue table and the key helper expect them', () => {
    expect(AUDIT_FIREHOSE_PREFIX.startsWith(AUDIT_PREFIX)).toBe(true);
    expect(AUDIT_FIREHOSE_PREFIX).toBe('audit/dt=!{timestamp:yyyy-MM-dd}/');
    expect(auditObjectKey(new Date(DAY2), 'abc')).toBe('audit/dt=2026-11-02/20261102T000100000Z-abc.jsonl');
  });
});

describe('FileAuditLog', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-audit-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends JSON lines to the partition of the day it writes, creating the folders', async () => {
    let now = DAY1;
    const log = new FileAuditLog(join(dir, 'audit'), () => now);
    await log.append([merge(1), merge(2)]);
    await log.append([merge(3)]);
    now = DAY2;
    await log.append([merge(4)]);

    expect((await readdir(join(dir, 'audit'))).sort()).toEqual(['dt=2026-11-01', 'dt=2026-11-02']);
    const day1 = await readFile(join(dir, 'audit', 'dt=2026-11-01', 'audit.jsonl'), 'utf8');
    expect(day1).toBe([merge(1), merge(2), merge(3)].map((r) => encodeAuditLine(r) + '\n').join(''));
    expect(await log.days()).toEqual(['2026-11-01', '2026-11-02']);
    const read: AuditRecord[] = [];
    for await (const l of log.read()) if (l.record !== undefined) read.push(l.record);
    expect(read).toEqual([merge(1), merge(2), merge(3), merge(4)]);
  });

  it('never rewrites what is there, and keeps the file readable by its owner only', async () => {
    const log = new FileAuditLog(dir, () => DAY1);
    await log.append([merge(1)]);
    const file = join(dir, 'dt=2026-11-01', 'audit.jsonl');
    const first = await readFile(file, 'utf8');
    await log.append([merge(2)]);
    expect((await readFile(file, 'utf8')).startsWith(first)).toBe(true);
    expect((await stat(file)).mode & 0o077).toBe(0);
  });

  it('keeps the lines of one call together when calls run at once', async () => {
    const log = new FileAuditLog(dir, () => DAY1);
    const calls = Array.from({ length: 20 }, (_, c) => Array.from({ length: 50 }, (_, i) => merge(c * 100 + i)));
    await Promise.all(calls.map((records) => log.append(records)));
    const subjects: string[] = [];
    for await (const l of log.read()) subjects.push(l.record?.subject ?? 'unreadable');
    expect(subjects).toHaveLength(1000);
    // Each call's 50 lines form one run, in the call's order.
    for (let i = 0; i < subjects.length; i += 50) {
      const c = Number(subjects[i]?.slice('hash-'.length)) / 100;
      expect(subjects.slice(i, i + 50)).toEqual(calls[c]?.map((r) => r.subject));
    }
  });

  it('writes nothing for no records', async () => {
    const log = new FileAuditLog(join(dir, 'audit'), () => DAY1);
    await log.append([]);
    expect(await log.days()).toEqual([]);
  });

  it('reads from a day on, and reports a line it cannot read by where it is', async () => {
    const log = new FileAuditLog(dir, () => DAY1);
    await log.append([merge(1)]);
    await writeFile(join(dir, 'dt=2026-11-01', 'audit.jsonl'), 'not json\n', { flag: 'a' });
    const later = new FileAuditLog(dir, () => DAY2);
    await later.append([merge(2)]);
    const all = [];
    for await (const l of log.read()) all.push(l);
    expect(all).toEqual([
      { day: '2026-11-01', line: 1, record: merge(1) },
      { day: '2026-11-01', line: 2, unreadable: 'audit line is not JSON' },
      { day: '2026-11-02', line: 1, record: merge(2) },
    ]);
    const since = [];
    for await (const l of log.read('2026-11-02')) since.push(l.record);
    expect(since).toEqual([merge(2)]);
  });
});

describe('FirehoseAuditLog', () => {
  const firehose = mockClient(FirehoseClient);
  const STREAM = 'c360-audit';
  beforeEach(() => firehose.reset());
  const log = (maxAttempts = 4) => new FirehoseAuditLog(new FirehoseClient({ region: 'us-east-1' }), STREAM, { baseDelayMs: 1, maxAttempts });
  const calls = () => firehose.commandCalls(PutRecordBatchCommand).map((c) => c.args[0].input);
  const lines = (records: readonly _Record[] | undefined) => (records ?? []).map((r) => Buffer.from(r.Data as Uint8Array).toString('utf8'));

  /** Firehose behind the mock: `fail` decides which records of which call it rejects. */
  function fakeFirehose(fail: (line: string, call: number) => string | undefined = () => undefined) {
    const accepted: string[] = [];
    let call = 0;
    firehose.on(PutRecordBatchCommand).callsFake((input: { Records: _Record[] }) => {
      call++;
      const responses = lines(input.Records).map((line, i) => {
        const code = fail(line, call);
        if (code !== undefined) return { ErrorCode: code, ErrorMessage: 'slow down' };
        accepted.push(line);
        return { RecordId: `r-${call}-${i}` };
      });
      return { FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length, RequestResponses: responses };
    });
    return accepted;
  }

  it('puts each record as its JSON line with a newline to the delivery stream', async () => {
    const accepted = fakeFirehose();
    await log().append([merge(1), merge(2)]);
    expect(calls().map((c) => c.DeliveryStreamName)).toEqual([STREAM]);
    expect(accepted).toEqual([encodeAuditLine(merge(1)) + '\n', encodeAuditLine(merge(2)) + '\n']);
  });

  it('sends at most 500 records per call', async () => {
    const accepted = fakeFirehose();
    await log().append(Array.from({ length: 1201 }, (_, i) => merge(i)));
    expect(calls().map((c) => c.Records?.length)).toEqual([MAX_RECORDS_PER_CALL, MAX_RECORDS_PER_CALL, 201]);
    expect(accepted).toHaveLength(1201);
  });

  it('keeps each call under 4 MiB', async () => {
    fakeFirehose();
    const big = (i: number) => merge(i, { detail: { note: 'x'.repeat(300 * 1024) } });
    await log().append(Array.from({ length: 30 }, (_, i) => big(i)));
    const sizes = calls().map((c) => (c.Records ?? []).reduce((n, r) => n + (r.Data as Uint8Array).byteLength, 0));
    expect(sizes.length).toBeGreaterThan(2);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(MAX_BYTES_PER_CALL);
    expect(calls().flatMap((c) => c.Records ?? [])).toHaveLength(30);
  });

  it('sends again only the records Firehose did not take', async () => {
    const accepted = fakeFirehose((line, call) => (call === 1 && line.includes('"hash-1"') ? 'ServiceUnavailableException' : undefined));
    await log().append([merge(0), merge(1), merge(2)]);
    expect(calls().map((c) => lines(c.Records).map((l) => (JSON.parse(l) as AuditRecord).subject))).toEqual([['hash-0', 'hash-1', 'hash-2'], ['hash-1']]);
    expect(accepted).toHaveLength(3);
  });

  it('throws, naming how many and why, when a record is still not taken after the last attempt', async () => {
    fakeFirehose((line) => (line.includes('"hash-1"') ? 'ServiceUnavailableException' : undefined));
    await expect(log(3).append([merge(0), merge(1), merge(2)])).rejects.toThrow(
      'Firehose did not take 1 of 3 audit records for c360-audit after 3 attempts (ServiceUnavailableException ×1)',
    );
    expect(calls()).toHaveLength(3);
  });

  it('counts a record without a response as not taken', async () => {
    firehose.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'r-1' }] });
    await expect(log(1).append([merge(0), merge(1)])).rejects.toThrow(/1 of 2 audit records .* \(no response ×1\)/);
  });

  it('passes on a call that fails as a whole', async () => {
    firehose.on(PutRecordBatchCommand).rejects(new Error('AccessDeniedException'));
    await expect(log().append([merge(0)])).rejects.toThrow('AccessDeniedException');
  });

  it('refuses a record larger than Firehose takes rather than dropping it', async () => {
    fakeFirehose();
    await expect(log().append([merge(0, { detail: { note: 'x'.repeat(1024 * 1024) } })])).rejects.toThrow(/exceeds Firehose's record limit/);
    expect(calls()).toHaveLength(0);
  });
});
