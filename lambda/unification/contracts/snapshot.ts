/**
 * The profile snapshot that batch matching reads, defined once: the export
 * writes it, the stack's Glue table and Entity Resolution schema mapping
 * (lib/constructs/unification/entity-resolution.ts) describe it.
 */
import { PERSON_FIELDS, type PersonField } from '../../config/unification/person-fields';

/** Column of a person field in flat files and Glue tables: snake case (`dateOfBirth` → `date_of_birth`). */
export function personColumn(field: PersonField): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Column of the profile id in flat files and Glue tables. */
export const PROFILE_ID_COLUMN = 'profile_id';

/** Where the snapshot lives in the lake bucket: the `profile_snapshot` table's location. */
export const SNAPSHOT_PREFIX = 'profiles/snapshot/';
/** The most scan segments (and snapshot parts) a snapshot has. */
export const MAX_SNAPSHOT_SEGMENTS = 16;
/** The snapshot's columns, in order. */
export const SNAPSHOT_COLUMNS: readonly string[] = [PROFILE_ID_COLUMN, ...PERSON_FIELDS.map(personColumn)];

/** The object key of scan segment `segment`: stable across runs. */
export function snapshotKey(segment: number): string {
  return `${SNAPSHOT_PREFIX}part-${String(segment).padStart(2, '0')}.csv`;
}
