/** Contact traits (email, phone) are normalised as identifiers are, the values as sent kept beside them. */
import { describe, expect, it } from 'vitest';
import { normalizeContactTraits, RAW_CONTACT_TRAITS, rawTraitName } from '../../lambda/shared/normalize';

describe('normalizeContactTraits', () => {
  it('lower-cases the email and writes the phone in E.164 in the default region, keeping what was sent', () => {
    expect(normalizeContactTraits({ email: 'Ana@Example.COM ', phone: '020 7946 0958', plan: 'pro' }, 'GB')).toEqual({
      email: 'ana@example.com',
      emailRaw: 'Ana@Example.COM ',
      phone: '+442079460958',
      phoneRaw: '020 7946 0958',
      plan: 'pro',
    });
    expect(RAW_CONTACT_TRAITS).toEqual(['emailRaw', 'phoneRaw']);
    expect(rawTraitName('phone')).toBe('phoneRaw');
  });

  it('is idempotent and returns the same object when nothing changes', () => {
    const once = normalizeContactTraits({ phone: '(415) 555-0112' }, 'US');
    const twice = normalizeContactTraits(once, 'US');
    expect(twice).toBe(once);
    expect(twice).toEqual({ phone: '+14155550112', phoneRaw: '(415) 555-0112' });
    const clean = { email: 'a@example.com', phone: '+14155550112' };
    expect(normalizeContactTraits(clean, 'US')).toBe(clean);
  });

  it('keeps a value that is not an email or a phone number as sent, and a raw field the sender set', () => {
    const unusable = { email: 'n/a', phone: '12345', phoneRaw: 'set by the app' };
    expect(normalizeContactTraits(unusable, 'US')).toBe(unusable);
    expect(normalizeContactTraits({ phone: '415-555-0112', phoneRaw: 'mine' }, 'US')).toEqual({ phone: '+14155550112', phoneRaw: 'mine' });
    expect(normalizeContactTraits({ email: null }, 'US')).toEqual({ email: null });
  });
});
