/**
 * Keyed hashing, the local hash key, the local suppression list, the cached
 * suppression check and the identifiers an event is checked by.
 */
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSuppressionList, localSuppressionFile } from '../../lambda/governance/adapters/file-suppression-list';
import { KeyedSubjectHasher } from '../../lambda/governance/adapters/keyed-hasher';
import { localHashKey, localHashKeyFile } from '../../lambda/governance/adapters/local-hash-key';
import { CachedSuppressionCheck } from '../../lambda/governance/adapters/suppression-check';
import { suppressionCheckFromEnv } from '../../lambda/governance/adapters/deployed-suppression';
import { suppressionIdentifiers } from '../../lambda/governance/contracts/suppression';
import { keyedHash } from '../../lambda/governance/core/keyed-hash';
import type { SuppressionList } from '../../lambda/governance/ports';

const KEY = Buffer.alloc(32, 7);
const hasher = new KeyedSubjectHasher(KEY);
const tmp = () => mkdtemp(join(tmpdir(), 'c360-suppression-'));

describe('keyed hashing', () => {
  it('is HMAC-SHA256 of "<type>:<value>", base64url, and differs by type, value and key', () => {
    const h = hasher.identifier({ type: 'email', value: 'ana@example.com' });
    expect(h).toBe(keyedHash(KEY, 'email:ana@example.com'));
    expect(h).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hasher.identifier({ type: 'userId', value: 'ana@example.com' })).not.toBe(h);
    expect(hasher.identifier({ type: 'email', value: 'ana@example.org' })).not.toBe(h);
    expect(new KeyedSubjectHasher(Buffer.alloc(32, 8)).identifier({ type: 'email', value: 'ana@example.com' })).not.toBe(h);
    expect(hasher.profile('p-1')).toBe(keyedHash(KEY, 'profile:p-1'));
  });

  it('refuses a key shorter than 32 bytes', () => {
    expect(() => new KeyedSubjectHasher(Buffer.alloc(16))).toThrow(/32/);
  });

  it('creates the local key once, 32 random bytes readable by its owner only, and reads the same key again', async () => {
    const dir = await tmp();
    const first = await localHashKey(dir);
    expect(first).toHaveLength(32);
    expect((await stat(localHashKeyFile(dir))).mode & 0o777).toBe(0o600);
    expect(await localHashKey(dir)).toEqual(first);
    expect(await localHashKey(await tmp())).not.toEqual(first);
  });
});

describe('the local suppression list', () => {
  it('adds idempotently (the first request stays), answers membership and removes with a count', async () => {
    const dir = await tmp();
    const list = new FileSuppressionList(localSuppressionFile(dir), () => Date.parse('2026-12-01T00:00:00Z'));
    await list.add(['h1', 'h2'], 'req-1');
    await list.add(['h2', 'h3'], 'req-2');
    expect(await list.suppressed(['h1', 'h3', 'h4'])).toEqual(new Set(['h1', 'h3']));
    const stored = JSON.parse(await readFile(localSuppressionFile(dir), 'utf8')) as Record<string, { requestId: string }>;
    expect(stored.h2?.requestId).toBe('req-1');
    expect(await list.remove(['h2', 'h4', 'h2'], 'req-3')).toBe(1);
    expect(await list.suppressed(['h2'])).toEqual(new Set());
  });

  it('holds hashes only: the file has no value it was given to hash', async () => {
    const dir = await tmp();
    const list = new FileSuppressionList(localSuppressionFile(dir));
    await list.add([hasher.identifier({ type: 'email', value: 'secret.person@example.com' })], 'req-1');
    expect(await readFile(localSuppressionFile(dir), 'utf8')).not.toMatch(/secret|example/);
  });

  it('answers nothing suppressed before any erasure (no file yet)', async () => {
    expect(await new FileSuppressionList(localSuppressionFile(await tmp())).suppressed(['h1'])).toEqual(new Set());
  });
});

