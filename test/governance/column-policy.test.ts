/**
 * The local column policy (`c360 sql --as ROLE`) on the fixture lake: an
 * analyst query returns no email and no phone in any form (whole tables,
 * the JSON columns, the shipped views, a column named outright, a JSON path
 * into context.traits, the files read directly); the steward, and the local
 * user without --as, read them; every shipped view still runs as the
 * analyst, with the same answers where they rest on no direct PII (events
 * still join to profiles through pseudonyms); a role whose `otherwise` is
 * omit does not get the columns at all; an unknown role fails listing the roles.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSqlCommand, rolePolicy } from '../../bin/commands/sql';
import { openLocalWarehouse } from '../../lambda/analytics/adapters/duckdb-warehouse';
import { readShippedViews } from '../../lambda/analytics/adapters/sql-files';
import { parseConfig } from '../../lambda/config';
import { writeFixtureLake, type FixtureLake } from '../analytics/support/fixture-lake';
import { runCommand, type CommandRun } from '../support/cli';

let dir: string;
let lake: FixtureLake;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c360-column-policy-'));
  lake = await writeFixtureLake(join(dir, 'data'));
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(...args: string[]): Promise<CommandRun> {
  return runCommand((program, write) => registerSqlCommand(program, { dataDir: lake.dataDir, write }), ['sql', ...args]);
}

/** Every email of the fixture is at example.com; every phone is +1 503 555 01xx (E.164, or its digits with or without the country code). */
const EMAIL = /[a-z0-9._%+-]+@example\.com/i;
const PHONE = /5035550\d{3}|503\D{0,2}555\D?0\d{3}/;

function expectNoContact(text: string): void {
  expect(text).not.toMatch(EMAIL);
  expect(text).not.toMatch(PHONE);
}

describe('c360 sql --as analyst', () => {
  const queries = [
    'SELECT * FROM profiles',
    'SELECT traits FROM raw_events',
    'SELECT * FROM raw_events',
    'SELECT * FROM users',
    'SELECT * FROM identities_current',
    'SELECT * FROM identities',
    'SELECT * FROM identity_merges',
    'SELECT * FROM rejected_identifiers',
    'SELECT * FROM quarantine',
    'SELECT * FROM events',
    'SELECT email, phone FROM profiles',
    "SELECT json_extract(context, '$.traits.email') AS e, json_extract(context, '$.traits.phone') AS p, json_extract_string(traits, '$.email') AS t FROM raw_events",
  ];

  for (const sql of queries) {
    it(`returns no email or phone for ${sql}`, async () => {
      const { out, exit } = await run('--as', 'analyst', '--json', sql);
      expect(exit).toBeUndefined();
      const rows = JSON.parse(out) as unknown[];
      expect(rows.length).toBeGreaterThan(0);
      expectNoContact(out);
    }, 30_000);
  }

  it('masks what it hides, so a query still tells a value was there', async () => {
    const { out } = await run('--as', 'analyst', '--json', "SELECT email, first_name, city FROM profiles_current WHERE profile_id = 'p-ana'");
    expect(JSON.parse(out)).toEqual([{ email: '***', first_name: '***', city: 'Portland' }]);
    const traits = await run('--as', 'analyst', '--json', "SELECT traits FROM raw_events WHERE messageid = 'e14'");
    expect(JSON.parse(JSON.parse(traits.out)[0].traits)).toEqual({ email: '***', phone: '***', firstName: '***' });
  }, 30_000);

  it('cannot read the lake files around the policy', async () => {
    const { err, exit } = await run('--as', 'analyst', `SELECT * FROM read_json('${join(lake.lakeDir, 'raw', '*', '*', '*.jsonl.gz')}')`);
    expect(exit?.exitCode).toBe(1);
    expect(err).toMatch(/disabled by configuration/);
    const config = await run('--as', 'analyst', 'SET enable_external_access = true');
    expect(config.exit?.exitCode).toBe(1);
  }, 30_000);
});

