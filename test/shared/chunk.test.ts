import { describe, expect, it } from 'vitest';
import { chunkBy } from '../../lambda/shared/chunk';

/** Items that are their own size. */
const bySize = (maxCount: number, maxBytes: number) => ({ maxCount, maxBytes, sizeOf: (n: number) => n });

describe('chunkBy', () => {
  it('gives no chunks for no items', () => {
    expect(chunkBy([], bySize(3, 10))).toEqual([]);
  });

  it('starts a new chunk when the count is reached', () => {
    expect(chunkBy([1, 1, 1, 1, 1, 1, 1], bySize(3, 100))).toEqual([[1, 1, 1], [1, 1, 1], [1]]);
  });

  it('starts a new chunk when the next item would take the total past maxBytes, and keeps a chunk that reaches it exactly', () => {
    expect(chunkBy([4, 6, 5, 5, 1], bySize(10, 10))).toEqual([[4, 6], [5, 5], [1]]);
  });

  it('puts an item larger than maxBytes in a chunk of its own, without leaving an empty chunk before it', () => {
    expect(chunkBy([25], bySize(10, 10))).toEqual([[25]]);
    expect(chunkBy([3, 25, 2], bySize(10, 10))).toEqual([[3], [25], [2]]);
  });

  it('keeps the order of the items and asks each size once, in order', () => {
    const asked: string[] = [];
    const items = ['aaa', 'b', 'cc', 'dddd', 'e'];
    const chunks = chunkBy(items, { maxCount: 2, maxBytes: 5, sizeOf: (s) => (asked.push(s), s.length) });
    expect(chunks).toEqual([['aaa', 'b'], ['cc'], ['dddd', 'e']]);
    expect(chunks.flat()).toEqual(items);
    expect(asked).toEqual(items);
  });

  it('passes on what sizeOf throws, so a caller can refuse an item', () => {
    expect(() =>
      chunkBy([1, 99], {
        maxCount: 10,
        maxBytes: 10,
        sizeOf: (n) => {
          if (n > 10) throw new Error('too large');
          return n;
        },
      }),
    ).toThrow('too large');
  });
});
