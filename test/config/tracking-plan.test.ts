/** The trackingPlan config section: its defaults, a full plan, and errors that name the path of each mistake. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambda/config';

const events = (defs: Record<string, unknown>) => ({ trackingPlan: { events: defs } });

describe('trackingPlan config', () => {
  it('is an empty plan by default: allow, unplanned events allowed', () => {
    expect(parseConfig({}).trackingPlan).toEqual({ mode: 'allow', sources: {}, unplannedEvents: 'allow', events: {} });
  });

  it('fills each event schema and reads modes per source', () => {
    const plan = parseConfig({
      trackingPlan: {
        mode: 'block',
        sources: { web: 'allow' },
        unplannedEvents: 'block',
        events: { 'Order Completed': { properties: { revenue: { type: 'number', min: 0 } }, required: ['revenue'] } },
        identify: { properties: { email: { type: 'string', pattern: '@' } } },
      },
    }).trackingPlan;
    expect(plan.events['Order Completed']).toEqual({ properties: { revenue: { type: 'number', min: 0 } }, required: ['revenue'], additionalProperties: true });
    expect(plan.identify).toEqual({ properties: { email: { type: 'string', pattern: '@' } }, required: [], additionalProperties: true });
    expect(plan.sources).toEqual({ web: 'allow' });
  });

  it('refuses a required property that is not declared, naming its path', () => {
    expect(() => parseConfig(events({ A: { properties: { x: { type: 'string' } }, required: ['x', 'y'] } }))).toThrow(
      /trackingPlan\.events\.A\.required\.1: required property "y" is not declared in properties/,
    );
    expect(() => parseConfig({ trackingPlan: { identify: { required: ['email'] } } })).toThrow(/trackingPlan\.identify\.required\.0: required property "email"/);
  });

  it('refuses unknown types, modes and fields', () => {
    expect(() => parseConfig(events({ A: { properties: { x: { type: 'date' } } } }))).toThrow(/trackingPlan\.events\.A\.properties\.x\.type/);
    expect(() => parseConfig({ trackingPlan: { mode: 'warn' } })).toThrow(/trackingPlan\.mode/);
    expect(() => parseConfig({ trackingPlan: { sources: { web: 'drop' } } })).toThrow(/trackingPlan\.sources\.web/);
    expect(() => parseConfig({ trackingPlan: { unplannedEvents: 'ignore' } })).toThrow(/trackingPlan\.unplannedEvents/);
    expect(() => parseConfig(events({ A: { props: {} } }))).toThrow(/trackingPlan\.events\.A[\s\S]*props/);
  });

  it('refuses constraints that do not fit the type, and inverted bounds', () => {
    const bad = (property: Record<string, unknown>) => () => parseConfig(events({ A: { properties: { x: property } } }));
    expect(bad({ type: 'string', pattern: '(' })).toThrow(/trackingPlan\.events\.A\.properties\.x\.pattern: not a valid regular expression/);
    expect(bad({ type: 'number', pattern: 'a' })).toThrow(/properties\.x\.pattern: a pattern applies to strings/);
    expect(bad({ type: 'boolean', min: 1 })).toThrow(/properties\.x\.min: min applies to numbers, strings and arrays/);
    expect(bad({ type: 'number', min: 5, max: 1 })).toThrow(/properties\.x\.max: max \(1\) is below min \(5\)/);
    expect(bad({ type: 'integer', enum: [1, 1.5] })).toThrow(/properties\.x\.enum\.1: 1\.5 is not of type integer/);
    expect(bad({ type: 'string', enum: [] })).toThrow(/properties\.x\.enum/);
    expect(bad({ type: 'object', enum: ['a'] })).toThrow(/properties\.x\.enum/);
  });
});