describe('c360 sql as the steward', () => {
  it('reads emails and phones with --as steward and without --as', async () => {
    for (const args of [['--as', 'steward'], []]) {
      const { out } = await run(...args, '--csv', "SELECT email, phone FROM profiles_current WHERE profile_id = 'p-ana'");
      expect(out).toBe('email,phone\nana@example.com,+15035550101\n');
    }
    const raw = await run('--as', 'steward', '--csv', "SELECT json_extract_string(context, '$.traits.phone') AS phone FROM raw_events WHERE messageid = 'e12'");
    expect(raw.out).toBe('phone\n+15035550104\n');
  }, 30_000);
});

describe('the shipped views under a role', () => {
  it('all run as the analyst, none returning an email or a phone', async () => {
    const views = await readShippedViews();
    const warehouse = await openLocalWarehouse({ lakeDir: lake.lakeDir, curatedDir: lake.curatedDir, segmentEventsFile: lake.busFile, policy: rolePolicy('analyst') });
    try {
      const failed: string[] = [];
      for (const view of views) {
        try {
          expectNoContact(JSON.stringify(await warehouse.query(`SELECT * FROM ${view.name}`)));
        } catch (err) {
          failed.push(`${view.name}: ${(err as Error).message}`);
        }
      }
      expect(failed).toEqual([]);
      expect(views.length).toBeGreaterThan(20);
    } finally {
      await warehouse.close();
    }
  }, 120_000);

  it('give the analyst the answers that rest on no direct PII: channels, revenue, segments, events joined to profiles', async () => {
    const questions = [
      'SELECT channel, sum(revenue) AS revenue FROM revenue_by_day_and_channel GROUP BY channel ORDER BY channel',
      'SELECT segment, members FROM segment_sizes ORDER BY segment',
      'SELECT count(profile_id) AS attributed, count(DISTINCT profile_id) AS profiles FROM events',
      'SELECT total_profiles, merged_away_profiles, with_email, with_phone FROM customers_overview',
    ];
    for (const sql of questions) {
      const steward = await run('--as', 'steward', '--csv', sql);
      const analyst = await run('--as', 'analyst', '--csv', sql);
      expect(analyst.out, sql).toBe(steward.out);
      expect(analyst.out.split('\n').length, sql).toBeGreaterThan(2);
    }
  }, 60_000);
});

describe('a role whose otherwise is omit', () => {
  const config = parseConfig({ governance: { roles: { marketing: { sees: ['none', 'indirect'], otherwise: 'omit' } } } });

  it('does not get the columns it may not see, nor the JSON keys', async () => {
    const warehouse = await openLocalWarehouse({ lakeDir: lake.lakeDir, curatedDir: lake.curatedDir, segmentEventsFile: lake.busFile, policy: rolePolicy('marketing', config) });
    try {
      const [row] = await warehouse.query("SELECT * FROM profiles WHERE profile_id = 'p-ana' LIMIT 1");
      expect(Object.keys(row ?? {})).not.toContain('email');
      expect(Object.keys(row ?? {})).toContain('city');
      await expect(warehouse.query('SELECT email FROM profiles')).rejects.toThrow(/email/);
      const [e14] = await warehouse.query("SELECT traits FROM raw_events WHERE messageid = 'e14'");
      expect(JSON.parse(String(e14?.traits))).toEqual({});
      expectNoContact(JSON.stringify(await warehouse.query('SELECT * FROM identities')));
    } finally {
      await warehouse.close();
    }
  }, 60_000);
});

describe('c360 sql --as an unknown role', () => {
  it('exits 2 listing the roles', async () => {
    const { err, exit } = await run('--as', 'intern', 'SELECT 1');
    expect(exit?.exitCode).toBe(2);
    expect(err).toContain('unknown role "intern"; the roles are analyst, steward');
  });
});
