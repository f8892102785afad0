/**
 * Ad-platform hashing of audience exports, pinned by known SHA-256 digests:
 * emails trimmed and lower-cased, Meta's phones as digits with the country
 * code, Google's in E.164 with `+`, names lower-cased; direct fields hashed
 * per the classification, the others passed as they are.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambda/config';
import { exportValue, hashForDestination, normalizeForDestination } from '../../lambda/governance/contracts/audience-hashing';

/** Known SHA-256 digests (hex) of the normalised values. */
const DIGEST = {
  'test@example.com': '973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b',
  'ana@example.com': '8e43ca37701228e74983efdbd0cff5c16b3b1e5d4e29a7c05626d4d25a018e11',
  '15035550101': '31f5f449920dc4df035eae25596f63cb79fec1a5f7c0a2b428159864575d693c',
  '+15035550101': 'f2ec1a9e432ee94f21a4f5f203a675d6f067d080572a1e8628a9597ebe7d0015',
  ana: '24d4b96f58da6d4a8512313bbd02a28ebf0ca95dec6e4c86ef78ce7f01e788ac',
  lee: '1508b697895abf03d55c3841f59236ab92c9ba6ba89795c8337fcf392fdee8b4',
  us: '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621',
} as const;
const sha = (s: keyof typeof DIGEST) => DIGEST[s];

describe('hashForDestination', () => {
  it('hashes the trimmed, lower-cased email for every destination', () => {
    for (const destination of ['meta', 'google', 'sha256'] as const) expect(hashForDestination(destination, 'email', '  Test@Example.COM ')).toBe(sha('test@example.com'));
  });

  it('hashes Meta phones as digits with the country code and no +', () => {
    expect(normalizeForDestination('meta', 'phone', '(503) 555-0101')).toBe('15035550101');
    expect(hashForDestination('meta', 'phone', '+1 503 555 0101')).toBe(sha('15035550101'));
  });

  it('hashes Google phones in E.164 with the +', () => {
    expect(normalizeForDestination('google', 'traits.phone', '503-555-0101')).toBe('+15035550101');
    expect(hashForDestination('google', 'traits.phone', '503-555-0101')).toBe(sha('+15035550101'));
    expect(hashForDestination('google', 'phone', '+15035550101')).not.toBe(hashForDestination('meta', 'phone', '+15035550101'));
  });

  it('reads national numbers in the given region', () => {
    expect(normalizeForDestination('google', 'phone', '020 7946 0958', 'GB')).toBe('+442079460958');
  });

  it('lower-cases and trims names', () => {
    expect(hashForDestination('meta', 'firstName', '  Ana ')).toBe(sha('ana'));
    expect(hashForDestination('google', 'lastName', 'LEE')).toBe(sha('lee'));
  });

  it('has nothing to hash for an empty value or a phone that is not one', () => {
    expect(hashForDestination('meta', 'email', '   ')).toBeUndefined();
    expect(hashForDestination('meta', 'phone', 'not a phone')).toBeUndefined();
    expect(hashForDestination('google', 'phone', null)).toBeUndefined();
  });
});

describe('exportValue', () => {
  const config = parseConfig({});

  it('hashes direct fields for the destination', () => {
    expect(exportValue(config, 'traits.email', 'Ana@Example.com', 'google')).toBe(sha('ana@example.com'));
    expect(exportValue(config, 'identifiers.phone', '+15035550101', 'meta')).toBe(sha('15035550101'));
  });

  it('passes fields that are not direct as they are', () => {
    expect(exportValue(config, 'traits.country', 'US', 'meta')).toBe('US');
    expect(exportValue(config, 'traits.loyaltyTier', 'gold', 'google')).toBe('gold');
  });

  it('follows a config override of a field\'s class', () => {
    const strict = parseConfig({ governance: { classification: { fields: { 'traits.country': { class: 'direct', category: 'location' } } } } });
    expect(exportValue(strict, 'traits.country', ' US', 'sha256')).toBe(sha('us'));
  });
});
