/** The dictionary encoding of stored documents: it reads what it wrote, what was written before it, and refuses what it cannot read. */
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deflateDocument, inflateDocument, JOURNAL_DICTIONARY, PROFILE_DICTIONARY } from '../../../lambda/unification/contracts/document-deflate';
import { decodeProfile, encodeProfile } from '../../../lambda/unification/contracts/profile-document';
import { emptyProfile, type Profile } from '../../../lambda/unification/core/profile/profile';

/**
 * Documents deflated with dictionaries 1 and 2 when they were released:
 * stored items hold bytes like these, so a change to a released dictionary
 * (which would orphan them) fails here.
 */
const PROFILE_DOC_DICTIONARY_1 =
  '/gGFVsEOgjAM/aKRdiEjeNJ/8KTZYcJEFJAQTbzs301xkG6ILru1afu69172b+JelHXxEMgnT+PRpRKIAnCPsAG6CQAcFoB8mlykRTBnEKYzW/sybd/Y5D5U4fRPgQTgl9x2nZkYpzDPUQKdD/lageOfdE3+MtJ/UIBbgZKQZcoHuCsgs4V0jH/7uEjHzD42PM0EYk5Fac/Vpb7eGhLJ1DcQi+ct7YaoG6KmVzx65i5WOysnjqzVYa20du4N';
const JOURNAL_DOC_DICTIONARY_2 = '/gLD6axcXSOcLsMVomZGBubmZgYgQLybS3UNCSRjeBiaGGAkZB1kWRCoja0FAA==';

const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

describe('stored document deflate with a preset dictionary', () => {
  it('reads documents deflated with each released dictionary', () => {
    const p = decodeProfile(bytes(PROFILE_DOC_DICTIONARY_1));
    expect(p.profileId).toBe('p-dict-1');
    expect(p.identifiers).toEqual({ email: ['ana@example.org'], userId: ['u-1'] });
    expect(p.traits.firstName).toEqual({ v: 'Ana', t: 1761991200000, m: 'm-1' });
    expect(p.links?.['userId#u-1']).toEqual([1761991200000, 'm-1', ['email#ana@example.org']]);
    const journal = JSON.parse(inflateDocument(bytes(JOURNAL_DOC_DICTIONARY_2))) as { events: Array<{ name: string; revenue: number }> };
    expect(journal.events.map((e) => [e.name, e.revenue])).toEqual([['Order Completed', 400000]]);
  });

  it('still reads a bare raw DEFLATE document, as written before dictionaries', () => {
    const text = JSON.stringify({ profileId: 'p-old', version: 1 });
    expect(inflateDocument(new Uint8Array(deflateRawSync(text)))).toBe(text);
  });

  it('round-trips any text, and a raw DEFLATE stream never starts with the marker byte', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.constantFrom(PROFILE_DICTIONARY, JOURNAL_DICTIONARY), (text, dictionary) => {
        expect(inflateDocument(deflateDocument(text, dictionary))).toBe(text);
        expect(deflateRawSync(text)[0]).not.toBe(0xfe);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a document deflated with a dictionary this code does not have, saying so', () => {
    const doc = deflateDocument('{}', PROFILE_DICTIONARY);
    doc[1] = 99;
    expect(() => inflateDocument(doc)).toThrow('deflated with dictionary 99, which this code does not have');
    expect(() => decodeProfile(doc)).toThrow(/profile document does not inflate: .*dictionary 99/);
    expect(() => deflateDocument('{}', 99)).toThrow('no document dictionary 99');
  });

  it('makes a typical profile document smaller than plain DEFLATE does', () => {
    const p: Profile = {
      ...emptyProfile('0b6f0c1e-6d0a-4f7e-9a57-1c1d2f3e4a5b', '2026-11-01T10:00:00.000Z'),
      identifiers: { email: ['ana@example.org'], phone: ['+351912345678'], userId: ['u-1'] },
      traits: { email: { v: 'ana@example.org', t: 1761991200000, m: 'm-1' }, firstName: { v: 'Ana', t: 1761991200000, m: 'm-1' }, city: { v: 'Lisboa', t: 1761991200000, m: 'm-2' } },
      computed: { eventCount: 3, firstSeen: 1761991200000, lastSeen: 1762077600000, orderCount: 1, revenue: 400000 },
      channels: { web: 2, mobile: 1 },
      seen: [['abcdefghijkl', 1762077600], ['mnopqrstuvwx', 1762077601]],
    };
    const plain = deflateRawSync(JSON.stringify({ schemaVersion: 2, ...p })).length;
    expect(encodeProfile(p).length).toBeLessThan(plain * 0.85);
    expect(decodeProfile(encodeProfile(p))).toEqual(p);
  });
});
