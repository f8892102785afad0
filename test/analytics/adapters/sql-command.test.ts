/**
 * `c360 sql` on the fixture data dir: the aligned table, --csv, --json,
 * --file and --views outputs, and clear errors (a query DuckDB rejects exits
 * 1 with DuckDB's message; no query at all exits 2).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSqlCommand } from '../../../bin/commands/sql';
import { readShippedViews } from '../../../lambda/analytics/adapters/sql-files';
import { writeFixtureLake } from '../support/fixture-lake';
import { runCommand, type CommandRun } from '../../support/cli';

let dir: string;
let dataDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c360-sql-command-'));
  dataDir = (await writeFixtureLake(join(dir, 'data'))).dataDir;
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `c360 sql ...args` on the fixture; what it printed, and the error it exited with (if any). */
function run(...args: string[]): Promise<CommandRun> {
  return runCommand((program, write) => registerSqlCommand(program, { dataDir, write }), ['sql', ...args]);
}

const SEGMENTS = 'SELECT segment, members FROM segment_sizes ORDER BY segment';

describe('c360 sql', () => {
  it('prints an aligned table by default: numbers right-aligned, the row count below', async () => {
    const { out, exit } = await run(SEGMENTS);
    expect(exit).toBeUndefined();
    expect(out).toBe(['segment  members', '-------  -------', 'buyers         4', 'vip            2', '(2 rows)', ''].join('\n'));
  });

  it('shows nulls as NULL and timestamps as ISO-8601', async () => {
    const { out } = await run("SELECT id, last_name, first_seen FROM users WHERE id = 'p-crm'");
    expect(out.split('\n')).toEqual([
      'id     last_name  first_seen',
      '-----  ---------  ------------------------',
      'p-crm  NULL       2026-10-30T20:00:00.000Z',
      '(1 row)',
      '',
    ]);
  }, 30_000);

  it('--csv prints CSV with a header', async () => {
    const { out } = await run(SEGMENTS, '--csv');
    expect(out).toBe('segment,members\nbuyers,4\nvip,2\n');
  });

  it('--json prints one JSON array of row objects', async () => {
    const { out } = await run('SELECT * FROM customers_overview', '--json');
    expect(JSON.parse(out)).toEqual([
      { total_profiles: 7, identified_profiles: 6, anonymous_profiles: 1, merged_away_profiles: 3, with_email: 4, with_phone: 4, with_consent: 3 },
    ]);
  });

  it('--file reads the SQL from a file', async () => {
    const file = join(dir, 'q.sql');
    await writeFile(file, '-- revenue by channel\nSELECT channel, sum(revenue) AS revenue FROM revenue_by_day_and_channel GROUP BY channel ORDER BY channel;\n');
    const { out } = await run('--file', file, '--csv');
    expect(out).toBe('channel,revenue\nmobile,400\nstore,520\nweb,360.5\n');
  });

  it('--views lists every shipped view with what it answers', async () => {
    const { out } = await run('--views');
    const views = await readShippedViews();
    for (const view of views) expect(out).toContain(`${view.name}\n  ${view.comment}\n`);
    expect(out).toContain('customers_overview\n  How many customers are there?');
  });

  it('a query DuckDB rejects exits 1 with its message', async () => {
    const { err, exit } = await run('SELECT * FROM no_such_table');
    expect(exit?.exitCode).toBe(1);
    expect(err).toMatch(/^error: Catalog Error: Table with name no_such_table does not exist/);
    expect(err).toContain('in the statement: SELECT * FROM no_such_table');
  });

  it('no query at all, or both a query and --file, exits 2 saying what to give', async () => {
    const none = await run();
    expect(none.exit?.exitCode).toBe(2);
    expect(none.err).toContain('give a query, --file FILE or --views');
    const both = await run('SELECT 1', '--file', 'x.sql');
    expect(both.exit?.exitCode).toBe(2);
    expect(both.err).toContain('not both');
    const missing = await run('--file', join(dir, 'missing.sql'));
    expect(missing.exit?.exitCode).toBe(2);
    expect(missing.err).toContain('cannot read');
  });
});
