/** The stored profile document carries consent, and documents written before consent existed still read. */
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeProfile, encodeProfile } from '../../../lambda/unification/contracts/profile-document';
import { addDecisions } from '../../../lambda/unification/core/profile/consent';
import { emptyProfile } from '../../../lambda/unification/core/profile/profile';
import { plainView } from '../fixtures/plain-view';

const T = Date.UTC(2026, 9, 1);

describe('profile document and consent', () => {
  it('keeps the consent history through encode and decode', () => {
    const consent = addDecisions(undefined, [
      { purpose: 'marketing_email', status: 'granted', at: T, source: 'event', policyVersion: '3', messageId: 'm-1' },
      { purpose: 'analytics', status: 'denied', at: T, source: 'context', policyVersion: '3', messageId: 'm-1' },
    ]);
    const profile = { ...emptyProfile('p-1', '2026-10-01T00:00:00.000Z'), consent };
    expect(decodeProfile(encodeProfile(profile)).consent).toEqual(consent);
  });

  it('decodes a document without consent: every purpose then shows its default', () => {
    const { consent: _none, ...old } = { ...emptyProfile('p-2', '2026-01-01T00:00:00.000Z'), consent: undefined };
    const decoded = decodeProfile(deflateRawSync(JSON.stringify(old)));
    expect(decoded.consent).toBeUndefined();
    expect(plainView(decoded).consent).toEqual({});
    expect(plainView(decoded, { marketing_sms: { whenMissing: 'denied' } }).consent).toEqual({
      marketing_sms: { status: 'denied', at: null, source: 'default', policyVersion: null, explicit: false },
    });
  });
});
