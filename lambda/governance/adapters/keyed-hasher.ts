/**
 * The SubjectHasher port over a key: HMAC-SHA256 (core/keyed-hash.ts). The
 * key comes from the local key file (local-hash-key.ts) or, deployed, from
 * the Secrets Manager secret (secrets-hash-key.ts).
 */
import { identifierHashInput, keyedHash, MIN_HASH_KEY_BYTES, profileHashInput } from '../core/keyed-hash';
import type { Identifier } from '../../shared/events';
import type { SubjectHasher } from '../ports';

export class KeyedSubjectHasher implements SubjectHasher {
  private readonly key: Uint8Array;

  constructor(key: Uint8Array) {
    if (key.length < MIN_HASH_KEY_BYTES) throw new Error(`the hash key has ${key.length} bytes; it needs at least ${MIN_HASH_KEY_BYTES}`);
    this.key = Uint8Array.from(key);
  }

  identifier(id: Identifier): string {
    return keyedHash(this.key, identifierHashInput(id));
  }

  profile(profileId: string): string {
    return keyedHash(this.key, profileHashInput(profileId));
  }
}
