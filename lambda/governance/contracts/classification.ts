/**
 * The PII classification, resolved once from config: the class and category
 * of every field (identifiers, traits, properties, context) and of every
 * column of the lake's tables. Lake Formation's column tags (lib/), the local
 * column policy (`c360 sql --as ROLE`), log redaction, hashing in exports and
 * the erasure's reach all read it from here.
 */
import {
  DEFAULT_FIELD_CLASSIFICATION,
  DEFAULT_ROLES,
  PII_CLASSES,
  type FieldClassification,
  type GovernanceRole,
  type PiiClass,
} from '../../config/governance';
import type { C360Config } from '../../config';

export type { FieldClassification, PiiClass };

/** How much a class reveals, for "the most personal of several". */
const RANK: Readonly<Record<PiiClass, number>> = { none: 0, indirect: 1, direct: 2 };

/** The more personal of two classes. */
export function maxClass(a: PiiClass, b: PiiClass): PiiClass {
  return RANK[a] >= RANK[b] ? a : b;
}

export interface Classification {
  /** The class and category of a field key (`traits.email`, `context.ip`, ...); unknown keys take the config's default. */
  field(key: string): FieldClassification;
  /** Every listed field key, defaults and config merged. */
  readonly fields: Readonly<Record<string, FieldClassification>>;
  /** Field keys of `class`, e.g. every direct identifier and trait (log redaction, erasure reach). */
  keysOf(cls: PiiClass): string[];
  /** The class of a field of an identifier type (`identifiers.<type>`). */
  identifier(type: string): FieldClassification;
  readonly unknownFields: PiiClass;
}

export function classification(config: C360Config): Classification {
  const fields: Record<string, FieldClassification> = { ...DEFAULT_FIELD_CLASSIFICATION, ...config.governance.classification.fields };
  const unknownFields = config.governance.classification.unknownFields;
  const field = (key: string): FieldClassification => {
    const own = fields[key];
    if (own !== undefined) return own;
    // A nested key takes its closest listed parent (`traits.address.zip` → `traits.address`).
    for (let i = key.lastIndexOf('.'); i > key.indexOf('.'); i = key.lastIndexOf('.', i - 1)) {
      const parent = fields[key.slice(0, i)];
      if (parent !== undefined) return parent;
    }
    return { class: unknownFields, category: 'other' };
  };
  return {
    field,
    fields,
    keysOf: (cls) => Object.entries(fields).filter(([, c]) => c.class === cls).map(([k]) => k),
    identifier: (type) => field(`identifiers.${type}`),
    unknownFields,
  };
}

/** The roles of the column policy: analyst and steward, and the config's own (which may redefine them). */
export function governanceRoles(config: C360Config): Readonly<Record<string, GovernanceRole>> {
  const defaults = Object.fromEntries(
    Object.entries(DEFAULT_ROLES).map(([name, r]) => [name, { otherwise: 'mask', principals: [], ...r } as GovernanceRole]),
  );
  return { ...defaults, ...config.governance.roles };
}

/** Whether `role` reads a column of class `cls` in clear. */
export function roleSees(role: GovernanceRole, cls: PiiClass): boolean {
  return role.sees.includes(cls);
}

export { PII_CLASSES };

/**
 * Columns of the lake's tables whose content is one classified field, by
 * column name (the same name means the same content in every table).
 */
const COLUMN_FIELDS: Readonly<Record<string, string>> = {
  email: 'traits.email',
  phone: 'traits.phone',
  first_name: 'traits.firstName',
  last_name: 'traits.lastName',
  city: 'traits.city',
  country: 'traits.country',
  postcode: 'traits.postcode',
  user_id: 'identifiers.userId',
  userid: 'identifiers.userId',
  previousid: 'identifiers.userId',
  anonymousid: 'identifiers.anonymousId',
};

/** Columns holding several fields at once (JSON objects, whole records, identifier values of any type): the most personal of their contents. */
const MIXED_COLUMNS: Readonly<Record<string, { readonly scopes: readonly string[]; readonly category: string }>> = {
  traits: { scopes: ['traits.'], category: 'contact' },
  context: { scopes: ['context.'], category: 'device' },
  properties: { scopes: ['properties.'], category: 'behaviour' },
  data: { scopes: ['identifiers.', 'traits.', 'properties.', 'context.'], category: 'record' },
  rawdata: { scopes: ['identifiers.', 'traits.', 'properties.', 'context.'], category: 'record' },
  partitionkey: { scopes: ['identifiers.'], category: 'identity' },
  identifier_value: { scopes: ['identifiers.'], category: 'identity' },
  matched_with_value: { scopes: ['identifiers.'], category: 'identity' },
  enriched: { scopes: ['traits.'], category: 'location' },
};

/** Pseudonymous ids: not a person on their own, but they join to one. */
const PSEUDONYMOUS_COLUMNS = new Set(['profile_id', 'merged_profile_id', 'profileid', 'subject', 'message_id', 'messageid']);

/**
 * The class and category of a column of a lake table (raw events,
 * quarantine, curated exports, segment history, audit): a column named for a
 * field takes its class; a column holding many fields takes the most
 * personal class among them; ids that join to a person are indirect; the
 * rest (times, counts, names of things) are none.
 */
export function columnClassification(c: Classification, column: string): FieldClassification {
  const name = column.toLowerCase();
  const field = COLUMN_FIELDS[name];
  if (field !== undefined) return c.field(field);
  const mixed = MIXED_COLUMNS[name];
  if (mixed !== undefined) {
    let cls: PiiClass = 'none';
    for (const [key, fc] of Object.entries(c.fields)) if (mixed.scopes.some((s) => key.startsWith(s))) cls = maxClass(cls, fc.class);
    // Fields not listed may appear too: they take the default class.
    return { class: maxClass(cls, c.unknownFields), category: mixed.category };
  }
  if (PSEUDONYMOUS_COLUMNS.has(name)) return { class: 'indirect', category: 'identity' };
  return { class: 'none', category: 'other' };
}
