import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileOutbox, maskEmail, maskPhone, maskToken } from '../../../lambda/activation/adapters/file-outbox';
import { handleTrigger } from '../../../lambda/activation/usecases/campaigns';
import { customer, testConfig, testPorts } from './fixtures';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c360-outbox-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('masking', () => {
  it('masks addresses for the outbox lines', () => {
    expect(maskEmail('jane.doe@example.com')).toBe('j***@example.com');
    expect(maskPhone('+15551231234')).toBe('+1******1234');
    expect(maskToken('abcdefghijklmnopqrstuvwxyz')).toBe('abcd…wxyz');
    expect(maskToken('short')).toBe('****');
  });
});

describe('FileOutbox', () => {
  const NOON = Date.parse('2026-12-02T12:00:00.000Z');

  async function run() {
    let n = 0;
    const outbox = new FileOutbox(join(dir, 'outbox'), { clock: () => NOON, newId: () => `id-${++n}` });
    const t = testPorts(testConfig(), NOON, {
      deliverers: { email: outbox.deliverer('email'), sms: outbox.deliverer('sms'), push: outbox.deliverer('push') },
      observe: outbox,
    });
    t.views.put(customer('p1'));
    t.views.put(customer('p2', { consent: {} }));
    const occurrence = { kind: 'segmentEntered', occurrence: '2026-11-30T10:00:00.000Z', segment: 'lapsedCustomers' } as const;
    await handleTrigger('winBack', 'p1', occurrence, t.deps);
    await handleTrigger('winBack', 'p2', occurrence, t.deps);
    return outbox;
  }

  it('writes one JSON line per message to <dir>/<day>.jsonl, the sent one with content, masked address and outcomes', async () => {
    await run();
    expect(await readdir(join(dir, 'outbox'))).toEqual(['2026-12-02.jsonl']);
    const text = await readFile(join(dir, 'outbox', '2026-12-02.jsonl'), 'utf8');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      id: 'id-1',
      campaign: 'winBack',
      profileId: 'p1',
      channel: 'email',
      delivered: true,
      status: 'sent',
      to: 'p***@example.com',
      content: { subject: 'We miss you, Ada' },
      record: { status: 'sent', providerMessageId: 'id-1' },
    });
    expect(lines[0].outcomes.map((o: { rule: string }) => o.rule)).toEqual(['suppression', 'consent', 'control', 'cap', 'quietHours', 'template']);
    expect(lines[1]).toMatchObject({ profileId: 'p2', delivered: false, status: 'no-consent' });
    expect(text).not.toContain('p1@example.com');
  });

  it('lists entries newest first, by profile, and finds one by id', async () => {
    const outbox = await run();
    expect((await outbox.list()).map((e) => e.id)).toEqual(['id-2', 'id-1']);
    expect((await outbox.list({ profileId: 'p1' })).map((e) => e.status)).toEqual(['sent']);
    expect((await outbox.list({ limit: 1 })).map((e) => e.id)).toEqual(['id-2']);
    expect(await outbox.find('id-1')).toMatchObject({ profileId: 'p1', messageKey: 'winBack#2026-11-30T10:00:00.000Z' });
    expect(await outbox.find('nope')).toBeUndefined();
  });

  it('removes an erased profile lines, rewriting the file, and counts them', async () => {
    const outbox = await run();
    expect(await outbox.remove(['p1'])).toBe(1);
    expect((await outbox.list()).map((e) => e.profileId)).toEqual(['p2']);
    expect(await outbox.remove(['p1'])).toBe(0);
    expect(await readdir(join(dir, 'outbox'))).toEqual(['2026-12-02.jsonl']);
  });

  it('reads an outbox that was never written as empty', async () => {
    const outbox = new FileOutbox(join(dir, 'none'));
    expect(await outbox.list()).toEqual([]);
    expect(await outbox.remove(['p1'])).toBe(0);
  });
});
