/**
 * Hashing of audience exports for ad platforms: the platforms match their
 * users against SHA-256 digests of normalised contact fields, so a direct
 * field never leaves c360 in clear. Each platform's normalisation is its
 * own (Meta: phone digits with country code and no `+`; Google: E.164 with
 * `+`; both: the trimmed, lower-cased email). Fields the classification
 * does not mark direct pass as they are.
 */
import { createHash } from 'node:crypto';
import type { C360Config } from '../../config';
import { normalizeEmail, normalizePhone } from '../../shared/normalize';
import { classification, type Classification } from './classification';

/** Where an audience goes: Meta's or Google's customer match, or a plain SHA-256 of the trimmed, lower-cased value. */
export const AUDIENCE_DESTINATIONS = ['meta', 'google', 'sha256'] as const;
export type AudienceDestination = (typeof AUDIENCE_DESTINATIONS)[number];

/** The contact fields a destination normalises its own way; any other field is trimmed and lower-cased. */
export type AudienceField = 'email' | 'phone' | 'firstName' | 'lastName' | (string & {});

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The last segment of a field key (`traits.email` → `email`), which names the kind of value. */
const fieldName = (field: string) => field.slice(field.lastIndexOf('.') + 1);

/**
 * The text a destination hashes for one value: emails trimmed and
 * lower-cased; phones in E.164 (read in `defaultPhoneRegion` without a
 * country code), without the `+` for Meta; everything else trimmed and
 * lower-cased. Undefined when the value is empty or not a phone number
 * where one is expected (nothing to match on).
 */
export function normalizeForDestination(destination: AudienceDestination, field: AudienceField, value: unknown, defaultPhoneRegion = 'US'): string | undefined {
  if (value === null || value === undefined) return undefined;
  const name = fieldName(field);
  if (name === 'email' || name === 'emailRaw') {
    const email = normalizeEmail(value) ?? String(value).trim().toLowerCase();
    return email.length > 0 ? email : undefined;
  }
  if ((name === 'phone' || name === 'phoneRaw') && destination !== 'sha256') {
    const e164 = normalizePhone(value, defaultPhoneRegion);
    if (e164 === undefined) return undefined;
    return destination === 'meta' ? e164.slice(1) : e164;
  }
  const text = String(value).trim().toLowerCase();
  return text.length > 0 ? text : undefined;
}

/** The hex SHA-256 of a value normalised for `destination` (normalizeForDestination); undefined when there is nothing to hash. */
export function hashForDestination(destination: AudienceDestination, field: AudienceField, value: unknown, defaultPhoneRegion = 'US'): string | undefined {
  const text = normalizeForDestination(destination, field, value, defaultPhoneRegion);
  return text === undefined ? undefined : sha256(text);
}

/**
 * The value of field `fieldKey` (`traits.email`, `identifiers.phone`, ...)
 * as an audience export sends it: hashed for `destination` when the
 * classification marks the field direct, as it is otherwise (a country, a
 * loyalty tier).
 */
export function exportValue(config: C360Config, fieldKey: string, value: unknown, destination: AudienceDestination, c: Classification = classification(config)): unknown {
  if (c.field(fieldKey).class !== 'direct') return value;
  return hashForDestination(destination, fieldKey, value, config.normalization.defaultPhoneRegion);
}
