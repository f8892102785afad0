/**
 * The deployed unsubscribe signing key: a Secrets Manager secret
 * (UNSUBSCRIBE_KEY_SECRET_ARN) the stack generates. Read once per process:
 * the campaign functions sign links with it, the public endpoint verifies
 * them; rotating it invalidates every link already mailed (they then answer
 * 400 and the customer uses a newer message or the preference center).
 *
 * The key is the secret's binary value, or the UTF-8 bytes of its string
 * value (what `GenerateSecretString` makes), at least 32 bytes either way.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MIN_UNSUBSCRIBE_KEY_BYTES } from '../core/unsubscribe';

const cache = new Map<string, Promise<Uint8Array>>();

async function readKey(client: SecretsManagerClient, secretArn: string): Promise<Uint8Array> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  const key =
    out.SecretBinary !== undefined ? new Uint8Array(out.SecretBinary) : out.SecretString !== undefined ? new TextEncoder().encode(out.SecretString) : undefined;
  if (key === undefined) throw new Error('the unsubscribe key secret has no value');
  if (key.length < MIN_UNSUBSCRIBE_KEY_BYTES) throw new Error(`the unsubscribe key secret holds ${key.length} bytes; it needs at least ${MIN_UNSUBSCRIBE_KEY_BYTES}`);
  return key;
}

/** The key bytes, read once per process (a failed read is tried again on the next call). */
export function secretsUnsubscribeKey(client: SecretsManagerClient, secretArn: string): Promise<Uint8Array> {
  let pending = cache.get(secretArn);
  if (pending === undefined) {
    pending = readKey(client, secretArn);
    cache.set(secretArn, pending);
    pending.catch(() => cache.delete(secretArn));
  }
  return pending;
}

/** Forgets the cached keys (tests). */
export function clearUnsubscribeKeyCache(): void {
  cache.clear();
}
