import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambda/config';

describe('journal retention', () => {
  it('defaults to 400 days and takes a setting from 1 to 3650, naming the path when it is wrong', () => {
    expect(parseConfig({}).unification.identity.journalRetentionDays).toBe(400);
    expect(parseConfig({ unification: { identity: { journalRetentionDays: 90 } } }).unification.identity.journalRetentionDays).toBe(90);
    expect(() => parseConfig({ unification: { identity: { journalRetentionDays: 0 } } })).toThrow(/unification\.identity\.journalRetentionDays/);
    expect(() => parseConfig({ unification: { identity: { journalRetentionDays: 1.5 } } })).toThrow(/unification\.identity\.journalRetentionDays/);
  });
});
