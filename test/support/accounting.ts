/**
 * The accounting invariant of the fault suite: every record sent is applied to
 * exactly one profile, quarantined with a reason, or (an erased person's)
 * dropped and counted as suppressed; nothing lost, nothing counted twice. The
 * expected outcome comes from decoding the sent records offline with the same
 * parser.
 */
import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import { unifySettings } from '../../lambda/unification/settings';
import { idKey } from '../../lambda/unification/core/identity/keys';
import { messageKey } from '../../lambda/unification/core/profile/profile';
import { decodeRecords } from '../../lambda/unification/core/records';
import { suppressionIdentifiers } from '../../lambda/governance/contracts/suppression';
import type { Identifier } from '../../lambda/shared/events';
import type { LocalRuntime } from '../../lambda/local/runtime';
import type { Payload } from '../../lambda/local/send';
import { allProfiles, quarantineEntries } from './runtime';

export interface Expected {
  readonly validKeys: string[];
  readonly rejectedPayloads: number;
  /** Payloads of erased people (valid or not), dropped by the consumer: neither applied nor quarantined. */
  readonly suppressedPayloads: number;
}

/**
 * What the consumer must make of these stream records (each sent once).
 * `suppressed` says whether identifiers belong to an erased person (the
 * runtime's suppression list); by default no one is.
 */
export function expectedOutcome(runtime: LocalRuntime, records: readonly Payload[], suppressed: (ids: readonly Identifier[]) => boolean = () => false): Expected {
  const parse = unifySettings(runtime.config).parse;
  const decoded = decodeRecords(
    records.map((r, i) => ({ sequenceNumber: String(i), partitionKey: r.partitionKey, data: r.data, arrivalMs: Date.now() })),
    'oracle',
    { ...parse, now: Date.now() },
  );
  const rejectIds = (data: string): Identifier[] => {
    try {
      return suppressionIdentifiers(JSON.parse(data) as unknown, parse);
    } catch {
      return [];
    }
  };
  const valid = decoded.events.filter((e) => !suppressed(e.identifiers));
  const rejected = decoded.quarantined.filter((q) => q.encoding !== 'utf8' || !suppressed(rejectIds(q.data)));
  return {
    validKeys: [...new Set(valid.map((e) => messageKey(e.messageId)))].sort(),
    rejectedPayloads: rejected.length,
    suppressedPayloads: decoded.events.length - valid.length + decoded.quarantined.length - rejected.length,
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

  // every payload of an erased person is counted as suppressed, once per record
  expect(runtime.totals.suppressed).toBe(expected.suppressedPayloads * sends);

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
