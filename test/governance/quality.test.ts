/**
 * Data quality on a hand-built lake with known defects: every rule measured
 * by its DuckDB SQL over each table's latest partition, each defective rule
 * failing and each clean one passing with the observed value it should have,
 * the quarantine by reason, and `c360 quality` (report, --json, exit code).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalWarehouse } from '../../lambda/analytics/adapters/duckdb-warehouse';
import { exportObjectKey, IDENTITY_COLUMNS, PROFILE_COLUMNS } from '../../lambda/analytics/contracts/curated';
import type { Warehouse } from '../../lambda/analytics/ports';
import { parseConfig, type C360Config, type C360ConfigInput } from '../../lambda/config';
import { effectiveQualityRules } from '../../lambda/config/governance-quality';
import { DuckDbQualityWarehouse } from '../../lambda/governance/adapters/duckdb-quality';
import { formatReportTable, type QualityReport, type QualityResult } from '../../lambda/governance/core/quality/report';
import { evaluateQuality } from '../../lambda/governance/usecases/quality';
import { registerQualityCommand } from '../../bin/commands/quality';
import { runCommand } from '../support/cli';
import { writeParquet } from '../analytics/support/fixture-lake';

const NOW = new Date('2026-12-01T18:00:00.000Z');
const LATEST_EXPORT = '20261201T000000Z';

type Json = Record<string, unknown>;
const ev = (over: Json): Json => ({
  type: 'track',
  event: 'Order Completed',
  timestamp: '2026-11-30T10:00:00.000Z',
  receivedAt: '2026-11-30T10:00:01.000Z',
  userId: 'u1',
  context: { source: 'web' },
  ...over,
});

/** In the checked days: 10 events, with one repeat (m1), one without a messageId, one unknown type, one time that is not ISO-8601. */
const RAW_LATEST: Record<string, Json[]> = {
  'raw/source=web/dt=2026-11-30/a.jsonl.gz': [
    ev({ messageId: 'm1' }),
    ev({ messageId: 'm1' }),
    ev({ messageId: 'm2', type: 'identify', event: undefined, timestamp: '2026-11-30T11:00:00+01:00', receivedAt: '2026-11-30T10:00:02.000Z' }),
    ev({ messageId: 'm3', type: 'page', event: undefined, name: 'Home' }),
    ev({ messageId: 'm4', type: 'screen', event: undefined, name: 'Cart' }),
    ev({ messageId: 'm5', timestamp: 'not a time' }),
    ev({ messageId: 'm6', type: 'bogus' }),
    ev({}),
    ev({ messageId: 'm7', type: 'alias', previousId: 'a1' }),
  ],
  'raw/source=web/dt=2026-12-01/b.jsonl.gz': [ev({ messageId: 'm8', timestamp: '2026-12-01T11:59:00.000Z', receivedAt: '2026-12-01T12:00:00.000Z' })],
  // Older than the checked days: its defects must not count.
  'raw/source=web/dt=2026-11-20/c.jsonl.gz': [ev({ type: 'junk', timestamp: '2026-11-20T10:00:00.000Z' }), ev({ type: 'junk' })],
};
const QUARANTINE: Record<string, Json[]> = {
  'quarantine/source=web/dt=2026-12-01/q.jsonl': [
    { reason: 'tracking plan: Order Completed: total: required', sequenceNumber: '1', receivedAt: '2026-12-01T10:00:00.000Z', data: '{}', encoding: 'utf8' },
    { reason: 'tracking plan: Order Completed: total: required', sequenceNumber: '2', receivedAt: '2026-12-01T10:00:00.000Z', data: '{}', encoding: 'utf8' },
    { reason: 'invalid JSON', sequenceNumber: '3', receivedAt: '2026-12-01T10:00:00.000Z', data: 'x', encoding: 'utf8' },
    { sequenceNumber: '4', receivedAt: '2026-12-01T10:00:00.000Z', data: 'y', encoding: 'utf8' },
  ],
  'quarantine/source=firehose/dt=2026-12-01/processing-failed-1.jsonl.gz': [{ errorCode: 'DynamicPartitioning.MetadataExtractionFailed', errorMessage: 'Non JSON record', rawData: 'eHg=' }],
  'quarantine/source=web/dt=2026-11-20/old.jsonl': [{ sequenceNumber: '9', data: 'z', encoding: 'utf8' }],
};

