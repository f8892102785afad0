/** Consent in the customer record other pillars read, and in the curated `profiles.consent` column it fills. */
import { describe, expect, it } from 'vitest';
import { computedTraitColumns } from '../../../lambda/analytics/contracts/curated';
import { profileRow } from '../../../lambda/analytics/core/export-rows';
import { parseConfig } from '../../../lambda/config';
import { customerRecordReader } from '../../../lambda/unification/contracts/customer-record';
import { addDecisions } from '../../../lambda/unification/core/profile/consent';
import { emptyProfile } from '../../../lambda/unification/core/profile/profile';

const T = Date.UTC(2026, 9, 1);
const config = parseConfig({});
const profile = {
  ...emptyProfile('p-1', '2026-10-01T00:00:00.000Z'),
  consent: addDecisions(undefined, [
    { purpose: 'marketing_email', status: 'denied', at: T, source: 'event', policyVersion: '1', messageId: 'm-1' },
    { purpose: 'marketing_email', status: 'granted', at: T + 60_000, source: 'context', policyVersion: '2', messageId: 'm-2' },
  ]),
};

describe('consent in the customer record and the curated profiles table', () => {
  it('gives the current state of every configured purpose, the latest decision of those decided', () => {
    const record = customerRecordReader(config)(profile, T);
    expect(Object.keys(record.consent).sort()).toEqual(Object.keys(config.governance.consent.purposes).sort());
    expect(record.consent.marketing_email).toEqual({ status: 'granted', at: new Date(T + 60_000).toISOString(), source: 'context', policyVersion: '2', explicit: false });
    expect(record.consent.analytics).toMatchObject({ status: 'granted', source: 'default' });
  });

  it('fills profiles.consent with that state as a JSON object, queryable per purpose', () => {
    const row = profileRow(customerRecordReader(config)(profile, T), computedTraitColumns(config));
    const consent = JSON.parse(String(row.consent)) as Record<string, { status: string }>;
    expect(consent.marketing_email?.status).toBe('granted');
    expect(consent.marketing_sms?.status).toBe('denied');
  });

  it('leaves the column null until the person has decided something (every purpose then in its default state)', () => {
    const undecided = customerRecordReader(config)(emptyProfile('p-2', '2026-10-01T00:00:00.000Z'), T);
    expect(undecided.consent.analytics).toMatchObject({ source: 'default' });
    expect(profileRow(undecided, []).consent).toBeNull();
    // Without the governance config, only decided purposes are known.
    expect(customerRecordReader({ unification: config.unification })(emptyProfile('p-3', '2026-10-01T00:00:00.000Z'), T).consent).toEqual({});
  });
});
