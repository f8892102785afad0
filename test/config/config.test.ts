import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambda/config';
import { identityRules } from '../../lambda/unification/core/identity/identity-rules';

describe('config', () => {
  it('fills every default from an empty object', () => {
    const config = parseConfig({});
    expect(config.unification.identity.limits).toEqual({ userId: 1, email: 5, phone: 5, anonymousId: 50, deviceToken: 20 });
    expect(config.collection.stream).toEqual({ mode: 'on-demand', shards: 1, retentionHours: 24 });
    expect(config.removalPolicy).toBe('retain');
  });

  it('lists every problem with its path', () => {
    expect(() =>
      parseConfig({
        collection: { stream: { shards: 0 }, sources: { CRM: {} } },
        unification: { identity: { blocked: ['/(unclosed/'] } },
      }),
    ).toThrow(/collection\.stream\.shards[\s\S]*collection\.sources\.CRM[\s\S]*unification\.identity\.blocked\.0: a blocked value written \/like this\/ must be a valid regular expression/);
    expect(() => parseConfig({ unknownSection: true })).toThrow(/unknownSection/);
  });

  it('compiles identity rules: priority by order, limits, exact and pattern blocked values', () => {
    const rules = identityRules({ identifiers: ['userId', 'email'], limits: { userId: 1 }, blocked: ['N/A', '/^0+$/'] });
    expect(rules.priority('userId')).toBeLessThan(rules.priority('email'));
    expect(rules.limit('userId')).toBe(1);
    expect(rules.limit('email')).toBe(Number.POSITIVE_INFINITY);
    expect(rules.blockedReason('n/a')).toMatch(/blocked value/);
    expect(rules.blockedReason('0000')).toMatch(/\/\^0\+\$\//);
    expect(rules.blockedReason('cust-1')).toBeUndefined();
  });
});
