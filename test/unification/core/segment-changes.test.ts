import { describe, expect, it } from 'vitest';
import { emptyProfile, type Profile } from '../../../lambda/unification/core/profile/profile';
import { segmentChanges, segmentDetailType } from '../../../lambda/unification/core/segments/segment-changes';

const AT = '2026-11-01T10:00:00.000Z';

function profile(id: string, segments: string[] | undefined, extra: Partial<Profile> = {}): Profile {
  return {
    ...emptyProfile(id, '2026-10-01T00:00:00.000Z'),
    ...(segments === undefined ? {} : { segments: Object.fromEntries(segments.map((s) => [s, '2026-10-02T00:00:00.000Z'])) }),
    ...extra,
  };
}

const summary = (changes: ReturnType<typeof segmentChanges>) => changes.map((c) => `${c.change} ${c.segment}${c.reason === undefined ? '' : ` (${c.reason})`}`);

describe('segmentChanges', () => {
  it('enters the segments a profile gained and exits those it lost, exits first, each in name order', () => {
    const before = profile('p1', ['vip', 'churn-risk', 'newsletter']);
    const after = profile('p1', ['vip', 'zeta', 'big-spender', 'Alpha']);
    const changes = segmentChanges(before, after, AT);
    expect(summary(changes)).toEqual(['exited churn-risk', 'exited newsletter', 'entered Alpha', 'entered big-spender', 'entered zeta']);
    for (const c of changes) {
      expect(c.profileId).toBe('p1');
      expect(c.at).toBe(AT);
      expect(c).not.toHaveProperty('reason');
    }
  });

  it('is empty when the segments are the same, even if the entry time moved', () => {
    const before = profile('p1', ['vip']);
    const after = { ...before, version: 2, segments: { vip: '2026-10-30T00:00:00.000Z' } };
    expect(segmentChanges(before, after, AT)).toEqual([]);
    expect(segmentChanges(profile('p1', undefined), profile('p1', []), AT)).toEqual([]);
  });

  it('enters every segment of a new profile', () => {
    expect(summary(segmentChanges(undefined, profile('p1', ['b', 'a']), AT))).toEqual(['entered a', 'entered b']);
  });

  it('exits every segment of a profile merged away, with the survivor in the reason', () => {
    const before = profile('p2', ['vip', 'cart-abandoner']);
    const after = profile('p2', ['vip', 'cart-abandoner'], { mergedInto: 'p1' });
    expect(segmentChanges(before, after, AT)).toEqual([
      { segment: 'cart-abandoner', profileId: 'p2', change: 'exited', at: AT, reason: 'merged into p1' },
      { segment: 'vip', profileId: 'p2', change: 'exited', at: AT, reason: 'merged into p1' },
    ]);
  });

  it('exits every segment of a deleted profile', () => {
    expect(summary(segmentChanges(profile('p3', ['vip', 'a']), undefined, AT))).toEqual([
      'exited a (profile deleted)',
      'exited vip (profile deleted)',
    ]);
  });

  it('re-enters the segments of a merged-away profile that comes back (unmerge)', () => {
    const before = profile('p2', ['vip'], { mergedInto: 'p1' });
    const after = profile('p2', ['vip', 'new']);
    expect(summary(segmentChanges(before, after, AT))).toEqual(['entered new (unmerged from p1)', 'entered vip (unmerged from p1)']);
  });

  it('gives nothing for a profile that stays merged away, or for nothing at all', () => {
    const gone = profile('p2', ['vip'], { mergedInto: 'p1' });
    expect(segmentChanges(gone, { ...gone, version: 3, segments: { other: AT } }, AT)).toEqual([]);
    expect(segmentChanges(undefined, gone, AT)).toEqual([]);
    expect(segmentChanges(gone, undefined, AT)).toEqual([]);
    expect(segmentChanges(undefined, undefined, AT)).toEqual([]);
  });

  it('refuses two different profiles', () => {
    expect(() => segmentChanges(profile('a', []), profile('b', []), AT)).toThrow(/different profiles/);
  });

  it('names the detail types', () => {
    expect(segmentDetailType({ change: 'entered' })).toBe('Segment Entered');
    expect(segmentDetailType({ change: 'exited' })).toBe('Segment Exited');
  });
});
