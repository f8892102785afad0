/** Splits a list into consecutive chunks bounded by a count and a total size (a batch API's per-call limits). */

export interface ChunkLimits<T> {
  /** Items per chunk, at most; 1 or more. */
  readonly maxCount: number;
  /** Total size of a chunk, at most, unless one item alone is larger: it then goes in a chunk of its own. */
  readonly maxBytes: number;
  /** An item's size; called once per item, in order (so it may also refuse an item by throwing). */
  readonly sizeOf: (item: T) => number;
}

/** Consecutive, order-keeping chunks, none of them empty; no chunks for no items. */
export function chunkBy<T>(items: readonly T[], limits: ChunkLimits<T>): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = limits.sizeOf(item);
    if (current.length === limits.maxCount || (current.length > 0 && bytes + size > limits.maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
