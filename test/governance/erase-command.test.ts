/** `c360 erase` and `c360 erasure` against a running local runtime: one person, a batch file, a receipt, usage errors. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRequestsCsv, parseTargetArgument, registerEraseCommands } from '../../bin/commands/erase';
import type { LocalRuntime } from '../../lambda/local/runtime';
import { payloadOf, sendPayloads } from '../../lambda/local/send';
import { runCommand } from '../support/cli';
import { getJson, testRuntime } from '../support/runtime';

describe('c360 erase', () => {
  let runtime: LocalRuntime;
  const run = (argv: string[]) => runCommand((program, write) => registerEraseCommands(program, runtime.config, write), argv);

  beforeAll(async () => {
    runtime = await testRuntime();
    const at = new Date(Date.now() - 3600_000).toISOString();
    await sendPayloads(
      runtime.kinesis,
      runtime.streamName,
      [
        { type: 'identify', messageId: 'c-1', userId: 'u-cli-1', traits: { email: 'cli.one@example.com' }, timestamp: at },
        { type: 'identify', messageId: 'c-2', userId: 'u-cli-2', timestamp: at },
        { type: 'identify', messageId: 'c-3', userId: 'u-cli-3', timestamp: at },
      ].map((e) => payloadOf(JSON.stringify(e))),
    );
    await runtime.poller?.drain();
  }, 60_000);
  afterAll(async () => runtime?.stop());

  it('erases one person by type=value and prints the final receipt, without the identifier', async () => {
    const out = await run(['erase', 'email=CLI.One@example.com', '--reason', 'ticket 12']);
    expect(out.exit).toBeUndefined();
    expect(out.out).toMatch(/^erasure [0-9a-f-]{36}: complete/);
    expect(out.out).toMatch(/\(ticket 12\)/);
    expect(out.out).toMatch(/profiles\s+erased/);
    expect(out.out).not.toMatch(/cli\.one|u-cli-1/i);
    expect((await getJson(`${runtime.apiUrl}/profiles?userId=u-cli-1`)).status).toBe(404);

    const id = /^erasure (\S+):/.exec(out.out)?.[1] as string;
    const again = await run(['erasure', id]);
    expect(again.out.split('\n')[0]).toBe(out.out.split('\n')[0]);
    expect((await run(['erase', '--receipt', id])).out).toBe(again.out);
  });

  it('erases every request of a CSV file, one line each, and reports refused rows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'c360-erase-csv-'));
    const file = join(dir, 'requests.csv');
    await writeFile(file, 'type,value,profile_id\nuserId,u-cli-2,\nnosuchtype,x,\n,,\n');
    const out = await run(['erase', '--file', file]);
    const lines = out.out.trim().split('\n');
    expect(lines[0]).toMatch(/^line 2: erasure \S+ complete$/);
    expect(lines[1]).toMatch(/^line 3: refused: identifier type "nosuchtype" is not one of/);
    expect(lines[2]).toBe('line 4: skipped: needs type and value, or profile_id');
    expect(lines[3]).toBe('1 erasures, 2 requests refused or skipped; show one with: c360 erasure <id>');
    expect((await getJson(`${runtime.apiUrl}/profiles?userId=u-cli-2`)).status).toBe(404);
    expect((await getJson(`${runtime.apiUrl}/profiles?userId=u-cli-3`)).status).toBe(200);
    process.exitCode = undefined;
  });

  it('refuses a call that names no one, or two things at once', async () => {
    expect((await run(['erase'])).exit?.exitCode).toBe(2);
    expect((await run(['erase', 'email=a@b.co', '--profile', 'p-1'])).exit?.exitCode).toBe(2);
    expect((await run(['erase', 'justtext'])).exit?.exitCode).toBe(2);
  });

  it('reads type=value and the CSV columns', () => {
    expect(parseTargetArgument('phone=+1 415 555 0100')).toEqual({ identifier: { type: 'phone', value: '+1 415 555 0100' } });
    expect(parseTargetArgument('=x')).toBeUndefined();
    expect(parseRequestsCsv('profile_id\np-1\n')).toEqual([{ line: 2, target: { profileId: 'p-1' } }]);
  });
});
