import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambda/config';

const problem = (input: Parameters<typeof parseConfig>[0]) => {
  try {
    parseConfig(input);
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
};

describe('config cross-field rules', () => {
  it('refuses a limit on an identifier type that is not configured, naming the path and the closest type', () => {
    expect(problem({ unification: { identity: { limits: { emial: 1 } } } })).toMatch(
      /unification\.identity\.limits\.emial: unknown identifier type "emial" \(did you mean "email"\?\)/,
    );
  });

  it('defaults limits only for the configured identifier types', () => {
    const config = parseConfig({ unification: { identity: { identifiers: ['userId', 'loyaltyId'] } } });
    expect(config.unification.identity.limits).toEqual({ userId: 1 });
  });

  it('refuses a segment on a computed trait that does not exist', () => {
    expect(
      problem({ unification: { segments: { big: { rule: { any: [{ attr: 'computed.lifetimValue', op: 'gte', value: 500 }] } } } } }),
    ).toMatch(/unification\.segments\.big\.rule\.any\.0\.attr: unknown computed trait "lifetimValue" \(did you mean "lifetimeValue"\?\)/);
  });

  it('refuses a segment on an unknown identifier type or enrichment', () => {
    expect(problem({ unification: { segments: { s: { rule: { attr: 'identifiers.mail', op: 'exists' } } } } })).toMatch(
      /segments\.s\.rule\.attr: unknown identifier type "mail"/,
    );
    expect(problem({ unification: { segments: { s: { rule: { attr: 'enriched.regoin', op: 'eq', value: 'EU' } } } } })).toMatch(
      /unknown enriched attribute "regoin" \(did you mean "region"\?\)/,
    );
  });

  it('accepts segments on the built-in counters, configured computed traits and traits of any name', () => {
    expect(
      problem({
        unification: {
          segments: {
            a: { rule: { all: [{ attr: 'computed.eventCount', op: 'gt', value: 1 }, { attr: 'computed.ordersLast90Days', op: 'gte', value: 1 }] } },
            b: { rule: { attr: 'traits.anything.nested', op: 'exists' } },
          },
        },
      }),
    ).toBeUndefined();
  });
});

describe('file mappings', () => {
  it('refuses a track mapping with no event and no identifier column at load, both problems at the path', () => {
    const message = problem({ collection: { sources: { pos: { file: { type: 'track', properties: { total: 'total' } } } } } }) ?? '';
    expect(message).toMatch(/collection\.sources\.pos\.file: the file mapping is of type "track" but names no event/);
    expect(message).toMatch(/collection\.sources\.pos\.file: the file mapping names no identifier column/);
  });

  it('accepts a complete mapping', () => {
    expect(problem({ collection: { sources: { pos: { file: { type: 'track', event: 'Order Completed', anonymousId: 'receipt_id' } } } } })).toBeUndefined();
  });
});
