/**
 * Identifier normalisation, shared by every path that reads or looks up an
 * identifier (the consumer, the profile API, the CLI), so `Ana@Example.COM `
 * and `ana@example.com` are one identifier everywhere; and the same
 * normalisation of the email and phone traits, which every path that builds
 * events (the collector, batch files, the stream consumer) applies.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** Lower-cased, trimmed email; undefined when the value is not an email address. */
export function normalizeEmail(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const email = value.trim().toLowerCase();
  return EMAIL.test(email) ? email : undefined;
}

/** Deliberately loose: one @, something on each side, a dot in the domain, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Parsing a phone number costs ~10 µs; the same customers' numbers recur, so recent results are kept. */
const PHONE_MEMO_LIMIT = 10_000;
/** Default region → number as sent (trimmed) → E.164, or null when it is not a valid number. */
const phoneMemo = new Map<string, Map<string, string | null>>();

/** E.164 phone number (`+14155550123`); undefined when it is not a valid number. */
export function normalizePhone(value: unknown, defaultRegion: string): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  if (text.length === 0 || text.length > 40) return undefined;
  let memo = phoneMemo.get(defaultRegion);
  if (memo === undefined) phoneMemo.set(defaultRegion, (memo = new Map()));
  let e164 = memo.get(text);
  if (e164 === undefined) {
    const phone = parsePhoneNumberFromString(text, defaultRegion as CountryCode);
    e164 = phone?.isValid() ? phone.number : null;
    if (memo.size >= PHONE_MEMO_LIMIT - 1) memo.clear();
    memo.set(text, e164);
    // The E.164 form normalises to itself: the identifier read from the normalised trait is then a hit too.
    if (e164 !== null) memo.set(e164, e164);
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

/** Traits that are identifiers too, and so are stored in their normalised form. */
export const CONTACT_TRAITS = ['email', 'phone'] as const;

/**
 * Where a contact trait's value as sent is kept when normalising changed it:
 * `traits.emailRaw`, `traits.phoneRaw`. These are for display only and never
 * identifiers (the consumer does not read them for identifiers, whatever the
 * configured identifier types).
 */
export const rawTraitName = (trait: string): string => `${trait}Raw`;
export const RAW_CONTACT_TRAITS: readonly string[] = CONTACT_TRAITS.map(rawTraitName);

/**
 * A traits object with `email` lower-cased and trimmed and `phone` in E.164
 * (national numbers read in `defaultRegion`), as the identifiers are. The
 * value as sent goes under `emailRaw` / `phoneRaw` when it differs (unless
 * the sender set that field itself). A value that is not an email or a phone
 * number stays as sent. Idempotent, and the same object comes back when
 * nothing changes (the consumer runs it on every event).
 */
export function normalizeContactTraits(traits: Readonly<Record<string, unknown>>, defaultRegion: string): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const trait of CONTACT_TRAITS) {
    const value = traits[trait];
    if (value === undefined || value === null) continue;
    const normalized = trait === 'email' ? normalizeEmail(value) : normalizePhone(value, defaultRegion);
    if (normalized === undefined || normalized === value) continue;
    out ??= { ...traits };
    out[trait] = normalized;
    const raw = rawTraitName(trait);
    if (out[raw] === undefined) out[raw] = value;
  }
  return out ?? (traits as Record<string, unknown>);
}
