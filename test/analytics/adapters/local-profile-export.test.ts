import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerExportCommand } from '../../../bin/commands/export';
import { exportId, exportObjectKey } from '../../../lambda/analytics/contracts/curated';
import { startLocalProfileExport, type ExportSummary } from '../../../lambda/local/profile-export';
import type { LocalRuntime } from '../../../lambda/local/runtime';
import { payloadOf, sendPayloads } from '../../../lambda/local/send';
import { allProfiles, testRuntime } from '../../support/runtime';

const DAY = 86_400_000;

describe('the profile export on the local runtime, read back with DuckDB', () => {
  let runtime: LocalRuntime;
  let db: DuckDBInstance;
  let sql: DuckDBConnection;
  let curatedDir: string;
  let summary: ExportSummary;
  // Events are days before the export: the segments the consumer evaluates at processing time hold them.
  const START = Math.floor(Date.now() / 1000) * 1000;
  const query = async (text: string) => (await sql.runAndReadAll(text)).getRowObjectsJS();
  const table = (name: string) => `read_parquet('${join(curatedDir, 'exports', name)}/*/*.parquet', hive_partitioning = true)`;

  beforeAll(async () => {
    runtime = await testRuntime();
    curatedDir = join(runtime.dataDir, 'curated');
    const ago = (days: number) => new Date(START - days * DAY).toISOString();
    const send = async (events: object[]) => {
      await sendPayloads(runtime.kinesis, runtime.streamName, events.map((e) => payloadOf(JSON.stringify(e))));
      await runtime.poller?.drain();
    };
    await send([
      { type: 'track', messageId: 'e-order', anonymousId: 'anon-1', event: 'Order Completed', properties: { revenue: 42.5 }, timestamp: ago(3), context: { channel: 'web' } },
      {
        type: 'identify',
        messageId: 'e-crm',
        userId: 'user-1',
        traits: { email: 'ana@example.org', firstName: 'Ana', lastName: 'Lima', address: { city: 'Porto', country: 'PT' } },
        timestamp: ago(4),
        context: { channel: 'crm' },
      },
      { type: 'identify', messageId: 'e-other', userId: 'user-2', traits: { email: 'test@example.com' }, timestamp: ago(2) },
    ]);
    await send([{ type: 'identify', messageId: 'e-link', userId: 'user-1', anonymousId: 'anon-1', timestamp: ago(1) }]);
    summary = await startLocalProfileExport(runtime.config, { doc: runtime.doc, tableName: runtime.tableName, curatedDir }, { schedule: false, clock: () => START }).run();
    db = await DuckDBInstance.create(':memory:');
    sql = await db.connect();
  }, 60_000);
  afterAll(async () => {
    sql?.closeSync();
    db?.closeSync();
    await runtime?.stop();
  });

  it('exports every live profile, one Parquet part per table and scan segment', async () => {
    const live = (await allProfiles(runtime)).filter((p) => p.mergedInto === undefined);
    expect(summary.exportId).toBe(exportId(new Date(START)));
    expect(summary.profiles).toBe(live.length);
    expect(summary.unreadable).toBe(0);
    const segments = runtime.config.analytics.export.segments;
    for (let s = 0; s < segments; s++) expect(existsSync(join(curatedDir, exportObjectKey('profiles', summary.exportId, s)))).toBe(true);
    expect(await query(`SELECT count(*) AS n, min(export_id) AS id FROM ${table('profiles')}`)).toEqual([{ n: BigInt(live.length), id: summary.exportId }]);
  });

  it('writes the merged profile with its traits, counters, computed traits, identities and merge', async () => {
    const [ana] = await query(
      `SELECT profile_id, email, first_name, city, country, user_id, order_count, total_revenue, merged_from_count,
              computed_lifetime_value, computed_days_since_last_order, epoch_ms(computed_last_order_at) AS last_order_ms, typeof(last_seen) AS seen_type
         FROM ${table('profiles')} WHERE user_id = 'user-1'`,
    );
    expect(ana).toMatchObject({
      email: 'ana@example.org',
      first_name: 'Ana',
      city: 'Porto',
      country: 'PT',
      order_count: 1n,
      total_revenue: 42.5,
      merged_from_count: 1n,
      computed_lifetime_value: 42.5,
      computed_days_since_last_order: 3n,
      last_order_ms: BigInt(START - 3 * DAY),
      seen_type: 'TIMESTAMP WITH TIME ZONE',
    });
    const identities = await query(`SELECT identifier_type, identifier_value FROM ${table('identities')} WHERE profile_id = '${ana?.profile_id}' ORDER BY 1, 2`);
    expect(identities).toEqual([
      { identifier_type: 'anonymousId', identifier_value: 'anon-1' },
      { identifier_type: 'email', identifier_value: 'ana@example.org' },
      { identifier_type: 'userId', identifier_value: 'user-1' },
    ]);
    const merges = await query(`SELECT rule, message_id FROM ${table('identity_merges')} WHERE profile_id = '${ana?.profile_id}'`);
    expect(merges).toEqual([{ rule: 'shared-identifier', message_id: 'e-link' }]);
    const segments = await query(`SELECT segment FROM ${table('segment_membership')} WHERE profile_id = '${ana?.profile_id}'`);
    expect(segments.map((s) => s.segment)).toContain('recentBuyers');
  });

  it('writes the identifiers that were rejected, with the reason', async () => {
    const rows = await query(`SELECT r.identifier_type, r.identifier_value, r.reason, r.message_id FROM ${table('rejected_identifiers')} r`);
    expect(rows).toEqual([expect.objectContaining({ identifier_type: 'email', identifier_value: 'test@example.com', message_id: 'e-other' })]);
    expect(String(rows[0]?.reason)).not.toBe('');
  });

  it('runs one export after the other, and drops exports past the retention', async () => {
    const retention = runtime.config.analytics.export.retentionDays;
    const first = join(curatedDir, exportObjectKey('profiles', summary.exportId, 0));
    const later = START + (retention + 1) * DAY;
    const seen: boolean[] = [];
    const exporter = startLocalProfileExport(runtime.config, { doc: runtime.doc, tableName: runtime.tableName, curatedDir }, {
      schedule: false,
      clock: (() => {
        let n = 0;
        return () => {
          // The second run starts only once the first has written its files.
          seen.push(existsSync(join(curatedDir, exportObjectKey('profiles', exportId(new Date(START + DAY)), 0))));
          return n++ === 0 ? START + DAY : later;
        };
      })(),
    });
    const [a, b] = await Promise.all([exporter.run(), exporter.run()]);
    exporter.stop();
    expect(seen).toEqual([false, true]);
    expect(a.exportId).toBe(exportId(new Date(START + DAY)));
    expect(b.exportId).toBe(exportId(new Date(later)));
    // The first export (START) is past the retention at `later`; the one a day after it is not.
    expect(b.droppedPartitions).toBe(5);
    expect(existsSync(first)).toBe(false);
    const ids = await query(`SELECT DISTINCT export_id FROM ${table('profiles')} ORDER BY 1`);
    expect(ids.map((r) => r.export_id)).toEqual([a.exportId, b.exportId]);
  });

  it('exports now from the command line, against the running runtime, and prints the counts', async () => {
    const live = (await allProfiles(runtime)).filter((p) => p.mergedInto === undefined);
    const program = new Command('c360').exitOverride();
    registerExportCommand(program);
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void printed.push(String(line)));
    try {
      await program.parseAsync(['export', '--data-dir', runtime.dataDir], { from: 'user' });
    } finally {
      log.mockRestore();
    }
    const out = printed.join('\n');
    expect(out).toMatch(new RegExp(`^export \\d{8}T\\d{6}Z: ${live.length} profiles, \\d+ Parquet files, \\d+ bytes under ${curatedDir}`));
    expect(out).toMatch(/identity_merges +1 rows/);
    expect(out).toMatch(/rejected_identifiers +1 rows/);
  });
});