describe('the cached suppression check', () => {
  function countingList(suppressed: Set<string>) {
    const calls: string[][] = [];
    const list: SuppressionList = {
      suppressed: async (hashes) => {
        calls.push([...hashes]);
        return new Set(hashes.filter((h) => suppressed.has(h)));
      },
      add: async (hashes) => void hashes.forEach((h) => suppressed.add(h)),
      remove: async () => 0,
    };
    return { list, calls };
  }
  const ana = { type: 'email', value: 'ana@example.com' };
  const bob = { type: 'userId', value: 'u-bob' };

  it('flags an event when any of its identifiers is suppressed, in one lookup for the whole batch', async () => {
    const { list, calls } = countingList(new Set([hasher.identifier(ana)]));
    const check = new CachedSuppressionCheck(list, hasher);
    expect(await check.suppressed([[bob, ana], [bob], []])).toEqual([true, false, false]);
    expect(calls).toHaveLength(1);
  });

  it('answers from the cache until it is maxAgeMs old, then asks again', async () => {
    const suppressed = new Set<string>();
    const { list, calls } = countingList(suppressed);
    let now = 0;
    const check = new CachedSuppressionCheck(list, hasher, { maxAgeMs: 30_000, clock: () => now });
    expect(await check.suppressed([[ana]])).toEqual([false]);
    suppressed.add(hasher.identifier(ana));
    now = 29_999;
    expect(await check.suppressed([[ana]])).toEqual([false]);
    now = 30_000;
    expect(await check.suppressed([[ana]])).toEqual([true]);
    expect(calls).toHaveLength(2);
  });

  it('asks the list again right after clear (an erasure in this process)', async () => {
    const suppressed = new Set<string>();
    const { list } = countingList(suppressed);
    const check = new CachedSuppressionCheck(list, hasher, { clock: () => 0 });
    expect(await check.suppressed([[ana]])).toEqual([false]);
    suppressed.add(hasher.identifier(ana));
    check.clear();
    expect(await check.suppressed([[ana]])).toEqual([true]);
  });

  it('fails when the list fails, rather than letting events through', async () => {
    const list: SuppressionList = { suppressed: async () => Promise.reject(new Error('unavailable')), add: async () => {}, remove: async () => 0 };
    await expect(new CachedSuppressionCheck(list, hasher).suppressed([[ana]])).rejects.toThrow('unavailable');
  });
});

describe('the identifiers an event is checked by', () => {
  const opts = { identifierTypes: ['userId', 'email', 'phone', 'anonymousId', 'crmId'], defaultPhoneRegion: 'US' };

  it('reads userId, anonymousId, traits, context.traits, properties and externalIds, normalised and deduplicated', () => {
    const ids = suppressionIdentifiers(
      {
        type: 'identify',
        userId: 42,
        anonymousId: ' a-1 ',
        traits: { email: ' Ana@Example.COM', phone: '(415) 555-0142' },
        context: { traits: { email: 'ana@example.com' }, externalIds: [{ type: 'crmId', id: 'c-9' }, { type: 'other', id: 'x' }] },
      },
      opts,
    );
    expect(ids).toEqual(
      expect.arrayContaining([
        { type: 'userId', value: '42' },
        { type: 'anonymousId', value: 'a-1' },
        { type: 'email', value: 'ana@example.com' },
        { type: 'phone', value: '+14155550142' },
        { type: 'crmId', value: 'c-9' },
      ]),
    );
    expect(ids).toHaveLength(5);
  });

  it("reads a group call's traits as the group's, not the person's, and only configured types", () => {
    expect(suppressionIdentifiers({ type: 'group', groupId: 'g', userId: 'u', traits: { email: 'office@example.com' } }, opts)).toEqual([{ type: 'userId', value: 'u' }]);
    expect(suppressionIdentifiers({ type: 'track', event: 'E', userId: 'u' }, { ...opts, identifierTypes: ['email'] })).toEqual([]);
    expect(suppressionIdentifiers('not an event', opts)).toEqual([]);
  });

  it('never reads the values as sent (emailRaw, phoneRaw) as identifiers', () => {
    expect(suppressionIdentifiers({ type: 'identify', userId: 'u', traits: { emailRaw: 'x@example.com' } }, { ...opts, identifierTypes: ['userId', 'emailRaw'] })).toEqual([{ type: 'userId', value: 'u' }]);
  });
});

describe('the deployed check from the environment', () => {
  const clients = () => ({ doc: {} as never, secrets: {} as never });

  it('is absent when neither variable is set, and fails at cold start naming the one missing', () => {
    expect(suppressionCheckFromEnv(clients, {})).toBeUndefined();
    expect(() => suppressionCheckFromEnv(clients, { SUPPRESSION_TABLE: 't' })).toThrow(/HASH_KEY_SECRET_ARN/);
    expect(() => suppressionCheckFromEnv(clients, { HASH_KEY_SECRET_ARN: 'arn' })).toThrow(/SUPPRESSION_TABLE/);
  });

  it('reads nothing for events without identifiers', async () => {
    const check = suppressionCheckFromEnv(clients, { SUPPRESSION_TABLE: 't', HASH_KEY_SECRET_ARN: 'arn' });
    expect(await check?.suppressed([[], []])).toEqual([false, false]);
  });
});
