/**
 * Identifier normalisation, shared by every path that reads or looks up an
 * identifier (the consumer, the profile API, the CLI), so `Ana@Example.COM `
 * and `ana@example.com` are one identifier everywhere.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** Lower-cased, trimmed email; undefined when the value is not an email address. */
export function normalizeEmail(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const email = value.trim().toLowerCase();
  // Deliberately loose: one @, something on each side, a dot in the domain, no spaces.
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? email : undefined;
}

/** Parsing a phone number costs ~10 µs; the same customers' numbers recur, so recent results are kept. */
const PHONE_MEMO_LIMIT = 10_000;
const phoneMemo = new Map<string, string | null>();

/** E.164 phone number (`+14155550123`); undefined when it is not a valid number. */
export function normalizePhone(value: unknown, defaultRegion: string): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  if (text.length === 0 || text.length > 40) return undefined;
  const memoKey = `${defaultRegion}|${text}`;
  let e164 = phoneMemo.get(memoKey);
  if (e164 === undefined) {
    const phone = parsePhoneNumberFromString(text, defaultRegion as CountryCode);
    e164 = phone?.isValid() ? phone.number : null;
    if (phoneMemo.size >= PHONE_MEMO_LIMIT) phoneMemo.clear();
    phoneMemo.set(memoKey, e164);
  }
  return e164 ?? undefined;
}

/** Trimmed string form of an id (Segment allows numeric ids); undefined when empty. */
export function normalizeId(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const id = value.trim();
  return id.length > 0 ? id : undefined;
}

/** Normalises a value of the given identifier type; undefined when it is unusable. */
export function normalizeIdentifier(type: string, value: unknown, defaultRegion: string): string | undefined {
  switch (type) {
    case 'email':
      return normalizeEmail(value);
    case 'phone':
      return normalizePhone(value, defaultRegion);
    default:
      return normalizeId(value);
  }
}
