/**
 * The stored profile document, defined once: the `doc` attribute of a
 * profile item (`sk = P`) holds the Profile as JSON, deflated (raw DEFLATE).
 * The profile store writes it; the profile scan, the segment-changes stream
 * consumer and other pillars (the analytics profile export) read it through
 * this contract. Keeping the profile as one attribute makes a profile read one
 * item and lets traits hold any JSON; deflating it roughly halves the item.
 *
 * Every stored item carries this encoding: changing it orphans them. Fields
 * added to the Profile later are optional (consent, segments, ...), so that
 * documents written before them still decode.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Profile } from '../core/profile/profile';

export type { Profile } from '../core/profile/profile';

/** Attribute of a profile item that holds the encoded document. */
export const PROFILE_DOC_ATTRIBUTE = 'doc';

/** The document of a profile: its JSON, deflated. */
export function encodeProfile(profile: Profile): Uint8Array {
  return deflateRawSync(JSON.stringify(profile));
}

/**
 * The profile in a profile item's `doc` (as written by encodeProfile).
 * Throws an Error saying what is wrong when the attribute is missing, is not
 * binary, does not inflate, is not JSON or is not a profile.
 */
export function decodeProfile(doc: unknown): Profile {
  if (!(doc instanceof Uint8Array)) throw new Error('profile item has no binary doc attribute');
  let text: string;
  try {
    text = inflateRawSync(doc).toString('utf8');
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
  return value as Profile;
}
