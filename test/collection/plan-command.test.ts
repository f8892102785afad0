/**
 * `c360 plan check FILE`: the per-event/reason counts, the first failing
 * lines, --source choosing the mode, and the exit codes (1 when an event
 * would be rejected, 2 for a file that cannot be read, none otherwise).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPlanLines, registerPlanCommand } from '../../bin/commands/plan';
import { parseConfig } from '../../lambda/config';
import { runCommand, type CommandRun } from '../support/cli';

const plan = parseConfig({
  trackingPlan: {
    sources: { pos: 'block' },
    events: { 'Order Completed': { properties: { order_id: { type: 'string' }, revenue: { type: 'number' } }, required: ['order_id', 'revenue'] } },
  },
}).trackingPlan;

const line = (o: unknown) => JSON.stringify(o);
const order = (properties: Record<string, unknown>, source?: string) =>
  line({ type: 'track', event: 'Order Completed', userId: 'u1', properties, ...(source === undefined ? {} : { context: { source } }) });

let dir: string;
let good: string;
let mixed: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c360-plan-command-'));
  good = join(dir, 'good.jsonl');
  mixed = join(dir, 'mixed.jsonl');
  await writeFile(good, [order({ order_id: 'A', revenue: 1 }), line({ type: 'page', userId: 'u1' }), ''].join('\n'));
  await writeFile(
    mixed,
    [
      order({ order_id: 'A', revenue: 1 }), // 1 accepted
      order({ order_id: 'B' }), // 2 flagged (no source: the default mode, allow)
      order({}, 'pos'), // 3 rejected (pos blocks)
      '',
      order({ revenue: 'x', order_id: 'C' }, 'pos'), // 5 rejected
      '{oops', // 6 unreadable
    ].join('\n'),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(...args: string[]): Promise<CommandRun> {
  return runCommand((program, write) => registerPlanCommand(program, { plan, write }), ['plan', 'check', ...args]);
}

describe('c360 plan check', () => {
  it('passes a file that keeps the plan', async () => {
    const { out, exit } = await run(good);
    expect(exit).toBeUndefined();
    expect(out).toBe('2 events: 2 accepted, 0 flagged, 0 rejected\n');
  });

  it('counts violations by event, reason and action, lists the first failing lines, and exits 1 on rejects', async () => {
    const { out, err, exit } = await run(mixed);
    expect(exit?.exitCode).toBe(1);
    expect(err).toMatch(/3 of 5 events would be rejected/);
    expect(out.split('\n')).toEqual([
      '5 events: 1 accepted, 1 flagged, 3 rejected (1 not a JSON object)',
      '',
      'event            reason                                action  events',
      '---------------  ------------------------------------  ------  ------',
      'Order Completed  order_id: required                    reject       1',
      'Order Completed  revenue: expected number, got string  reject       1',
      'Order Completed  revenue: required                     flag         1',
      'Order Completed  revenue: required                     reject       1',
      '',
      'first failing lines:',
      '  line 2 (flag): Order Completed: revenue: required',
      '  line 3 (reject): Order Completed: order_id: required; revenue: required',
      '  line 5 (reject): Order Completed: revenue: expected number, got string',
      expect.stringMatching(/^ {2}line 6 \(reject\): not JSON/),
      '',
    ]);
  });

  it('applies the mode of --source to every line, and --show bounds the lines listed', async () => {
    const { out, exit } = await run(mixed, '--source', 'web', '--show', '1');
    expect(exit?.exitCode).toBe(1); // the unreadable line
    expect(out).toMatch(/^5 events: 1 accepted, 3 flagged, 1 rejected/);
    expect(out.match(/^ {2}line /gm)).toHaveLength(1);
  });

  it('exits 2 when the file cannot be read', async () => {
    const { exit, err } = await run(join(dir, 'missing.jsonl'));
    expect(exit?.exitCode).toBe(2);
    expect(err).toMatch(/cannot read/);
  });

  it('reports on plain text too (checkPlanLines)', () => {
    const report = checkPlanLines(plan, order({}, 'pos'));
    expect(report).toMatchObject({ lines: 1, rejected: 1, counts: [{ event: 'Order Completed', reason: 'order_id: required', action: 'reject', events: 1 }, { event: 'Order Completed', reason: 'revenue: required', action: 'reject', events: 1 }] });
  });
});
