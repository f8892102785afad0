import { deflateRawSync } from 'node:zlib';
import { inflateDocument } from '../../../lambda/unification/contracts/document-deflate';
import { describe, expect, it } from 'vitest';
import { decodeProfile, encodeProfile, PROFILE_DOC_VERSION } from '../../../lambda/unification/contracts/profile-document';
import { emptyProfile, type Profile } from '../../../lambda/unification/core/profile/profile';
import { explainIdentifiers } from '../../../lambda/unification/core/profile/provenance';
import { UNVERSIONED_PROFILE_DOC } from '../fixtures/profile-document-v1';

/**
 * A profile item's `doc` as the profile store wrote it before the encoding
 * became a contract (JSON, raw DEFLATE): stored items hold these bytes.
 */
const STORED_DOC =
  'fVFNa8MgGP4vz9kUzUZLPa0MBrvssrHDQg6ueZNKowlvtCuU/PcRm7FC2MSD+nyqF/Tc1bal5woafVbbc4hMmYLAiXiwnYe+E9gzmUDVLkAjl/k6UyqT6k1JLae5klJ+QCD21ZKWL2i2Ih9sbYkH6AvIGdtCFzDePNDZuL6lVccNSoE4EE/dCsRMoRwFAhsbbnUXnKAXWoEArTZrtd2qXE5DwEHDZQqjQG15CC/G0Y9+583/mlFg37k+BqpS+Il8eOyiD9D57PdK5BcGrbkBcrnZrGeg44p4dlACPDlGgr5P+BR3MN5Tm+76RZ+JtWcHrUYBR9zQAF2U87p64s5d90OKKwocFcRvnVIUOObpZO5RJnLjyF9f9GCbw7tppxZ//984fgM=';

describe('the profile document contract', () => {
  it('decodes a document stored the way the profile store has always encoded it', () => {
    const p = decodeProfile(new Uint8Array(Buffer.from(STORED_DOC, 'base64')));
    expect(p.profileId).toBe('p-fixture-1');
    expect(p.version).toBe(3);
    expect(p.identifiers).toEqual({ email: ['ana@example.org'], userId: ['u-1'] });
    expect(p.traits.firstName).toEqual({ v: 'Ana', t: 1761991200000, m: 'm-1' });
    expect(p.computed).toEqual({ eventCount: 2, firstSeen: 1761991200000, lastSeen: 1762077600000, orderCount: 1, revenue: 400000 });
    expect(p.segments).toEqual({ highValue: '2026-11-02T10:00:00.000Z' });
  });

  it('encodes as JSON with its schema version, deflated, and decodes back to the same profile', () => {
    const p: Profile = { ...emptyProfile('p-2', '2026-11-01T00:00:00.000Z'), channels: { web: 3 }, mergedFrom: ['p-1'] };
    const stored = JSON.parse(inflateDocument(encodeProfile(p))) as Record<string, unknown>;
    expect(stored.schemaVersion).toBe(PROFILE_DOC_VERSION);
    expect(decodeProfile(encodeProfile(p))).toEqual(p);
    expect(decodeProfile(encodeProfile(p))).not.toHaveProperty('schemaVersion');
  });

  it('decodes a full document written before documents carried a version, and explains its identifiers as unrecorded', () => {
    const p = decodeProfile(new Uint8Array(Buffer.from(UNVERSIONED_PROFILE_DOC, 'base64')));
    expect(p.profileId).toBe('p-fixture-a');
    expect(p.version).toBe(7);
    expect(p.identifiers).toEqual({ email: ['ana@example.org'], phone: ['+351912345678'], userId: ['u-1'] });
    expect(p.traits.city?.v).toBe('Lisboa');
    expect(p.computed).toMatchObject({ eventCount: 6, orderCount: 2, revenue: 525000 });
    expect(p.consent?.marketing_email?.at(-1)).toMatchObject({ status: 'granted' });
    expect(p.scores?.churn?.score).toBe(0.27);
    expect(Object.keys(p.segments ?? {}).sort()).toEqual(['highValue', 'recentBuyers']);
    expect(p.rejectedIdentifiers?.map((r) => r.value)).toEqual(['test@test.com']);
    expect(p.merges).toHaveLength(1);
    expect(explainIdentifiers(p).map((l) => [l.type, l.rule])).toEqual([
      ['email', 'unrecorded'],
      ['phone', 'unrecorded'],
      ['userId', 'unrecorded'],
    ]);
    // Written again, it is a current document and reads the same.
    expect(decodeProfile(encodeProfile(p))).toEqual(p);
  });

  it('refuses a document of a newer or invalid schema version, saying which', () => {
    const doc = (version: unknown) => new Uint8Array(deflateRawSync(JSON.stringify({ schemaVersion: version, profileId: 'p-1' })));
    expect(() => decodeProfile(doc(PROFILE_DOC_VERSION + 1))).toThrow(`schemaVersion ${PROFILE_DOC_VERSION + 1}, newer than this code reads (up to ${PROFILE_DOC_VERSION})`);
    expect(() => decodeProfile(doc('2'))).toThrow(/invalid schemaVersion/);
    expect(() => decodeProfile(doc(0))).toThrow(/invalid schemaVersion/);
  });

  it('says what is wrong with a document that cannot be read, without quoting its content', () => {
    expect(() => decodeProfile(undefined)).toThrow('profile item has no binary doc attribute');
    expect(() => decodeProfile('text')).toThrow('profile item has no binary doc attribute');
    expect(() => decodeProfile(new Uint8Array([0xff, 0xfe, 0xfd, 0xfc]))).toThrow(/does not inflate/);
    const notJson = new Uint8Array(deflateRawSync('{"email": "ana@example.org"'));
    expect(() => decodeProfile(notJson)).toThrow('profile document is not JSON');
    try {
      decodeProfile(notJson);
    } catch (err) {
      expect((err as Error).message).not.toContain('ana@example.org');
    }
    expect(() => decodeProfile(new Uint8Array(deflateRawSync('{"version": 1}')))).toThrow('profile document is not a profile (no profileId)');
    expect(() => decodeProfile(new Uint8Array(deflateRawSync('null')))).toThrow(/not a profile/);
  });
});
