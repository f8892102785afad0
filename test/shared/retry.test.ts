import { describe, expect, it } from 'vitest';
import { retryBatch } from '../../lambda/shared/retry';

/** A wait that records how long it was asked for and returns at once. */
function recorder() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe('retryBatch', () => {
  it('sends again only what failed, until everything is sent', async () => {
    const sent: string[][] = [];
    const { sleep } = recorder();
    const out = await retryBatch(
      ['a', 'b', 'c', 'd'],
      async (pending) => {
        sent.push([...pending]);
        return pending.filter((x, i) => sent.length === 1 ? x !== 'a' : i > 0);
      },
      { sleep },
    );
    expect(sent).toEqual([['a', 'b', 'c', 'd'], ['b', 'c', 'd'], ['c', 'd'], ['d']]);
    expect(out).toEqual({ unsent: [], attempts: 4 });
  });

  it('stops after maxAttempts sends and reports what the last one left unsent', async () => {
    let calls = 0;
    const { sleep } = recorder();
    const out = await retryBatch([1, 2, 3], async (pending) => (calls++, pending.slice(1)), { maxAttempts: 2, sleep });
    expect(calls).toBe(2);
    expect(out).toEqual({ unsent: [3], attempts: 2 });
  });

  it('waits before each retry a random share of baseDelayMs · 2^retry, capped at maxDelayMs, and not after the last send', async () => {
    const { waits, sleep } = recorder();
    await retryBatch(['x'], async (pending) => pending, { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 50, sleep, random: () => 0.5 });
    expect(waits).toEqual([10, 20, 25, 25]);
  });

  it('sends nothing for no items, or when no attempt is allowed', async () => {
    let calls = 0;
    const send = async (pending: string[]) => (calls++, pending);
    expect(await retryBatch([], send)).toEqual({ unsent: [], attempts: 0 });
    expect(await retryBatch(['a'], send, { maxAttempts: 0 })).toEqual({ unsent: ['a'], attempts: 0 });
    expect(calls).toBe(0);
  });

  it('rejects at once with the very value a send throws, without retrying', async () => {
    const boom = new Error('AccessDenied');
    let calls = 0;
    const thrown = await retryBatch(['a'], async () => {
      calls++;
      throw boom;
    }).catch((err: unknown) => err);
    expect(thrown).toBe(boom);
    expect(Object.keys(boom)).toEqual([]);
    expect(calls).toBe(1);
    await expect(retryBatch(['a'], () => Promise.reject('not an Error'))).rejects.toBe('not an Error');
  });
});