const profile = (over: Json): Json => ({ profile_id: 'p1', created_at: '2026-11-01 00:00:00', updated_at: '2026-12-01 00:00:00', last_seen: '2026-12-01 06:00:00', ...over });
/** The latest export: p1 twice, one malformed email, one missing, one malformed phone. The older export is clean. */
const PROFILES_LATEST = [
  profile({ email: 'ana@example.com', phone: '+15035550100' }),
  profile({ email: 'ana@example.com', phone: '+15035550100' }),
  profile({ profile_id: 'p2', email: 'not-an-email', phone: '+15035550101' }),
  profile({ profile_id: 'p3', email: null, phone: 'abc' }),
];
const PROFILES_OLD = [profile({ profile_id: 'p9', email: 'old@example.com', phone: '+15035550109' })];
const IDENTITIES_LATEST = [
  { profile_id: 'p1', identifier_type: 'email', identifier_value: 'ana@example.com' },
  { profile_id: 'p2', identifier_type: 'userId', identifier_value: 'u2' },
];

async function writeLines(root: string, files: Record<string, Json[]>): Promise<void> {
  for (const [path, lines] of Object.entries(files)) {
    const file = join(root, path);
    await mkdir(dirname(file), { recursive: true });
    const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
    await writeFile(file, path.endsWith('.gz') ? gzipSync(text) : text);
  }
}

async function writeFixture(dataDir: string): Promise<void> {
  await writeLines(join(dataDir, 'lake'), { ...RAW_LATEST, ...QUARANTINE });
  const curated = join(dataDir, 'curated');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await writeParquet(connection, join(curated, exportObjectKey('profiles', LATEST_EXPORT, 0)), PROFILE_COLUMNS, PROFILES_LATEST);
    await writeParquet(connection, join(curated, exportObjectKey('profiles', '20261120T000000Z', 0)), PROFILE_COLUMNS, PROFILES_OLD);
    await writeParquet(connection, join(curated, exportObjectKey('identities', LATEST_EXPORT, 0)), IDENTITY_COLUMNS, IDENTITIES_LATEST);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The defaults plus a rule of each kind that the fixture passes and one it fails. */
const CONFIG: C360ConfigInput = {
  governance: {
    quality: {
      rules: {
        raw_events: {
          fewEvents: { kind: 'rowCount', max: 5 },
          staleTimestamp: { kind: 'freshness', column: 'timestamp', maxAgeHours: 1 },
          sourceKnown: { kind: 'allowedValues', column: 'source', values: ['web'] },
          sourceFormat: { kind: 'format', column: 'source', pattern: '^[a-z]+$' },
          brokenSql: { kind: 'customSql', sql: 'SELECT count(no_such_column) FROM {raw_events}', op: '=', value: 0, severity: 'warn' },
        },
        quarantine: { fewQuarantined: { kind: 'customSql', sql: 'SELECT count(*) FROM {quarantine}', op: '<=', value: 10 } },
        profiles: { lastSeenFresh: { kind: 'freshness', column: 'last_seen', maxAgeHours: 48 } },
      },
    },
  },
};

let dir: string;
let dataDir: string;
let config: C360Config;
let warehouse: Warehouse;
let report: QualityReport;
const result = (table: string, rule: string): QualityResult => {
  const found = report.results.find((r) => r.table === table && r.rule === rule);
  if (found === undefined) throw new Error(`no result for ${table}.${rule}`);
  return found;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c360-quality-'));
  dataDir = join(dir, 'data');
  await writeFixture(dataDir);
  config = parseConfig(CONFIG);
  warehouse = await openLocalWarehouse({ lakeDir: join(dataDir, 'lake'), curatedDir: join(dataDir, 'curated'), segmentEventsFile: join(dataDir, 'bus', 'segment-events.jsonl') });
  report = await evaluateQuality({ rules: effectiveQualityRules(config.governance.quality), warehouse: new DuckDbQualityWarehouse(warehouse), now: NOW });
}, 60_000);

