/**
 * A unified profile as a person record for the batch matchers (the built-in
 * one and AWS Entity Resolution): the profile's current traits, with the
 * names Segment's identify calls commonly use, and its linked identifiers.
 * Pure module.
 */
import type { Profile } from '../profile/profile';
import { parseFullName } from './person-name';
import { PERSON_FIELDS, type PersonField, type PersonRecord } from '../../../config/unification/person-fields';

/** Trait names read for each field, first present wins (Segment's reserved traits first). */
const TRAIT_NAMES: Partial<Record<PersonField, readonly string[]>> = {
  firstName: ['firstName', 'first_name', 'firstname', 'givenName', 'given_name'],
  middleName: ['middleName', 'middle_name', 'middlename'],
  lastName: ['lastName', 'last_name', 'lastname', 'surname', 'familyName', 'family_name'],
  dateOfBirth: ['birthday', 'dateOfBirth', 'date_of_birth', 'birthDate', 'birth_date', 'dob'],
  birthYear: ['birthYear', 'birth_year'],
  birthMonth: ['birthMonth', 'birth_month'],
  birthDay: ['birthDay', 'birth_day'],
  streetNumber: ['streetNumber', 'street_number', 'houseNumber', 'house_number'],
  address1: ['street', 'address1', 'address_1', 'addressLine1', 'address_line1', 'address_line_1'],
  address2: ['street2', 'address2', 'address_2', 'addressLine2', 'address_line2', 'address_line_2'],
  city: ['city', 'town'],
  postcode: ['postalCode', 'postal_code', 'postcode', 'zip', 'zipCode', 'zip_code'],
  state: ['state', 'province'],
  country: ['country', 'countryCode', 'country_code'],
  nationalId: ['nationalId', 'national_id', 'ssn'],
  email: ['email'],
  phone: ['phone', 'phoneNumber', 'phone_number', 'mobile'],
  fullName: ['fullName', 'full_name', 'fullname'],
  gender: ['gender', 'sex'],
  birthplace: ['birthplace', 'birthPlace', 'birth_place', 'placeOfBirth', 'place_of_birth'],
};

/** Keys of Segment's `address` trait (an object) read for each address field. */
const ADDRESS_KEYS: Partial<Record<PersonField, readonly string[]>> = {
  streetNumber: ['streetNumber', 'street_number', 'houseNumber', 'house_number'],
  address1: ['street', 'line1', 'address1', 'street1'],
  address2: ['street2', 'line2', 'address2'],
  city: ['city'],
  postcode: ['postalCode', 'postal_code', 'postcode', 'zip'],
  state: ['state', 'region'],
  country: ['country'],
};

/** Identifier types whose linked values stand in for a missing trait. */
const IDENTIFIER_FIELDS: ReadonlyArray<readonly [PersonField, string]> = [
  ['email', 'email'],
  ['phone', 'phone'],
];

/** A scalar trait value as text; objects, arrays, booleans and blanks are no value. */
function text(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function firstText(source: Readonly<Record<string, unknown>>, names: readonly string[] | undefined): string | undefined {
  for (const name of names ?? []) {
    const value = text(source[name]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** `1990-05-04T00:00:00.000Z` (an ISO timestamp, as Segment sends `birthday`) → `1990-05-04`. */
function dateOnly(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T[\d:.]+(Z|[+-]\d{2}:?\d{2})?$/.exec(value);
  return m ? (m[1] as string) : value;
}


/**
 * The person fields of a profile: each from its current trait (see
 * TRAIT_NAMES), address fields also from the `address` object trait, a full
 * `name` split into first, middle and last (see person-name.ts) when those are
 * missing, and email and phone from the linked identifiers when no trait holds
 * them; the `categorical` attributes from the traits of those names.
 * `undefined` when no field has a value: there is nothing to match the
 * profile on (attributes alone identify no one).
 */
export function profileToPerson(profile: Profile, categorical: readonly string[] = []): PersonRecord | undefined {
  const traits: Record<string, unknown> = {};
  for (const [name, trait] of Object.entries(profile.traits)) traits[name] = trait.v;
  const address = traits.address !== null && typeof traits.address === 'object' && !Array.isArray(traits.address)
    ? (traits.address as Record<string, unknown>)
    : {};

  const person: PersonRecord = { id: profile.profileId };
  let found = false;
  for (const field of PERSON_FIELDS) {
    const value = firstText(traits, TRAIT_NAMES[field]) ?? firstText(address, ADDRESS_KEYS[field]);
    if (value !== undefined) {
      person[field] = field === 'dateOfBirth' ? dateOnly(value) : value;
      found = true;
    }
  }

  const name = text(traits.name);
  if (name !== undefined && person.firstName === undefined && person.lastName === undefined) {
    const parsed = parseFullName(name);
    if (parsed.given !== '') person.firstName = parsed.given;
    if (parsed.family !== '') person.lastName = parsed.family;
    if (parsed.middle !== '' && person.middleName === undefined) person.middleName = parsed.middle;
    if (parsed.given !== '' || parsed.family !== '') found = true;
    if (parsed.genderHint !== '' && person.gender === undefined && found) person.gender = parsed.genderHint;
  }

  for (const [field, type] of IDENTIFIER_FIELDS) {
    const linked = profile.identifiers[type]?.[0];
    if (person[field] === undefined && linked !== undefined) {
      person[field] = linked;
      found = true;
    }
  }
  if (!found) return undefined;
  const attributes: Record<string, string> = {};
  for (const attr of categorical) {
    const value = text(traits[attr]);
    if (value !== undefined) attributes[attr] = value;
  }
  if (Object.keys(attributes).length > 0) person.attributes = attributes;
  return person;
}

