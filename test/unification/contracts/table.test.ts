import { describe, expect, it } from 'vitest';
import { JOURNAL_SK_PREFIX, journalKey } from '../../../lambda/unification/contracts/table';

describe('journal keys', () => {
  it('sort in write order: by profile version, then an unmerge after every write', () => {
    const keys = [journalKey('last', 'unmerge-a'), journalKey(10, 'b'), journalKey(9, 'c'), journalKey(123456789, 'd')];
    expect([...keys].sort()).toEqual([journalKey(9, 'c'), journalKey(10, 'b'), journalKey(123456789, 'd'), journalKey('last', 'unmerge-a')]);
  });

  it('keep the stored shape J#<10-digit version>#<tag>', () => {
    expect(journalKey(42, 'ab12cd34')).toBe('J#0000000042#ab12cd34');
    expect(journalKey('last', 'moved-x')).toBe('J#9999999999#moved-x');
    expect(journalKey(7, 't').startsWith(JOURNAL_SK_PREFIX)).toBe(true);
  });
});
