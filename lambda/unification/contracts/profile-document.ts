/**
 * The stored profile document, defined once: the `doc` attribute of a
 * profile item (`sk = P`) holds the Profile as JSON, deflated (raw DEFLATE
 * with a preset dictionary, ./document-deflate.ts; documents deflated
 * without one, as written before it, still read).
 * The profile store writes it; the profile scan, the segment-changes stream
 * consumer and other pillars (the analytics profile export) read it through
 * this contract. Keeping the profile as one attribute makes a profile read one
 * item and lets traits hold any JSON; deflating it roughly halves the item.
 *
 * Every stored item carries this encoding: changing it orphans them. The
 * document carries a schema version (`schemaVersion`), and decodeProfile
 * upgrades an older document to the current shape, one version at a time, so
 * items written by any earlier release keep reading. Documents written before
 * versioning have no `schemaVersion` and count as version 1.
 *
 *   1  the document as first stored (fields added later are optional:
 *      consent, segments, aggregates, scores, ...)
 *   2  `links`: per identifier, the event that brought it
 *      (core/profile/provenance.ts). A version 1 document has none, so its
 *      identifiers are explained as `unrecorded`.
 */
import type { Profile } from '../core/profile/profile';
import { profileJson } from '../core/profile/size-budget';
import { deflateDocument, inflateDocument, PROFILE_DICTIONARY } from './document-deflate';

export type { Profile } from '../core/profile/profile';

/** Attribute of a profile item that holds the encoded document. */
export const PROFILE_DOC_ATTRIBUTE = 'doc';

/** The schema version this code writes, and the newest it reads. */
export const PROFILE_DOC_VERSION = 2;

/** The document field that holds the schema version. */
const VERSION_FIELD = 'schemaVersion';

type StoredDocument = Record<string, unknown> & { profileId: string };

/**
 * Upgrades from version n to n + 1, by n. Each takes the document as that
 * version stored it and returns it as the next version stores it.
 */
const UPGRADES: Readonly<Record<number, (doc: StoredDocument) => StoredDocument>> = {
  // Version 2 added `links`; a document without them explains its identifiers as unrecorded.
  1: (doc) => doc,
};

/** The document of a profile: its JSON with the schema version, deflated. */
export function encodeProfile(profile: Profile): Uint8Array {
  // The version goes first, then the profile's JSON as the size budget measured it (core/profile/size-budget.ts).
  const json = profileJson(profile);
  return deflateDocument(`{"${VERSION_FIELD}":${PROFILE_DOC_VERSION},${json.slice(1)}`, PROFILE_DICTIONARY);
}

/**
 * The profile in a profile item's `doc` (as written by encodeProfile).
 * A document of an older schema version is upgraded to the current shape.
 * Throws an Error saying what is wrong when the attribute is missing, is not
 * binary, does not inflate, is not JSON, is not a profile, or was written by
 * a newer schema version than this code reads.
 */
export function decodeProfile(doc: unknown): Profile {
  if (!(doc instanceof Uint8Array)) throw new Error('profile item has no binary doc attribute');
  let text: string;
  try {
    text = inflateDocument(doc);
  } catch (err) {
    throw new Error(`profile document does not inflate: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the text, which is personal data.
    throw new Error('profile document is not JSON');
  }
  if (typeof value !== 'object' || value === null || typeof (value as { profileId?: unknown }).profileId !== 'string') {
    throw new Error('profile document is not a profile (no profileId)');
  }
  const { [VERSION_FIELD]: stored, ...fields } = value as StoredDocument;
  const version = stored === undefined ? 1 : stored;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new Error(`profile document has an invalid ${VERSION_FIELD} (${JSON.stringify(version)}): a positive integer was expected`);
  }
  if (version > PROFILE_DOC_VERSION) {
    throw new Error(
      `profile document has ${VERSION_FIELD} ${version}, newer than this code reads (up to ${PROFILE_DOC_VERSION}): it was written by a newer c360; deploy that version to read it`,
    );
  }
  let upgraded = fields as StoredDocument;
  for (let v = version; v < PROFILE_DOC_VERSION; v++) upgraded = (UPGRADES[v] as (d: StoredDocument) => StoredDocument)(upgraded);
  return upgraded as unknown as Profile;
}
