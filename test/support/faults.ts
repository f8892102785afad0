/**
 * Failure on demand for the local runtime: the fault suite (and anyone
 * checking how c360 behaves when AWS misbehaves) injects throttling and
 * transient errors into DynamoDB calls, or kills the consumer between writes.
 */
import type { DeserializeMiddleware, MiddlewareStack } from '@smithy/types';
import type { Claim, VersionedWrite } from '../../lambda/unification/core/identity/plan-types';
import type { Profile } from '../../lambda/unification/core/profile/profile';
import type { JournalEntry, ProfileStore } from '../../lambda/unification/ports';

/** Seeded randomness, so a failing run can be repeated. */

/** Any AWS SDK v3 client (or document client): all have a middleware stack. */
interface MiddlewareClient {
  // Each client's stack has its own input and output types; the middleware handles any.
  readonly middlewareStack: MiddlewareStack<any, any>;
}

/**
 * Makes a share of an SDK client's requests fail the way DynamoDB does under
 * load (throttling, 500s), below the SDK's retry layer, so its retries with
 * backoff are what recovers. Returns the number of faults injected so far.
 */
export function injectSdkFaults(client: MiddlewareClient, rate: number, random: () => number): { injected: () => number } {
  let injected = 0;
  const inject: DeserializeMiddleware<object, object> = (next) => async (args) => {
      if (random() < rate) {
        injected++;
        const throttle = random() < 0.5;
        throw Object.assign(new Error(throttle ? 'Rate of requests exceeds the allowed throughput (injected)' : 'Internal server error (injected)'), {
          name: throttle ? 'ProvisionedThroughputExceededException' : 'InternalServerError',
          $fault: throttle ? 'client' : 'server',
          $metadata: { httpStatusCode: throttle ? 400 : 500 },
          $retryable: throttle ? { throttling: true } : {},
        });
      }
      return next(args);
    };
  client.middlewareStack.add(inject, { step: 'deserialize', name: 'c360InjectedFaults', priority: 'low' });
  return { injected: () => injected };
}

export interface StoreFaults {
  /** Chance that a call fails outright (the handler then fails and the batch is retried). */
  readonly failRate?: number;
  /**
   * Chance that a profile write "kills" the consumer after the call's writes
   * were made (the process dies between two writes of one batch).
   */
  readonly dieAfterWriteRate?: number;
  readonly random: () => number;
}

/** Wraps a ProfileStore so that it fails on demand. */
export class FaultyProfileStore implements ProfileStore {
  failures = 0;

  constructor(
    private readonly inner: ProfileStore,
    private readonly faults: StoreFaults,
  ) {}

  private maybeFail(op: string): void {
    if (this.faults.random() < (this.faults.failRate ?? 0)) {
      this.failures++;
      throw new Error(`injected ${op} failure`);
    }
  }

  async getOwners(keys: readonly string[]): Promise<Map<string, string>> {
    this.maybeFail('getOwners');
    return this.inner.getOwners(keys);
  }

  async getProfiles(ids: readonly string[]): Promise<Map<string, Profile>> {
    this.maybeFail('getProfiles');
    return this.inner.getProfiles(ids);
  }

  async putProfiles(writes: readonly VersionedWrite[]): Promise<boolean[]> {
    this.maybeFail('putProfiles');
    const results = await this.inner.putProfiles(writes);
    if (this.faults.random() < (this.faults.dieAfterWriteRate ?? 0)) {
      this.failures++;
      throw new Error('consumer killed between writes (injected)');
    }
    return results;
  }

  async putClaims(claims: readonly Claim[]): Promise<boolean[]> {
    this.maybeFail('putClaims');
    return this.inner.putClaims(claims);
  }

  async transact(writes: readonly VersionedWrite[], claims: readonly Claim[], journal: readonly JournalEntry[] = []): Promise<boolean> {
    this.maybeFail('transact');
    return this.inner.transact(writes, claims, journal);
  }

  async putJournal(entries: readonly JournalEntry[]): Promise<void> {
    this.maybeFail('putJournal');
    return this.inner.putJournal(entries);
  }

  async deleteJournal(entries: ReadonlyArray<Pick<JournalEntry, 'profileId' | 'key'>>): Promise<void> {
    this.maybeFail('deleteJournal');
    return this.inner.deleteJournal(entries);
  }

  async readJournal(profileIds: readonly string[]): Promise<JournalEntry[]> {
    this.maybeFail('readJournal');
    return this.inner.readJournal(profileIds);
  }

  async dueForRecheck(nowMs: number, limit: number): Promise<string[]> {
    this.maybeFail('dueForRecheck');
    return this.inner.dueForRecheck(nowMs, limit);
  }
}
