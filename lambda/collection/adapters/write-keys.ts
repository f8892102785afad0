/**
 * Write keys of the HTTP collector (the WriteKeys port): which named source a
 * Segment write key belongs to. Deployed, the keys live in a Secrets Manager
 * secret (a JSON object `writeKey → source name`); locally, they come from
 * the config (`collection.sources[*].localWriteKeys`).
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { C360Config } from '../../config';
import type { WriteKeys } from '../ports';

/** After a failed refresh, how long the keys already read serve before the next attempt. */
const RETRY_AFTER_FAILURE_MS = 30_000;

const SOURCE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** The config's local write keys (the local runtime). A key listed under two sources is a config error. */
export class ConfigWriteKeys implements WriteKeys {
  private readonly keys = new Map<string, string>();

  constructor(sources: C360Config['collection']['sources']) {
    for (const [source, settings] of Object.entries(sources)) {
      for (const key of settings.localWriteKeys) {
        const owner = this.keys.get(key);
        if (owner !== undefined && owner !== source) {
          throw new Error(`collection.sources: write key ${JSON.stringify(key)} is listed under both "${owner}" and "${source}"`);
        }
        this.keys.set(key, source);
      }
    }
  }

  async sourceFor(writeKey: string): Promise<string | undefined> {
    return this.keys.get(writeKey);
  }
}

/**
 * Reads the secret's JSON object of write key → source name. Entries whose
 * value is not a source name are skipped and named in `invalid` (their keys
 * are never echoed: they are credentials).
 */
export function parseWriteKeySecret(text: string): { keys: Map<string, string>; invalid: number } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('the write-keys secret is not JSON; expected an object of write key → source name');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error('the write-keys secret must be a JSON object of write key → source name');
  }
  const keys = new Map<string, string>();
  let invalid = 0;
  for (const [key, source] of Object.entries(json)) {
    if (key.length > 0 && typeof source === 'string' && SOURCE_NAME.test(source)) keys.set(key, source);
    else invalid++;
  }
  return { keys, invalid };
}

export interface SecretsManagerWriteKeysOptions {
  /** How long a read of the secret is used before it is read again. @default 5 minutes */
  readonly ttlMs?: number;
  /** Told how many entries of the secret were skipped as invalid, each time it is read. */
  readonly onInvalidEntries?: (count: number) => void;
  readonly now?: () => number;
}

/**
 * The deployed write keys: one Secrets Manager secret, read at most once per
 * `ttlMs` by each function instance (concurrent lookups share the read). A
 * key added to the secret is accepted within `ttlMs`; a removed one is refused
 * within `ttlMs`. When a refresh fails, the keys already read keep serving;
 * with nothing read yet, the lookup throws (the collector answers 503, so
 * SDKs retry).
 */
export class SecretsManagerWriteKeys implements WriteKeys {
  private keys: Map<string, string> | undefined;
  private readAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<Map<string, string>> | undefined;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly options: SecretsManagerWriteKeysOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5 * 60 * 1000;
    this.now = options.now ?? Date.now;
  }

  async sourceFor(writeKey: string): Promise<string | undefined> {
    return (await this.current()).get(writeKey);
  }

  private async current(): Promise<Map<string, string>> {
    if (this.keys !== undefined && this.now() - this.readAt < this.ttlMs) return this.keys;
    this.inFlight ??= this.read().finally(() => {
      this.inFlight = undefined;
    });
    try {
      return await this.inFlight;
    } catch (err) {
      if (this.keys === undefined) throw err;
      // Keep serving what was read; try again in RETRY_AFTER_FAILURE_MS, not on every request.
      this.readAt = Math.max(this.readAt, this.now() - this.ttlMs + Math.min(RETRY_AFTER_FAILURE_MS, this.ttlMs));
      return this.keys;
    }
  }

  private async read(): Promise<Map<string, string>> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    if (out.SecretString === undefined) throw new Error('the write-keys secret has no string value');
    const { keys, invalid } = parseWriteKeySecret(out.SecretString);
    if (invalid > 0) this.options.onInvalidEntries?.(invalid);
    this.keys = keys;
    this.readAt = this.now();
    return keys;
  }
}
