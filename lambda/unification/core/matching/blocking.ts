/**
 * Blocking: which record pairs get compared. Several passes, each grouping
 * records by a key (a phonetic name code, date parts, postcode, an identifier...)
 * plus sorted-neighbourhood passes, so a true pair with typos, swapped or missing
 * fields still meets in at least one. Blocks above `maxBlockSize` (common names,
 * placeholder values) are not compared all-pairs but by a sliding window over
 * the block sorted by name and date of birth, keeping the pair count near-linear.
 */
import type { NormalizedPerson } from './normalize';
import { fieldText } from './normalize';
import { canonicalGivenName } from './nicknames';
import { nysiis, soundex } from './phonetic';
import type { BlockingKeyPart, MatchingRules } from '../../../config/unification/matching';

/** A growable list of record pairs (i < j), encoded as i * n + j. */
export class PairList {
  private data: Float64Array;
  length = 0;
  constructor(
    readonly n: number,
    capacity = 1024,
  ) {
    this.data = new Float64Array(capacity);
  }
  add(i: number, j: number): void {
    if (i === j) return;
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = i < j ? i * this.n + j : j * this.n + i;
  }
  /** Sorted, de-duplicated encoded pairs. */
  unique(): Float64Array {
    const view = this.data.subarray(0, this.length);
    view.sort();
    let w = 0;
    for (let r = 0; r < view.length; r++) {
      if (r === 0 || view[r] !== view[r - 1]) view[w++] = view[r]!;
    }
    return view.slice(0, w);
  }
}

/** The text of one blocking key part for a record, '' when missing. */
export function keyPart(p: NormalizedPerson, part: BlockingKeyPart): string {
  switch (part.transform) {
    case 'year':
      return fieldText(p, 'birthYear');
    case 'month':
      return fieldText(p, 'birthMonth');
    case 'day':
      return fieldText(p, 'birthDay');
    case 'monthDay':
      if (p.birthMonth === 0 || p.birthDay === 0) return '';
      return p.birthMonth <= p.birthDay ? `${p.birthMonth}/${p.birthDay}` : `${p.birthDay}/${p.birthMonth}`;
    default:
      break;
  }
  const text = fieldText(p, part.field);
  if (text === '') return '';
  switch (part.transform) {
    case 'value':
      return text;
    case 'soundex':
      return soundex(text);
    case 'nysiis':
      return nysiis(text, 6);
    case 'nickname': {
      const firstToken = text.split(' ')[0]!;
      return nysiis(canonicalGivenName(firstToken), 6);
    }
    case 'initial':
      return text[0]!;
    case 'prefix3':
      return text.replace(/ /g, '').slice(0, 3);
    case 'tokenSoundex':
      return [...new Set(text.split(' ').filter((t) => t.length > 1).map(soundex))].sort().join(' ');
  }
}

/** Key-part values per record, computed once per (field, transform) and shared by passes. */
class KeyParts {
  private cache = new Map<string, string[]>();
  constructor(private readonly people: readonly NormalizedPerson[]) {}
  column(part: BlockingKeyPart): string[] {
    const id = `${part.field}:${part.transform}`;
    let col = this.cache.get(id);
    if (!col) {
      col = this.people.map((p) => keyPart(p, part));
      this.cache.set(id, col);
    }
    return col;
  }
}

export interface BlockingPassStats {
  name: string;
  blocks: number;
  largestBlock: number;
  oversizedBlocks: number;
  pairs: number;
}

export interface Candidates {
  /** Sorted unique encoded pairs (i * n + j, i < j). */
  pairs: Float64Array;
  /** Pairs generated over all passes before de-duplication. */
  generated: number;
  passes: BlockingPassStats[];
}

/** A sort key to order records inside an oversized block: names, then date of birth. */
export function neighbourhoodKey(p: NormalizedPerson): string {
  return `${p.lastName}\u0001${p.firstName}\u0001${p.dateOfBirth}`;
}

/** Adds the pairs of one block: all pairs, or a sorted sliding window when oversized. */
export function addBlock(
  members: readonly number[],
  out: PairList,
  sortKeys: readonly string[],
  maxBlockSize: number,
  window: number,
): { pairs: number; oversized: boolean } {
  const k = members.length;
  if (k < 2) return { pairs: 0, oversized: false };
  if (k <= maxBlockSize) {
    for (let x = 0; x < k; x++) for (let y = x + 1; y < k; y++) out.add(members[x]!, members[y]!);
    return { pairs: (k * (k - 1)) / 2, oversized: false };
  }
  const sorted = [...members].sort((a, b) => (sortKeys[a]! < sortKeys[b]! ? -1 : sortKeys[a]! > sortKeys[b]! ? 1 : a - b));
  let pairs = 0;
  for (let x = 0; x < k; x++) {
    for (let y = x + 1; y < Math.min(k, x + window); y++) {
      out.add(sorted[x]!, sorted[y]!);
      pairs++;
    }
  }
  return { pairs, oversized: true };
}

/** Runs every blocking pass and returns the de-duplicated candidate pairs. */
export function generateCandidates(people: readonly NormalizedPerson[], rules: MatchingRules): Candidates {
  const n = people.length;
  const out = new PairList(n, Math.max(1024, n * 4));
  const sortKeys = people.map(neighbourhoodKey);
  const { maxBlockSize, oversizedWindow } = rules.blocking;
  const passes: BlockingPassStats[] = [];
  const parts = new KeyParts(people);
  for (const pass of rules.blocking.passes) {
    const blocks = new Map<string, number[]>();
    const columns = pass.keys.map((k) => parts.column(k));
    const values: string[] = [];
    for (let i = 0; i < n; i++) {
      values.length = 0;
      for (const col of columns) {
        const v = col[i]!;
        if (v === '') break;
        values.push(v);
      }
      if (values.length < columns.length) continue;
      if (pass.unordered) values.sort();
      const key = values.length === 1 ? values[0]! : values.join('\u0001');
      const list = blocks.get(key);
      if (list) list.push(i);
      else blocks.set(key, [i]);
    }
    const stats: BlockingPassStats = { name: pass.name, blocks: 0, largestBlock: 0, oversizedBlocks: 0, pairs: 0 };
    for (const members of blocks.values()) {
      if (members.length < 2) continue;
      stats.blocks++;
      stats.largestBlock = Math.max(stats.largestBlock, members.length);
      const r = addBlock(members, out, sortKeys, maxBlockSize, oversizedWindow);
      stats.pairs += r.pairs;
      if (r.oversized) stats.oversizedBlocks++;
    }
    passes.push(stats);
  }
  for (const snm of rules.blocking.sortedNeighbourhood) {
    const keyed: Array<{ key: string; i: number }> = [];
    const columns = snm.keys.map((k) => parts.column(k));
    for (let i = 0; i < n; i++) {
      let key = '';
      let any = false;
      for (let c = 0; c < columns.length; c++) {
        const v = columns[c]![i]!;
        if (v !== '') any = true;
        key = c === 0 ? v : `${key}\u0001${v}`;
      }
      if (any) keyed.push({ key, i });
    }
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i));
    let pairs = 0;
    for (let x = 0; x < keyed.length; x++) {
      for (let y = x + 1; y < Math.min(keyed.length, x + snm.window); y++) {
        out.add(keyed[x]!.i, keyed[y]!.i);
        pairs++;
      }
    }
    passes.push({ name: snm.name, blocks: 1, largestBlock: keyed.length, oversizedBlocks: 0, pairs });
  }
  const generated = out.length;
  return { pairs: out.unique(), generated, passes };
}
