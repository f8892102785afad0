import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import {
  mappedColumns,
  mappingProblem,
  mapRow,
  parseConsentAnswer,
  parseDate,
  parseNumber,
  rowMessageId,
  type FileMapping,
  type RowContext,
} from '../../../lambda/collection/core/file-mapping';
import { ingestEvent } from '../../../lambda/collection/core/ingest';
import raw from '../../../c360.config';

const config = parseConfig(raw);
const mappingOf = (source: string): FileMapping => {
  const file = config.collection.sources[source]?.file;
  if (file === undefined) throw new Error(`no file mapping for ${source}`);
  return file;
};
const crm = mappingOf('crm');
const pos = mappingOf('pos');
const support = mappingOf('support');
const consent = mappingOf('consent');
const ctx = (source: string, line = 2): RowContext => ({
  source,
  fileKey: `landing/${source}/export.csv`,
  line,
  fileTime: Date.parse('2026-11-01T00:00:00.000Z'),
  defaultPhoneRegion: 'US',
});

const ok = (result: ReturnType<typeof mapRow>) => {
  if (!result.ok) throw new Error(result.reason);
  return result.event as Record<string, any>;
};

const crmRow = {
  customer_id: 'cust_10000',
  email: ' Hazle.Armstrong63@Yahoo.com ',
  phone: '(503) 905-1305',
  updated_at: '2026-10-01 09:30:00',
  first_name: 'Hazle',
  last_name: 'Armstrong',
  city: 'Portland',
  state: '',
  loyalty_tier: 'gold',
};

