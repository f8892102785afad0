/**
 * The rows of an audience export, pure: which members go (consent, a contact
 * field to match on), the columns of each ad platform's customer-list file,
 * and each member's row. Hashing is given (the governance pillar's
 * audience-hashing contract, bound by the use case), so that this module
 * decides only what goes where.
 *
 *   meta    email,phone,fn,ln,ct,zip,country           every value hashed (Meta's customer list)
 *   google  Email,Phone,First Name,Last Name,Country,Zip   names and contacts hashed; Country and Zip in clear (Google's Customer Match)
 */
import type { AudienceFormat } from '../../contracts/audiences';

/** What the rows read of a member's customer view (structurally the unification pillar's CustomerView). */
export interface AudienceMemberView {
  /** Identifier type → normalised values. */
  readonly identifiers: Readonly<Record<string, readonly string[]>>;
  readonly traits: Readonly<Record<string, unknown>>;
  /** Purpose → granted or denied. */
  readonly consent: Readonly<Record<string, string>>;
}

/** The profile fields an export reads. */
export const AUDIENCE_FIELDS = ['email', 'phone', 'firstName', 'lastName', 'city', 'zip', 'country'] as const;
export type AudienceFieldName = (typeof AUDIENCE_FIELDS)[number];

/** One field's value and the field key it was read from (`identifiers.email`, `traits.postalCode`): the classification is asked by key. */
export interface SourcedValue {
  readonly key: string;
  readonly value: string;
}

export type ContactFields = Partial<Record<AudienceFieldName, SourcedValue>>;

/** Where each field is read from, first present wins. */
const SOURCES: Readonly<Record<AudienceFieldName, readonly string[]>> = {
  email: ['identifiers.email', 'traits.email'],
  phone: ['identifiers.phone', 'traits.phone'],
  firstName: ['traits.firstName'],
  lastName: ['traits.lastName'],
  city: ['traits.city', 'traits.address.city'],
  zip: ['traits.postalCode', 'traits.postcode', 'traits.address.postalCode'],
  country: ['traits.country', 'traits.address.country'],
};

function valueAt(view: AudienceMemberView, key: string): string | undefined {
  const [root, ...path] = key.split('.');
  let v: unknown;
  if (root === 'identifiers') v = view.identifiers[path[0] ?? '']?.[0];
  else if (root === 'traits') {
    v = view.traits;
    for (const p of path) v = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[p] : undefined;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.trim().length > 0 ? v : undefined;
}

/** The member's fields an export can use (an email and a phone: the first of each identifier type, else the trait). */
export function contactFields(view: AudienceMemberView): ContactFields {
  const out: ContactFields = {};
  for (const field of AUDIENCE_FIELDS) {
    for (const key of SOURCES[field]) {
      const value = valueAt(view, key);
      if (value === undefined) continue;
      // Both platforms take ISO 3166-1 alpha-2 country codes only.
      if (field === 'country' && !/^[A-Za-z]{2}$/.test(value.trim())) continue;
      out[field] = { key, value };
      break;
    }
  }
  return out;
}

/** Whether a view's consent grants every purpose in `purposes` (an empty list grants). */
export function consentGrants(view: Pick<AudienceMemberView, 'consent'>, purposes: readonly string[]): boolean {
  return purposes.every((p) => view.consent[p] === 'granted');
}

/**
 * How values become cells: `hashed` per platform (undefined when nothing to
 * hash, such as a phone that is not a number), `plain` for a column a format
 * takes in clear (undefined when the classification forbids it in clear).
 */
export interface CellEncoder {
  hashed(format: AudienceFormat, field: AudienceFieldName, value: SourcedValue): string | undefined;
  plain(field: AudienceFieldName, value: SourcedValue): string | undefined;
}

interface Column {
  readonly header: string;
  readonly field: AudienceFieldName;
  readonly clear?: boolean;
}

const COLUMNS: Readonly<Record<AudienceFormat, readonly Column[]>> = {
  meta: [
    { header: 'email', field: 'email' },
    { header: 'phone', field: 'phone' },
    { header: 'fn', field: 'firstName' },
    { header: 'ln', field: 'lastName' },
    { header: 'ct', field: 'city' },
    { header: 'zip', field: 'zip' },
    { header: 'country', field: 'country' },
  ],
  google: [
    { header: 'Email', field: 'email' },
    { header: 'Phone', field: 'phone' },
    { header: 'First Name', field: 'firstName' },
    { header: 'Last Name', field: 'lastName' },
    { header: 'Country', field: 'country', clear: true },
    { header: 'Zip', field: 'zip', clear: true },
  ],
};

/** The header row of a format's file. */
export const audienceHeader = (format: AudienceFormat): string[] => COLUMNS[format].map((c) => c.header);

/** Google wants the country code upper-case; the rest in clear is trimmed. */
const plainCell = (field: AudienceFieldName, text: string) => (field === 'country' ? text.trim().toUpperCase() : text.trim());

/**
 * A member's row in `format`, or undefined when it has neither an email nor a
 * phone to hash (a platform matches on those; names alone match no one).
 */
export function audienceRow(format: AudienceFormat, fields: ContactFields, encoder: CellEncoder): string[] | undefined {
  const cells = COLUMNS[format].map((c) => {
    const v = fields[c.field];
    if (v === undefined) return '';
    if (c.clear === true) {
      const text = encoder.plain(c.field, v);
      return text === undefined ? '' : plainCell(c.field, text);
    }
    return encoder.hashed(format, c.field, v) ?? '';
  });
  const contact = COLUMNS[format].some((c, i) => (c.field === 'email' || c.field === 'phone') && cells[i] !== '');
  return contact ? cells : undefined;
}
