/**
 * The deployed hash key: the HMAC key of subject and suppression hashes, kept
 * in a Secrets Manager secret (HASH_KEY_SECRET_ARN) encrypted with the
 * governance key. Read once per cold start: the key never changes while
 * hashes made with it are stored (a new key would make the suppression list
 * recognise no one).
 *
 * The key is the secret's binary value, or the UTF-8 bytes of its string
 * value: what Secrets Manager generates (`GenerateSecretString` with
 * `PasswordLength: 64, ExcludePunctuation: true` gives ~380 random bits).
 * Either way at least 32 bytes.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MIN_HASH_KEY_BYTES } from '../core/keyed-hash';
import { KeyedSubjectHasher } from './keyed-hasher';

const cache = new Map<string, Promise<Uint8Array>>();

async function readKey(client: SecretsManagerClient, secretArn: string): Promise<Uint8Array> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  const key = out.SecretBinary !== undefined ? new Uint8Array(out.SecretBinary) : out.SecretString !== undefined ? new TextEncoder().encode(out.SecretString) : undefined;
  if (key === undefined) throw new Error('the hash key secret has no value');
  if (key.length < MIN_HASH_KEY_BYTES) throw new Error(`the hash key secret holds ${key.length} bytes; it needs at least ${MIN_HASH_KEY_BYTES}`);
  return key;
}

/** The key bytes of the secret, read once per process (a failed read is tried again on the next call). */
export function secretsHashKey(client: SecretsManagerClient, secretArn: string): Promise<Uint8Array> {
  let pending = cache.get(secretArn);
  if (pending === undefined) {
    pending = readKey(client, secretArn);
    cache.set(secretArn, pending);
    pending.catch(() => cache.delete(secretArn));
  }
  return pending;
}

export async function secretsSubjectHasher(client: SecretsManagerClient, secretArn: string): Promise<KeyedSubjectHasher> {
  return new KeyedSubjectHasher(await secretsHashKey(client, secretArn));
}

/** Forgets the cached keys (tests). */
export function clearHashKeyCache(): void {
  cache.clear();
}
