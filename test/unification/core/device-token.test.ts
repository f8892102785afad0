/**
 * Push tokens as identifiers: the Segment mobile SDKs send the device's push
 * token as `context.device.token`, read as the `deviceToken` identifier type
 * (in the default identifier types), so a profile has the address push
 * campaigns send to, and two sessions on one device join.
 */
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../lambda/shared/events';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import { unifyBatch } from '../../../lambda/unification/usecases/unify-batch';
import { parseOptions, record, settings } from '../../support/events';

const NOW = Date.UTC(2026, 10, 2);
const TOKEN = 'f3c1a9e0b2d44c7e9a1b0c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f';
const screen = (messageId: string, fields: Record<string, unknown>) => ({
  type: 'screen',
  messageId,
  name: 'Home',
  timestamp: '2026-11-01T10:00:00.000Z',
  context: { channel: 'mobile', device: { type: 'ios', token: TOKEN } },
  ...fields,
});
const parse = (e: unknown, opts = parseOptions) => parseEvent(JSON.stringify(e), NOW, { ...opts, now: NOW });

describe('deviceToken from context.device.token', () => {
  it('is an identifier of the event, beside userId and anonymousId', () => {
    const out = parse(screen('m1', { userId: 'u-1', anonymousId: 'dev-1' }));
    expect(out.ok && out.event.identifiers).toEqual([
      { type: 'userId', value: 'u-1' },
      { type: 'anonymousId', value: 'dev-1' },
      { type: 'deviceToken', value: TOKEN },
    ]);
  });

  it('is trimmed, and an empty or absent token is no identifier', () => {
    const padded = parse(screen('m1', { anonymousId: 'dev-1', context: { device: { token: `  ${TOKEN} ` } } }));
    expect(padded.ok && padded.event.identifiers.find((i) => i.type === 'deviceToken')?.value).toBe(TOKEN);
    for (const device of [{ token: '' }, { token: null }, { type: 'android' }]) {
      const out = parse(screen('m2', { anonymousId: 'dev-1', context: { device } }));
      expect(out.ok && out.event.identifiers.map((i) => i.type)).toEqual(['anonymousId']);
    }
  });

  it('is not read when deviceToken is not a configured identifier type', () => {
    const out = parse(screen('m1', { anonymousId: 'dev-1' }), { ...parseOptions, identifierTypes: ['userId', 'anonymousId'] });
    expect(out.ok && out.event.identifiers.map((i) => i.type)).toEqual(['anonymousId']);
  });

  it('refuses a token that is not text of at most 1024 characters, saying where', () => {
    const long = parse(screen('m1', { anonymousId: 'dev-1', context: { device: { token: 'x'.repeat(1025) } } }));
    expect(long).toMatchObject({ ok: false, reason: expect.stringMatching(/context\.device\.token/) });
    const number = parse(screen('m1', { anonymousId: 'dev-1', context: { device: { token: 42 } } }));
    expect(number).toMatchObject({ ok: false, reason: expect.stringMatching(/context\.device\.token/) });
  });

  it('joins an anonymous session and a signed-in one on the same device into one profile', async () => {
    const store = new MemoryProfileStore();
    let n = 0;
    const deps = { store, quarantine: { put: async () => {} }, settings, clock: () => NOW, newProfileId: () => `p-${++n}`, sleep: async () => {} };
    await unifyBatch([record(screen('a', { anonymousId: 'install-1' }), NOW)], 'b1', 'test', deps);
    await unifyBatch([record(screen('b', { userId: 'u-9', anonymousId: 'install-2', timestamp: '2026-11-01T11:00:00.000Z' }), NOW)], 'b2', 'test', deps);
    const live = [...store.profiles.values()].filter((p) => p.mergedInto === undefined);
    expect(live).toHaveLength(1);
    expect(live[0]?.identifiers).toEqual({ anonymousId: ['install-1', 'install-2'], deviceToken: [TOKEN], userId: ['u-9'] });
  });
});
