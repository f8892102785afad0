/**
 * Clustering of matched pairs into people. Connected components of the match
 * graph chain unrelated records together (A~B and B~C puts A with C however much
 * A and C disagree), so the default `coherent` method merges clusters greedily
 * in decreasing order of link score and refuses a merge unless the merged
 * cluster stays coherent: every cross pair must stay above a floor probability
 * and the cross pairs' mean log-odds above the average threshold.
 */

/** Union–find over record indices, with member lists for coherence checks. */
export class Clusters {
  private parent: Int32Array;
  private members: Array<number[] | undefined>;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    this.members = new Array<number[] | undefined>(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(i: number): number {
    let r = i;
    while (this.parent[r] !== r) r = this.parent[r]!;
    while (this.parent[i] !== r) {
      const next = this.parent[i]!;
      this.parent[i] = r;
      i = next;
    }
    return r;
  }
  membersOf(root: number): readonly number[] {
    return this.members[root] ?? [root];
  }
  union(a: number, b: number): number {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return ra;
    const ma = this.membersOf(ra);
    const mb = this.membersOf(rb);
    if (ma.length < mb.length) {
      [ra, rb] = [rb, ra];
    }
    const big = this.members[ra] ?? [ra];
    for (const x of this.membersOf(rb)) big.push(x);
    this.members[ra] = big;
    this.members[rb] = undefined;
    this.parent[rb] = ra;
    return ra;
  }
}

export interface CoherenceOptions {
  /** Log-odds floor every cross pair must reach. */
  minPairWeight: number;
  /** Log-odds the cross pairs' mean must reach. */
  minAverageWeight: number;
  /** At most this many members per side are checked (evenly spaced) for large clusters. */
  maxCheck?: number;
}

function sample(list: readonly number[], max: number): readonly number[] {
  if (list.length <= max) return list;
  const out: number[] = [];
  const step = list.length / max;
  for (let k = 0; k < max; k++) out.push(list[Math.floor(k * step)]!);
  return out;
}

/**
 * Merges along `edges` (already sorted by decreasing score), each merge allowed
 * only if `score(x, y)` over the cross pairs meets the coherence options.
 * Returns the number of refused merges.
 */
export function mergeCoherently(
  clusters: Clusters,
  edgesA: Int32Array,
  edgesB: Int32Array,
  order: Uint32Array,
  score: (x: number, y: number) => number,
  options: CoherenceOptions,
): number {
  const maxCheck = options.maxCheck ?? 40;
  let refused = 0;
  for (const e of order) {
    const a = edgesA[e]!;
    const b = edgesB[e]!;
    const ra = clusters.find(a);
    const rb = clusters.find(b);
    if (ra === rb) continue;
    const ma = clusters.membersOf(ra);
    const mb = clusters.membersOf(rb);
    if (ma.length === 1 && mb.length === 1) {
      clusters.union(a, b);
      continue;
    }
    const sa = sample(ma, maxCheck);
    const sb = sample(mb, maxCheck);
    let ok = true;
    let sum = 0;
    let count = 0;
    outer: for (const x of sa) {
      for (const y of sb) {
        const s = score(x, y);
        if (s < options.minPairWeight) {
          ok = false;
          break outer;
        }
        sum += Math.min(s, 40);
        count++;
      }
    }
    if (ok && sum / count < options.minAverageWeight) ok = false;
    if (ok) clusters.union(a, b);
    else refused++;
  }
  return refused;
}