describe('batch file row mapping', () => {
  it('maps a CRM row to an identify carrying its traits, email and phone', () => {
    const event = ok(mapRow(crmRow, crm, ctx('crm')));
    expect(event).toMatchObject({
      type: 'identify',
      userId: 'cust_10000',
      // A date-time without a zone is read as UTC, whatever the machine's zone.
      timestamp: '2026-10-01T09:30:00.000Z',
      traits: {
        firstName: 'Hazle',
        lastName: 'Armstrong',
        city: 'Portland',
        loyaltyTier: 'gold',
        email: 'Hazle.Armstrong63@Yahoo.com',
        phone: '(503) 905-1305',
      },
      context: { channel: 'crm', file: { key: 'landing/crm/export.csv', line: 2 } },
    });
    // Empty cells are left out rather than sent as empty strings.
    expect(event.traits).not.toHaveProperty('state');
    expect(event).not.toHaveProperty('anonymousId');
    expect(event).not.toHaveProperty('event');

    // The shared ingest normalisation accepts it and normalises the identifiers.
    const ingested = ingestEvent(event, {
      source: 'crm',
      receivedAt: Date.parse('2026-11-02T00:00:00Z'),
      options: { defaultPhoneRegion: 'US', parseUserAgent: true, truncateIp: true },
      newMessageId: randomUUID,
    });
    expect(ingested.ok && ingested.event.traits).toMatchObject({ email: 'hazle.armstrong63@yahoo.com', phone: '+15039051305' });
  });

  it('maps a POS row to a track "Order Completed" with numeric properties and the phone in context.traits', () => {
    const row = { receipt_id: 'R-77', phone: '503-905-1305', purchased_at: '2026-10-05T18:02:11+02:00', total: '129.90', store: 'Portland', sku: 'SKU-1' };
    const event = ok(mapRow(row, pos, ctx('pos')));
    expect(event).toMatchObject({
      type: 'track',
      event: 'Order Completed',
      anonymousId: 'R-77',
      messageId: 'pos:R-77',
      timestamp: '2026-10-05T16:02:11.000Z',
      properties: { orderId: 'R-77', total: 129.9, store: 'Portland', sku: 'SKU-1' },
      context: { channel: 'pos', traits: { phone: '503-905-1305' } },
    });
    expect(typeof event.properties.total).toBe('number');
    // The order id is a property, not a number column: it stays text.
    expect(event.properties.orderId).toBe('R-77');
  });

  it('maps JSON values as they are: numbers stay numbers, numeric ids become text', () => {
    const event = ok(mapRow({ ticket_id: 4711, email: 'a@b.co', closed_at: 1780000000, csat: 5, topic: 'returns' }, support, ctx('support')));
    expect(event).toMatchObject({
      anonymousId: '4711',
      messageId: 'support:4711',
      timestamp: new Date(1780000000 * 1000).toISOString(),
      properties: { ticketId: 4711, csat: 5, topic: 'returns' },
    });
  });

  it('rejects a row whose identifier columns are all empty, naming them', () => {
    const result = mapRow({ ...crmRow, customer_id: '  ' }, crm, ctx('crm'));
    expect(result).toEqual({ ok: false, reason: 'missing identifier: column "customer_id" is empty' });
    const both: FileMapping = { ...pos, userId: 'customer' };
    expect(mapRow({ receipt_id: '', customer: '' }, both, ctx('pos'))).toEqual({
      ok: false,
      reason: 'missing identifier: columns "customer" and "receipt_id" are empty',
    });
  });

  it('leaves an invalid email or phone out of the identifiers with a warning, and the row goes on', () => {
    const result = mapRow({ ...crmRow, email: 'hazle at yahoo', phone: '12' }, crm, ctx('crm'));
    if (!result.ok) throw new Error(result.reason);
    expect(result.warnings).toEqual([
      'column "email" is not a valid email address (left out)',
      'column "phone" is not a valid phone number (left out)',
    ]);
    expect(result.event).toMatchObject({ userId: 'cust_10000', traits: { firstName: 'Hazle' } });
    expect(result.event.traits).not.toHaveProperty('email');
    expect(result.event.traits).not.toHaveProperty('phone');
    // A valid row has no warnings.
    const clean = mapRow(crmRow, crm, ctx('crm'));
    expect(clean.ok && clean.warnings).toEqual([]);
  });

  it("rejects a row with an invalid email or phone when the mapping's invalidIdentifiers is reject", () => {
    const strict: FileMapping = { ...crm, invalidIdentifiers: 'reject' };
    expect(mapRow({ ...crmRow, email: 'hazle@' }, strict, ctx('crm'))).toEqual({
      ok: false,
      reason: 'column "email" is not a valid email address',
    });
    expect(mapRow({ ...crmRow, phone: 'call me' }, strict, ctx('crm'))).toEqual({ ok: false, reason: 'column "phone" is not a valid phone number' });
    expect(mapRow(crmRow, strict, ctx('crm')).ok).toBe(true);
  });

  it('rejects a row whose only identifier is an invalid email, whatever the policy', () => {
    const emailOnly: FileMapping = { type: 'identify', email: 'email', traits: {}, properties: {}, consent: {}, numbers: [], delimiter: ',', invalidIdentifiers: 'warn' };
    expect(mapRow({ email: 'not-an-email' }, emailOnly, ctx('crm'))).toEqual({
      ok: false,
      reason: 'no usable identifier: column "email" is not a valid email address',
    });
  });

  it('rejects a row with a number column that is not a number', () => {
    const row = { receipt_id: 'R-1', purchased_at: '2026-10-05', total: '12,50' };
    expect(mapRow(row, pos, ctx('pos'))).toEqual({ ok: false, reason: 'column "total" is not a number' });
    expect(mapRow({ ...row, total: 'n/a' }, pos, ctx('pos'))).toEqual({ ok: false, reason: 'column "total" is not a number' });
    // An empty number cell is simply absent.
    expect(ok(mapRow({ ...row, total: '' }, pos, ctx('pos'))).properties).not.toHaveProperty('total');
  });

  it('rejects a row with a date that cannot be read, impossible dates included', () => {
    const reason = 'column "updated_at" is not a date (ISO-8601 or epoch seconds expected)';
    for (const updated_at of ['yesterday', '03/04/2026', '2026-02-30', '2026-13-01T00:00:00Z', '2026-10-01T25:00:00Z']) {
      expect(mapRow({ ...crmRow, updated_at }, crm, ctx('crm')), updated_at).toEqual({ ok: false, reason });
    }
  });

  it('uses the file time for a row without a time', () => {
    expect(ok(mapRow({ ...crmRow, updated_at: '' }, crm, ctx('crm'))).timestamp).toBe('2026-11-01T00:00:00.000Z');
  });

  it('takes the messageId from its column (namespaced by source), else a hash of source, file and line that is stable', () => {
    expect(ok(mapRow({ receipt_id: 'R-9', purchased_at: '2026-10-05' }, pos, ctx('pos'))).messageId).toBe('pos:R-9');

    const first = ok(mapRow(crmRow, crm, ctx('crm', 7))).messageId as string;
    expect(first).toBe(rowMessageId('crm', 'landing/crm/export.csv', 7));
    expect(first).toMatch(/^file-[0-9a-f]{32}$/);
    // Re-importing the file gives the same id; another line, file or source does not.
    expect(ok(mapRow(crmRow, crm, ctx('crm', 7))).messageId).toBe(first);
    expect(ok(mapRow(crmRow, crm, ctx('crm', 8))).messageId).not.toBe(first);
    expect(ok(mapRow(crmRow, crm, { ...ctx('crm', 7), fileKey: 'landing/crm/other.csv' })).messageId).not.toBe(first);
    expect(rowMessageId('pos', 'landing/crm/export.csv', 7)).not.toBe(first);
  });

  it('derives the anonymousId from the messageId when only email or phone is mapped', () => {
    const emailOnly: FileMapping = { type: 'identify', email: 'email', traits: {}, properties: {}, consent: {}, numbers: [], delimiter: ',', invalidIdentifiers: 'warn' };
    const event = ok(mapRow({ email: 'ana@example.com' }, emailOnly, ctx('crm', 3)));
    expect(event.anonymousId).toBe(event.messageId);
    expect(event.traits).toEqual({ email: 'ana@example.com' });
    expect(mapRow({ email: '' }, emailOnly, ctx('crm', 3))).toEqual({ ok: false, reason: 'missing identifier: column "email" is empty' });
  });

  it('puts trait columns of a track row in context.traits, where the consumer reads profile traits', () => {
    const mapping: FileMapping = { ...support, traits: { plan: 'plan' } };
    const event = ok(mapRow({ ticket_id: 'T1', email: 'a@b.co', plan: 'pro' }, mapping, ctx('support')));
    expect(event.context.traits).toEqual({ plan: 'pro', email: 'a@b.co' });
    expect(event).not.toHaveProperty('traits');
  });

  it('finds mappings a whole file cannot be imported with', () => {
    expect(mappingProblem(crm)).toBeUndefined();
    expect(mappingProblem({ ...pos, event: undefined })).toMatch(/names no event/);
    expect(mappingProblem({ type: 'identify', traits: {}, properties: {}, consent: {}, numbers: [], delimiter: ',', invalidIdentifiers: 'warn' })).toMatch(/no identifier column/);
  });

  it('reads numbers and dates strictly', () => {
    expect([parseNumber('12'), parseNumber(' -3.5 '), parseNumber('1e3'), parseNumber('.5')]).toEqual([12, -3.5, 1000, 0.5]);
    expect([parseNumber('1,000'), parseNumber('12 EUR'), parseNumber(''), parseNumber('Infinity')]).toEqual([undefined, undefined, undefined, undefined]);
    expect(parseDate('2026-10-01')).toBe('2026-10-01T00:00:00.000Z');
    expect(parseDate('2026-10-01T10:00:00.123456Z')).toBe('2026-10-01T10:00:00.123Z');
    expect(parseDate('2026-10-01T10:00:00+0130')).toBe('2026-10-01T08:30:00.000Z');
    expect(parseDate('1780000000000')).toBe(new Date(1780000000000).toISOString());
    expect(parseDate('2024-02-29')).toBe('2024-02-29T00:00:00.000Z');
    expect(parseDate('2025-02-29')).toBeUndefined();
  });

  describe('consent columns (a CMP export)', () => {
    const consentRow = {
      decision_id: 'C-1',
      customer_id: 'cust_1001',
      email: 'maria.gonzalez@example.com',
      decided_at: '2026-10-06T09:00:00Z',
      email_opt_in: 'Yes',
      sms_opt_in: '0',
      ads: 'denied',
      analytics: '',
      policy_version: '2026-09',
    };

    it('turns the answers into the consent object of a preference event, leaving empty answers out', () => {
      const event = ok(mapRow(consentRow, consent, ctx('consent')));
      expect(event).toMatchObject({ type: 'track', event: 'Segment Consent Preference Updated', userId: 'cust_1001', messageId: 'consent:C-1', timestamp: '2026-10-06T09:00:00.000Z' });
      expect(event.context.consent).toEqual({ categoryPreferences: { marketing_email: true, marketing_sms: false, Advertising: false }, policyVersion: '2026-09' });
      expect(mappedColumns(consent)).toEqual(expect.arrayContaining(['email_opt_in', 'sms_opt_in', 'ads', 'analytics', 'policy_version']));
    });

    it('rejects a row whose answer is not one, naming the column', () => {
      expect(mapRow({ ...consentRow, sms_opt_in: 'maybe' }, consent, ctx('consent'))).toEqual({
        ok: false,
        reason: 'column "sms_opt_in" is not a consent answer (yes/no, true/false, 1/0 or granted/denied expected)',
      });
    });

    it('passes the collector\'s schema, so the consumer reads the decisions', () => {
      const event = ok(mapRow(consentRow, consent, ctx('consent')));
      const ingested = ingestEvent(event, {
        source: 'consent',
        receivedAt: Date.parse('2026-11-02T00:00:00Z'),
        options: { defaultPhoneRegion: 'US', parseUserAgent: true, truncateIp: true },
        newMessageId: randomUUID,
      });
      expect(ingested.ok && (ingested.event.context as Record<string, unknown>).consent).toEqual(event.context.consent);
      // A wrong value written by hand is refused with the path.
      const bad = ingestEvent(
        { ...event, context: { consent: { categoryPreferences: { Advertising: 'no' } } } },
        { source: 'consent', receivedAt: Date.parse('2026-11-02T00:00:00Z'), options: { defaultPhoneRegion: 'US', parseUserAgent: true, truncateIp: true }, newMessageId: randomUUID },
      );
      expect(bad).toEqual({ ok: false, reason: expect.stringContaining('context.consent.categoryPreferences.Advertising') });
    });

    it('reads yes/no, y/n, true/false, 1/0 and granted/denied in any case, and booleans and 0/1 from JSON rows', () => {
      for (const yes of ['yes', 'Y', 'TRUE', '1', 'granted', true, 1]) expect(parseConsentAnswer(yes)).toBe(true);
      for (const no of ['no', 'n', 'False', '0', 'Denied', false, 0]) expect(parseConsentAnswer(no)).toBe(false);
      for (const neither of ['maybe', '2', 2, 'opt-in', null]) expect(parseConsentAnswer(neither)).toBeUndefined();
    });

    it('refuses consent columns on an identify mapping', () => {
      expect(mappingProblem({ ...crm, consent: { marketing_email: 'opt_in' } })).toMatch(/consent columns .* "identify"/);
    });
  });
});
