/** Capped lists keep the most recent entries and count what they dropped, whatever the order things arrive in. */
import { describe, expect, it } from 'vitest';
import {
  emptyProfile,
  MAX_MERGE_RECORDS,
  MAX_REJECTED,
  mergeProfiles,
  recordRejected,
  withMergedFrom,
  type MergeRecord,
  type Profile,
  type RejectedLink,
} from '../../../lambda/unification/core/profile/profile';

const NOW = '2026-11-02T00:00:00.000Z';
const at = (i: number) => new Date(Date.UTC(2026, 9, 1) + i * 60_000).toISOString();
const merge = (i: number, survivor: string): MergeRecord => ({ at: at(i), survivor, merged: `m${String(i).padStart(4, '0')}`, rule: 'shared-identifier' });
const rejected = (i: number): RejectedLink => ({ type: 'email', value: `e${i}@x.test`, reason: 'limit', messageId: `msg-${i}`, at: at(i) });

function withMerges(id: string, from: number, to: number): Profile {
  const records = Array.from({ length: to - from }, (_, k) => merge(from + k, id));
  return withMergedFrom(emptyProfile(id, NOW), records.map((r) => r.merged), records);
}

describe('capped lists', () => {
  it('keeps the most recent merge records and counts the older ones', () => {
    const p = withMerges('a', 0, MAX_MERGE_RECORDS + 30);
    expect(p.merges).toHaveLength(MAX_MERGE_RECORDS);
    expect(p.merges[0]?.merged).toBe('m0030');
    expect(p.dropped).toEqual({ merges: 30 });
    // Every absorbed id is still listed: the erasure reaches them through mergedFrom.
    expect(p.mergedFrom).toHaveLength(MAX_MERGE_RECORDS + 30);
  });

  it('counts the same drops whichever profile survives a merge', () => {
    const a = recordRejected(withMerges('a', 0, 150), Array.from({ length: 80 }, (_, i) => rejected(i)));
    const b = recordRejected(withMerges('b', 150, 300), Array.from({ length: 80 }, (_, i) => rejected(100 + i)));
    const ab = mergeProfiles(a, b, merge(999, 'a'));
    const ba = mergeProfiles(b, a, merge(999, 'b'));
    expect(ab.merges).toHaveLength(MAX_MERGE_RECORDS);
    expect(ab.rejectedIdentifiers).toHaveLength(MAX_REJECTED);
    // 301 merge records (both sides' and this one) and 160 rejected identifiers.
    expect(ab.dropped).toEqual({ merges: 301 - MAX_MERGE_RECORDS, rejectedIdentifiers: 160 - MAX_REJECTED });
    expect(ba.dropped).toEqual(ab.dropped);
    expect(ab.rejectedIdentifiers).toEqual(ba.rejectedIdentifiers);
    // The most recent are the ones kept.
    expect(ab.rejectedIdentifiers?.[0]?.messageId).toBe('msg-60');
  });

  it('adds nothing while no list is over its cap', () => {
    const p = recordRejected(withMerges('a', 0, 3), [rejected(1)]);
    expect(p.dropped).toBeUndefined();
  });
});