afterAll(async () => {
  await warehouse?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the checked rows', () => {
  it('are each table\'s latest partition: the newest two days, the latest export; tables without data are skipped', () => {
    expect(report.scopes).toEqual({ raw_events: "dt >= '2026-11-30'", quarantine: "dt >= '2026-11-30'", profiles: `export_id = '${LATEST_EXPORT}'`, identities: `export_id = '${LATEST_EXPORT}'` });
    expect(report.skipped).toEqual(['segment_membership']);
    expect(report.results.some((r) => r.table === 'segment_membership')).toBe(false);
  });
});

describe('raw events', () => {
  it('a missing messageId fails completeness: 9 of 10', () => {
    expect(result('raw_events', 'messageIdComplete')).toMatchObject({ status: 'fail', observed: 0.9, expected: '>= 1', severity: 'error', kind: 'completeness' });
  });

  it('a repeated messageId fails uniqueness: 7 of 10 values occur once (the missing one counts against)', () => {
    expect(result('raw_events', 'messageIdUnique')).toMatchObject({ status: 'fail', observed: 0.7, expected: '>= 0.99', severity: 'warn' });
  });

  it('an unknown type fails the allowed values: 9 of 10 (the older partition\'s junk is not checked)', () => {
    expect(result('raw_events', 'typeKnown')).toMatchObject({ status: 'fail', observed: 0.9 });
    expect(result('raw_events', 'sourceKnown')).toMatchObject({ status: 'pass', observed: 1 });
  });

  it('a time that is not ISO-8601 fails the format (offsets are ISO); receivedAt and a pattern pass', () => {
    expect(result('raw_events', 'timestampIso')).toMatchObject({ status: 'fail', observed: 0.9, expected: '>= 0.99' });
    expect(result('raw_events', 'receivedAtIso')).toMatchObject({ status: 'pass', observed: 1 });
    expect(result('raw_events', 'sourceFormat')).toMatchObject({ status: 'pass', observed: 1 });
  });

  it('freshness is the newest value\'s age in hours: 6 h passes a day, 6 h 1 min fails an hour', () => {
    expect(result('raw_events', 'fresh')).toMatchObject({ status: 'pass', observed: 6, expected: '<= 24 hours' });
    const stale = result('raw_events', 'staleTimestamp');
    expect(stale.status).toBe('fail');
    expect(stale.observed).toBeCloseTo(6 + 1 / 60, 9);
  });

  it('row counts are of the checked rows: 10 passes a minimum of 1 and fails a maximum of 5', () => {
    expect(result('raw_events', 'notEmpty')).toMatchObject({ status: 'pass', observed: 10, expected: '>= 1' });
    expect(result('raw_events', 'fewEvents')).toMatchObject({ status: 'fail', observed: 10, expected: '<= 5' });
  });

  it('a query DuckDB rejects is an error with its message, and the other rules still run', () => {
    const broken = result('raw_events', 'brokenSql');
    expect(broken).toMatchObject({ status: 'error', observed: null, severity: 'warn' });
    expect(broken.message).toMatch(/no_such_column/);
  });
});

describe('quarantine', () => {
  it('a record without reason or error message fails reasonComplete (the older one is not checked)', () => {
    expect(result('quarantine', 'reasonComplete')).toMatchObject({ status: 'fail', observed: 1, expected: '= 0', kind: 'customSql' });
  });

  it('the quarantine rate is 5 of 15 received, above the 5% bound; a count within its bound passes', () => {
    const rate = result('quarantine', 'rateBound');
    expect(rate.status).toBe('fail');
    expect(rate.observed).toBeCloseTo(5 / 15, 12);
    expect(result('quarantine', 'fewQuarantined')).toMatchObject({ status: 'pass', observed: 5 });
  });

  it('reports the quarantine by source and reason with each share of what was received', () => {
    expect(report.quarantine.map((q) => [q.source, q.reason, q.records])).toEqual([
      ['web', 'tracking plan: Order Completed: total: required', 2],
      ['firehose', 'Non JSON record', 1],
      ['web', 'invalid JSON', 1],
      ['web', null, 1],
    ]);
    expect(report.quarantine[0]?.share).toBeCloseTo(2 / 15, 12);
  });
});

