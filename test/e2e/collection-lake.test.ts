/**
 * The collection pillar end to end on the local runtime: a Segment SDK and a
 * CRM CSV import feed the stream; both become one profile, and both land in
 * the lake (the local Firehose) partitioned by source and event date.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Analytics } from '@segment/analytics-node';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerImportCommand } from '../../bin/commands/import';
import type { LocalRuntime } from '../../lambda/local/runtime';
import { getJson, testRuntime } from '../support/runtime';

const WRITE_KEY = 'e2e-web-write-key';

async function lakeLines(runtime: LocalRuntime, source: string): Promise<Array<Record<string, unknown>>> {
  const root = join(runtime.lakeDir, 'raw', `source=${source}`);
  const files = (await readdir(root, { recursive: true }).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl.gz'));
  const lines: Array<Record<string, unknown>> = [];
  for (const f of files) {
    expect(f).toMatch(/^dt=\d{4}-\d{2}-\d{2}\//);
    for (const line of gunzipSync(await readFile(join(root, f))).toString('utf8').split('\n')) {
      if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  }
  return lines;
}

describe('collection: HTTP and batch files into profiles and the lake', () => {
  let runtime: LocalRuntime;
  let dir: string;

  beforeAll(async () => {
    runtime = await testRuntime({
      collection: {
        sources: {
          web: { localWriteKeys: [WRITE_KEY] },
          crm: {
            file: {
              type: 'identify',
              userId: 'customer_id',
              email: 'email',
              timestamp: 'updated_at',
              traits: { firstName: 'first_name', note: 'note' },
            },
          },
        },
      },
    });
    dir = await mkdtemp(join(tmpdir(), 'c360-import-'));
    const csv = join(dir, 'contacts.csv');
    await writeFile(
      csv,
      [
        'customer_id,email,first_name,note,updated_at',
        'cust-1,Dana.Lee@Example.com,Dana,"likes trail shoes,',
        'asks about returns",2026-10-01T00:00:00Z',
        'cust-2,sam@example.org,Sam,,2026-10-02',
        ',nobody@example.org,Nobody,no id here,2026-10-03',
      ].join('\n') + '\n',
    );
    const program = new Command().exitOverride();
    registerImportCommand(program, runtime.config);
    await program.parseAsync(['node', 'c360', 'import', csv, '--source', 'crm']);

    const analytics = new Analytics({ writeKey: WRITE_KEY, host: runtime.apiUrl, flushAt: 5, maxRetries: 0 });
    analytics.identify({ userId: 'cust-1', anonymousId: 'browser-1', traits: { plan: 'pro' } });
    analytics.track({ anonymousId: 'browser-1', event: 'Order Completed', properties: { revenue: 30 } });
    await analytics.closeAndFlush();
    await runtime.poller?.drain();
    await runtime.lakePoller?.drain();
  }, 60_000);
  afterAll(async () => runtime?.stop());

  it('reports the import with counts that add up, the multi-line row read as one', async () => {
    const report = JSON.parse(await readFile(join(dir, 'contacts.csv.report.json'), 'utf8')) as Record<string, unknown>;
    expect(report).toMatchObject({ status: 'completed', rowsRead: 3, sent: 2, rejected: 1 });
    const rejects = await readFile(join(dir, 'contacts.csv.rejects.csv'), 'utf8');
    expect(rejects).toMatch(/nobody@example.org/);
    expect(rejects.trim().split('\n')).toHaveLength(2);
  });

  it('joins the CRM contact and the web visitor into one profile', async () => {
    const { status, body } = await getJson(`${runtime.apiUrl}/profiles?email=dana.lee@example.com`);
    expect(status).toBe(200);
    expect(body.traits).toMatchObject({ firstName: 'Dana', plan: 'pro', note: 'likes trail shoes,\nasks about returns' });
    expect(body.identifiers).toMatchObject({ userId: ['cust-1'], anonymousId: ['browser-1'] });
    expect(body.computed).toMatchObject({ orderCount: 1, totalRevenue: 30 });
  });

  it('lands both in the lake, partitioned by source and event date', async () => {
    const crm = await lakeLines(runtime, 'crm');
    const web = await lakeLines(runtime, 'web');
    expect(crm.map((e) => e.userId).sort()).toEqual(['cust-1', 'cust-2']);
    expect(web.map((e) => e.type).sort()).toEqual(['identify', 'track']);
    expect(web.every((e) => (e.context as Record<string, unknown>).source === 'web')).toBe(true);
  });
});
