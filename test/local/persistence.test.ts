import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambda/config';
import { resetDataDir } from '../../lambda/local/data-dir';
import { generateDemo } from '../../lambda/local/demo';
import { startLocalRuntime, type LocalRuntime } from '../../lambda/local/runtime';
import { payloadOf, sendPayloads } from '../../lambda/local/send';
import { allProfiles, getJson, streamEvents } from '../support/runtime';

describe('local runtime on a kept data directory', () => {
  const demo = generateDemo({ people: 8, seed: 11 });
  const payloads = demo.events.map((e) => payloadOf(JSON.stringify(e)));
  let running: LocalRuntime | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  const start = async (dataDir: string) => {
    const config = parseConfig({ local: { dataDir, apiPort: 0, pollIntervalMs: 20 } });
    running = await startLocalRuntime(config, { apiPort: 0, dataDir, persist: true });
    return running;
  };
  const stop = async () => {
    await running?.stop();
    running = undefined;
  };

  it('shows the same profiles after a restart and applies no record twice; reset starts empty', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'c360-persist-'));
    const first = await start(dataDir);
    await sendPayloads(first.kinesis, first.streamName, payloads);
    await first.poller?.drain();
    await first.lakePoller?.drain();
    expect(first.totals.applied).toBe(payloads.length);
    const before = await allProfiles(first);
    const hero = demo.people[0];
    const found = await getJson(`${first.apiUrl}/profiles?email=${encodeURIComponent(hero?.email ?? '')}`);
    expect(found.status).toBe(200);
    const rawFiles = async () => (await readdir(join(first.lakeDir, 'raw'), { recursive: true })).filter((f) => f.endsWith('.jsonl')).sort();
    const rawBefore = await rawFiles();
    await stop();

    const second = await start(dataDir);
    // The stream kept its records, and the consumer its position: nothing is delivered again.
    expect(await streamEvents(second)).toHaveLength(payloads.length);
    await second.poller?.drain();
    await second.lakePoller?.drain();
    expect(second.totals.records).toBe(0);
    expect(second.totals.applied).toBe(0);
    expect(second.totals.duplicates).toBe(0);
    const after = await allProfiles(second);
    expect(after).toEqual(before);
    const live = after.filter((p) => p.mergedInto === undefined);
    expect(live.reduce((n, p) => n + p.computed.eventCount, 0)).toBe(payloads.length);
    const again = await getJson(`${second.apiUrl}/profiles?email=${encodeURIComponent(hero?.email ?? '')}`);
    expect(again.body.profileId).toBe(found.body.profileId);
    expect(await rawFiles()).toEqual(rawBefore);

    // A record sent after the restart is read after the kept position, once.
    const late = payloadOf(JSON.stringify({ ...demo.events[0], messageId: 'after-restart-1' }));
    await sendPayloads(second.kinesis, second.streamName, [late]);
    await second.poller?.drain();
    expect(second.totals.records).toBe(1);
    const positions = JSON.parse(await readFile(join(dataDir, 'checkpoints', 'unify-consumer.json'), 'utf8')) as Record<string, string>;
    expect(Object.keys(positions).length).toBeGreaterThan(0);
    await stop();

    const removed = await resetDataDir(dataDir);
    expect(removed).toEqual(expect.arrayContaining([join(dataDir, 'dynamodb'), join(dataDir, 'kinesis'), join(dataDir, 'checkpoints')]));
    const third = await start(dataDir);
    expect(await allProfiles(third)).toEqual([]);
    expect(await streamEvents(third)).toEqual([]);
  }, 60_000);

  it('refuses to empty a folder the runtime has never used', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'c360-other-'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await expect(resetDataDir(dir)).rejects.toThrow(/does not look like a c360 data directory/);
    expect(await readdir(dir)).toEqual(['notes.txt']);
    expect(await resetDataDir(join(dir, 'missing'))).toEqual([]);
  });
});
