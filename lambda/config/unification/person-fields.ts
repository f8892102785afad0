/**
 * The canonical person fields the batch matcher understands. Source columns are
 * mapped onto these names (e.g. by `c360 resolve --map`), and the matching rules
 * (matching.ts) refer to them. Pure module.
 */

export const PERSON_FIELDS = [
  'firstName',
  'middleName',
  'lastName',
  'dateOfBirth',
  'birthYear',
  'birthMonth',
  'birthDay',
  'streetNumber',
  'address1',
  'address2',
  'city',
  'postcode',
  'state',
  'country',
  'nationalId',
  'email',
  'phone',
  'fullName',
  'gender',
  'birthplace',
] as const;

export type PersonField = (typeof PERSON_FIELDS)[number];

/** One line per field, shown by `c360 resolve --help`. */
export const PERSON_FIELD_DESCRIPTIONS: Record<PersonField, string> = {
  firstName: 'given name (nicknames, typos, initials and first/last swaps are tolerated)',
  middleName: 'middle name(s) or initial',
  lastName: 'family name; double-barrelled and compound names match their parts',
  dateOfBirth: 'date of birth: YYYY-MM-DD, YYYYMMDD, DD/MM/YYYY or MM/DD/YYYY',
  birthYear: 'birth year, when the date comes in separate columns',
  birthMonth: 'birth month (1-12 or a month name)',
  birthDay: 'birth day of month (1-31)',
  streetNumber: 'house or street number (e.g. 12, 12a)',
  address1: 'first address line, usually the street (St/Rd/Ave are expanded)',
  address2: 'second address line: unit, building, complex (compared with address1 too)',
  city: 'city, town or suburb',
  postcode: 'postal or ZIP code',
  state: 'state, province or region',
  country: 'country name or ISO code',
  nationalId: 'national identifier such as an SSN or tax number (punctuation ignored)',
  email: 'email address (case and +tags ignored)',
  phone: 'phone number (formatting and international prefix ignored)',
  fullName: 'whole name in one column ("Dr. Anna van Berg", "Berg, Anna"): titles and suffixes dropped, then split into the name parts not mapped on their own',
  gender: 'gender or sex (m/f, male/female, man/woman, M/W, H/F, ISO 5218 1/2; other values kept as given); a mismatch counts against a match',
  birthplace: 'place of birth (compared like city: typos and partial names tolerated)',
};

export function isPersonField(name: string): name is PersonField {
  return (PERSON_FIELDS as readonly string[]).includes(name);
}

/** A value of a person field or attribute as read from a source. */
export type PersonValue = string | number | null | undefined;

/**
 * A person record as handed to the matcher: an id, any of the person fields,
 * and free categorical attributes (occupation, nationality, ...) by name; the
 * matcher compares only the attributes its rules declare (`categorical`).
 */
export type PersonRecord = { id: string } & Partial<Record<PersonField, PersonValue>> & {
  attributes?: Readonly<Record<string, PersonValue>>;
};
