/**
 * The accounting invariant of the fault suite: every record sent is applied to
 * exactly one profile or quarantined with a reason; nothing lost, nothing
 * counted twice. The expected outcome comes from decoding the sent records
 * offline with the same parser.
 */
import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import { unifySettings } from '../../lambda/unification/settings';
import { idKey } from '../../lambda/unification/core/identity/keys';
import { messageKey } from '../../lambda/unification/core/profile/profile';
import { decodeRecords } from '../../lambda/unification/core/records';
import type { LocalRuntime } from '../../lambda/local/runtime';
import type { Payload } from '../../lambda/local/send';
import { allProfiles, quarantineEntries } from './runtime';

export interface Expected {
  readonly validKeys: string[];
  readonly rejectedPayloads: number;
}

/** What the consumer must make of these stream records (each sent once). */
export function expectedOutcome(runtime: LocalRuntime, records: readonly Payload[]): Expected {
  const decoded = decodeRecords(
    records.map((r, i) => ({ sequenceNumber: String(i), partitionKey: r.partitionKey, data: r.data, arrivalMs: Date.now() })),
    'oracle',
    { ...unifySettings(runtime.config).parse, now: Date.now() },
  );
  return {
    validKeys: [...new Set(decoded.events.map((e) => messageKey(e.messageId)))].sort(),
    rejectedPayloads: decoded.quarantined.length,
  };
}

/**
 * Checks the invariant. `sends` is how many times the same records were put
 * on the stream (each put is a new record, so its rejects are quarantined again).
 */
export async function expectAccounting(runtime: LocalRuntime, expected: Expected, sends = 1): Promise<void> {
  const live = (await allProfiles(runtime)).filter((p) => p.mergedInto === undefined);
  const keys = live.flatMap((p) => p.seen.map(([k]) => k));
  // each valid event is in exactly one profile, once, and nothing else is
  expect(keys.length).toBe(new Set(keys).size);
  expect([...keys].sort()).toEqual(expected.validKeys);
  expect(live.reduce((n, p) => n + p.computed.eventCount, 0)).toBe(expected.validKeys.length);

  // every reject is quarantined once per record, with a reason
  const rejects = await quarantineEntries(runtime);
  const distinct = new Set(rejects.map((r) => `${r.sequenceNumber}/${r.subSequence ?? ''}`));
  expect(distinct.size).toBe(expected.rejectedPayloads * sends);
  expect(rejects.every((r) => r.reason.length > 0)).toBe(true);

  // nothing was given up on
  const onFailure = await readFile(runtime.onFailureFile, 'utf8').catch(() => '');
  expect(onFailure).toBe('');

  // no identifier belongs to two profiles, and the index agrees with the profiles
  const holders = new Map<string, string>();
  for (const p of live) {
    for (const [type, values] of Object.entries(p.identifiers)) {
      for (const value of values) {
        const key = idKey(type, value);
        expect(holders.get(key), `${key} is in two profiles`).toBeUndefined();
        holders.set(key, p.profileId);
      }
    }
  }
  const owners = await runtime.store.getOwners([...holders.keys()]);
  const all = new Map((await allProfiles(runtime)).map((p) => [p.profileId, p]));
  const resolve = (id: string): string => {
    const next = all.get(id)?.mergedInto;
    return next === undefined ? id : resolve(next);
  };
  for (const [key, profileId] of holders) expect(resolve(owners.get(key) as string), key).toBe(profileId);
}
