/**
 * Keyed hashes of personal values: what receipts, the audit log and the
 * suppression list hold instead of the values. HMAC-SHA256 with a key only
 * the deployment holds, so a hash cannot be reversed by hashing guesses
 * (a plain hash of an email can). The input names the kind of value, so an
 * email and a user id with the same text hash differently.
 */
import { createHmac } from 'node:crypto';
import type { Identifier } from '../../shared/events';

/** The bytes hashed for an identifier: `<type>:<normalised value>`. */
export const identifierHashInput = (id: Identifier): string => `${id.type}:${id.value}`;

/** The bytes hashed for a profile id: `profile:<id>`. */
export const profileHashInput = (profileId: string): string => `profile:${profileId}`;

/** HMAC-SHA256 of `input` under `key`, base64url (43 characters). */
export function keyedHash(key: Uint8Array, input: string): string {
  return createHmac('sha256', key).update(input, 'utf8').digest('base64url');
}

/** The shortest key accepted: 32 bytes, SHA-256's block strength. */
export const MIN_HASH_KEY_BYTES = 32;