describe('curated tables', () => {
  it('a repeated profile id fails uniqueness in the latest export: 2 of 4', () => {
    expect(result('profiles', 'profileIdUnique')).toMatchObject({ status: 'fail', observed: 0.5, severity: 'error' });
  });

  it('malformed and missing emails and a malformed phone fail their formats', () => {
    expect(result('profiles', 'emailFormat')).toMatchObject({ status: 'fail', observed: 0.5 });
    expect(result('profiles', 'phoneFormat')).toMatchObject({ status: 'fail', observed: 0.75 });
  });

  it('clean columns pass: complete timestamps, a fresh timestamp column, complete identities', () => {
    expect(result('profiles', 'updatedAtComplete')).toMatchObject({ status: 'pass', observed: 1 });
    expect(result('profiles', 'lastSeenFresh')).toMatchObject({ status: 'pass', observed: 12 });
    expect(result('identities', 'profileIdComplete')).toMatchObject({ status: 'pass', observed: 1 });
    expect(result('identities', 'identifierComplete')).toMatchObject({ status: 'pass', observed: 1 });
  });
});

describe('the report text', () => {
  it('shows each rule\'s status and observed value, the quarantine and a summary', () => {
    const text = formatReportTable(report);
    expect(text).toMatch(/raw_events\s+messageIdComplete\s+completeness\s+error\s+FAIL\s+0\.9\s+>= 1/);
    expect(text).toMatch(/profiles\s+updatedAtComplete\s+completeness\s+error\s+pass\s+1\s+>= 1/);
    expect(text).toMatch(/Quarantine by reason/);
    expect(text).toMatch(/\d+ passed, \d+ failed, 1 errors; not evaluated \(no data yet\): segment_membership/);
  });
});

describe('c360 quality', () => {
  const run = (cfg: C360Config, args: string[], data = dataDir) =>
    runCommand((program, write) => registerQualityCommand(program, { config: cfg, dataDir: data, write, now: () => NOW }), ['quality', ...args]);

  it('prints the report and exits 1 when a rule of severity error fails', async () => {
    const out = await run(config, []);
    expect(out.out).toMatch(/messageIdComplete/);
    expect(out.exit?.exitCode).toBe(1);
    expect(out.err).toMatch(/a rule of severity error failed/);
  });

  it('--json prints the report model', async () => {
    const out = await run(config, ['--json']);
    const json = JSON.parse(out.out) as QualityReport;
    expect(json.evaluatedAt).toBe(NOW.toISOString());
    expect(json.results.find((r) => r.rule === 'typeKnown')).toEqual({ table: 'raw_events', rule: 'typeKnown', kind: 'allowedValues', status: 'fail', observed: 0.9, expected: '>= 1', severity: 'error' });
    expect(json.quarantine).toHaveLength(4);
  });

  it('exits 0 when only warn rules fail', async () => {
    const warnOnly = parseConfig({
      governance: { quality: { useDefaults: false, rules: { raw_events: { fewEvents: { kind: 'rowCount', max: 5, severity: 'warn' }, some: { kind: 'rowCount', min: 1 } } } } },
    });
    const out = await run(warnOnly, []);
    expect(out.exit).toBeUndefined();
    expect(out.out).toMatch(/1 passed, 1 failed, 0 errors/);
  });

  it('on an empty lake evaluates nothing and exits 0', async () => {
    const empty = join(dir, 'empty');
    const out = await run(parseConfig({}), [], empty);
    expect(out.exit).toBeUndefined();
    expect(out.out).toMatch(/0 passed, 0 failed, 0 errors; not evaluated \(no data yet\): raw_events, quarantine, profiles, identities, segment_membership/);
  });
});
