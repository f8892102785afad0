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

/**
 * JSON text columns: the scope their keys are field keys of (`traits` →
 * `traits.<key>`, ...). `record` is a whole Segment event (the quarantine's
 * `data`): its top-level keys are the spec's, with the identifiers and the
 * three nested objects under their own scopes.
 */
export type JsonScope = 'traits' | 'context' | 'properties' | 'record';
const JSON_COLUMNS: Readonly<Record<string, JsonScope>> = {
  traits: 'traits',
  context: 'context',
  properties: 'properties',
  enriched: 'traits',
  data: 'record',
};

/** Columns holding one identifier's value whose type is in a sibling column: the class is the row's identifier type's. */
const TYPED_VALUE_COLUMNS: Readonly<Record<string, string>> = {
  identifier_value: 'identifier_type',
  matched_with_value: 'matched_with_type',
};

/** Columns that join events to profiles: masked as a keyed pseudonym, so joins and counts still work. */
const JOIN_KEY_COLUMNS = new Set(['user_id', 'userid', 'previousid', 'anonymousid', 'partitionkey', ...Object.keys(TYPED_VALUE_COLUMNS)]);

/** Top-level keys of a Segment event that are its own (not personal) or an identifier. */
const RECORD_KEYS: Readonly<Record<string, string | null>> = {
  userId: 'identifiers.userId',
  previousId: 'identifiers.userId',
  anonymousId: 'identifiers.anonymousId',
  type: null,
  event: null,
  name: null,
  category: null,
  messageId: null,
  timestamp: null,
  originalTimestamp: null,
  sentAt: null,
  receivedAt: null,
  groupId: null,
  channel: null,
  version: null,
  integrations: null,
};

/**
 * What a role gets of one column: in clear; masked (`'***'`, a NULL when
 * the column is not text); a pseudonym (a keyed hash of the value, the same
 * within one session, for the columns that join events to profiles);
 * nothing (the column is absent); a JSON text with the keys the role may
 * not see masked or removed; or an identifier value governed by the
 * identifier type in another column of the row.
 */
export type ColumnAccess =
  | { readonly kind: 'clear' | 'mask' | 'pseudonym' | 'omit' }
  | { readonly kind: 'json'; readonly scope: JsonScope }
  | { readonly kind: 'typed'; readonly typeColumn: string };

/** What a role gets of a value it may not read in clear, by the role's `otherwise`. */
export type HiddenAccess = 'clear' | 'mask' | 'pseudonym' | 'omit';

/** The column policy of one role, as the local warehouse applies it to every base table. */
export interface ColumnPolicy {
  readonly role: string;
  /** What the role gets of `column` of `table`. */
  column(table: string, column: string): ColumnAccess;
  /** What the role gets of the value of an identifier of `type` (a `typed` column's row). */
  identifier(type: string): HiddenAccess;
  /** A JSON value of `scope` with what the role may not see masked (`'***'`) or removed. */
  json(scope: JsonScope, value: unknown): unknown;
  /** Whether the role reads every class: text that is not JSON is then kept, else masked whole. */
  readonly seesAll: boolean;
  /** What the role reads in place of what it may not see: the mask, or nothing. */
  readonly otherwise: 'mask' | 'omit';
}

/** The mask a role reads in place of a value it may not see. */
export const MASK = '***';

const hide = (role: GovernanceRole, joinKey: boolean): HiddenAccess => (role.otherwise === 'omit' ? 'omit' : joinKey ? 'pseudonym' : 'mask');

/**
 * The column policy of `roleName` under the classification: a column the
 * role's classes include is clear; a JSON column keeps the keys the role
 * sees (each leaf by its own field key, so `traits.address.city` may stay
 * while `traits.address.street` goes); an identifier value follows its row's
 * type; any other column the role may not see is masked, pseudonymised (join
 * keys) or absent, by the role's `otherwise`.
 */
export function columnPolicy(c: Classification, roleName: string, role: GovernanceRole): ColumnPolicy {
  const sees = (cls: PiiClass) => roleSees(role, cls);
  const seesAll = PII_CLASSES.every(sees);
  /** What stands for a value the role may not see: the mask, or nothing (removed). */
  const hidden = role.otherwise === 'omit' ? undefined : MASK;

  /** The value at field key `key` (nested objects walked leaf by leaf); undefined to remove it. */
  const walk = (key: string, value: unknown): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(key, v)).filter((v) => v !== undefined);
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const kept = walk(`${key}.${k}`, v);
        if (kept !== undefined) out[k] = kept;
      }
      return out;
    }
    return sees(c.field(key).class) ? value : hidden;
  };

  /** The keys of an object under `prefix`, each walked; a value that is not an object is seen only by a role that sees every class. */
  const object = (prefix: string, value: unknown, keyOf: (k: string) => string | null = (k) => `${prefix}.${k}`): unknown => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return seesAll ? value : hidden;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const key = keyOf(k);
      const kept = key === null ? v : walk(key, v);
      if (kept !== undefined) out[k] = kept;
    }
    return out;
  };

  const json = (scope: JsonScope, value: unknown): unknown => {
    if (scope !== 'record') return object(scope, value);
    // A whole event: the spec's own keys pass, identifiers and the nested objects by their field keys, anything else as an unlisted field.
    return object('record', value, (k) => {
      if (k === 'traits' || k === 'properties' || k === 'context') return k;
      if (Object.hasOwn(RECORD_KEYS, k)) return RECORD_KEYS[k] ?? null;
      return `record.${k}`;
    });
  };

  return {
    role: roleName,
    seesAll,
    otherwise: role.otherwise,
    column(_table, column) {
      const name = column.toLowerCase();
      const scope = JSON_COLUMNS[name];
      if (scope !== undefined) return seesAll ? { kind: 'clear' } : { kind: 'json', scope };
      const typeColumn = TYPED_VALUE_COLUMNS[name];
      if (typeColumn !== undefined) return seesAll ? { kind: 'clear' } : { kind: 'typed', typeColumn };
      if (sees(columnClassification(c, name).class)) return { kind: 'clear' };
      return { kind: hide(role, JOIN_KEY_COLUMNS.has(name)) };
    },
    identifier(type) {
      return sees(c.identifier(type).class) ? 'clear' : hide(role, true);
    },
    json,
  };
}

/**
 * Top-level trait names the classification marks direct (email, phone, names,
 * ...): the erasure searches every store for their values as the person sent
 * them, beside the identifiers.
 */
export function directTraitNames(c: Classification): string[] {
  return [...new Set(c.keysOf('direct').filter((k) => k.startsWith('traits.')).map((k) => k.slice('traits.'.length).split('.')[0] as string))].sort();
}
