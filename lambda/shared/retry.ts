/**
 * Retrying a partial-failure batch call (BatchWriteItem, BatchGetItem,
 * PutEvents, PutRecords, a conditional plan-and-write): send the batch, take
 * back the part that failed, send only that part again with exponential
 * backoff and full jitter, and report what is still unsent after the last
 * attempt.
 */
import pRetry, { AbortError } from 'p-retry';

export const DEFAULT_MAX_ATTEMPTS = 6;
export const DEFAULT_BASE_DELAY_MS = 50;

export interface BatchRetryOptions {
  /** Sends in all, the first one included; below 1, nothing is sent and every item is unsent. @default 6 */
  readonly maxAttempts?: number;
  /** Retry n (n = 1, 2, …) first waits a random time from 0 up to min(maxDelayMs, baseDelayMs · 2^n). @default 50 */
  readonly baseDelayMs?: number;
  /** The longest any one wait may be. @default no limit */
  readonly maxDelayMs?: number;
  /** How a wait is done (tests pass one that returns at once). @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1): the jitter. @default Math.random */
  readonly random?: () => number;
}

export interface BatchRetryOutcome<T> {
  /** What the last send returned as failed: empty when everything was sent. */
  readonly unsent: T[];
  /** Sends made. */
  readonly attempts: number;
}

/** An attempt that left items unsent: the only failure p-retry is asked to retry. */
class ItemsUnsent extends Error {}

/** A send that threw: carried through p-retry so the caller gets the very value thrown. */
class SendThrew extends Error {
  constructor(readonly thrown: unknown) {
    super('send threw');
  }
}

const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends `items`, then again only what `send` returns as failed, until nothing
 * is left or maxAttempts sends were made; resolves with what is still unsent,
 * for the caller to turn into its own error. `send` gets an array of its own
 * (a copy of `items` first, then the one it returned last). A send that
 * throws (the whole call failed: the SDK's to retry, not ours) rejects at
 * once with that error.
 */
export async function retryBatch<T>(
  items: readonly T[],
  send: (pending: T[], attempt: number) => Promise<T[]>,
  opts: BatchRetryOptions = {},
): Promise<BatchRetryOutcome<T>> {
  const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const baseDelayMs = opts.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const maxDelayMs = opts.maxDelayMs ?? Number.POSITIVE_INFINITY;
  const sleep = opts.sleep ?? timer;
  const random = opts.random ?? Math.random;
  let pending = [...items];
  let attempts = 0;
  if (pending.length === 0 || maxAttempts < 1) return { unsent: pending, attempts };
  try {
    await pRetry(
      async (attempt) => {
        attempts = attempt;
        try {
          pending = await send(pending, attempt);
        } catch (err) {
          throw new AbortError(new SendThrew(err));
        }
        if (pending.length > 0) throw new ItemsUnsent();
      },
      {
        retries: maxAttempts - 1,
        // p-retry's own waits never start from zero and cannot be injected: they are
        // set to nothing, and the full-jitter wait is made before each retry instead.
        minTimeout: 0,
        maxTimeout: 0,
        onFailedAttempt: async ({ attemptNumber, retriesLeft }) => {
          if (retriesLeft > 0) await sleep(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attemptNumber));
        },
      },
    );
  } catch (err) {
    if (err instanceof SendThrew) throw err.thrown;
    if (!(err instanceof ItemsUnsent)) throw err;
  }
  return { unsent: pending, attempts };
}
