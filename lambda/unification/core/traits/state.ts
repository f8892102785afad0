/**
 * The stored state of a trait and reading it back: `[fingerprint, data]`,
 * where data is one cell, the buckets of a windowed trait, or each value's
 * latest bucket (windowed distinct). A state whose fingerprint is not the
 * definition's (config changed it) reads as nothing.
 */
import type { Cell, CompiledTrait } from './model';

export const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** [bucket number, cell]: a windowed trait keeps them sorted by bucket. */
export type Bucket = [number, Cell];

/** A windowed distinct's state: [values sorted, latest bucket of each]. */
export type Latest = [string[], number[]];

/** What a fold step returns when a trait's state stays as it was. */
export const UNCHANGED = Symbol('unchanged');

export function own(states: Readonly<Record<string, unknown>> | undefined, name: string): unknown {
  return states !== undefined && hasOwn(states, name) ? states[name] : undefined;
}

/** The stored cell of a plain trait, or undefined when absent or not this definition's. */
export function storedCell(t: CompiledTrait, s: unknown): Cell | undefined {
  return Array.isArray(s) && s.length === 2 && s[0] === t.fp && t.kind.isCell(s[1]) ? s[1] : undefined;
}

/** The stored buckets of a windowed trait, sorted by bucket, or undefined. */
export function storedBuckets(t: CompiledTrait, s: unknown): readonly Bucket[] | undefined {
  if (!Array.isArray(s) || s.length !== 2 || s[0] !== t.fp || !Array.isArray(s[1])) return undefined;
  const buckets = s[1] as unknown[];
  for (const b of buckets) if (!Array.isArray(b) || b.length !== 2 || typeof b[0] !== 'number' || !t.kind.isCell(b[1])) return undefined;
  return buckets as Bucket[];
}

export function storedLatest(t: CompiledTrait, s: unknown): Latest | undefined {
  if (!Array.isArray(s) || s.length !== 2 || s[0] !== t.fp) return undefined;
  const c = s[1] as unknown;
  return Array.isArray(c) && c.length === 2 && Array.isArray(c[0]) && Array.isArray(c[1]) && c[0].length === c[1].length ? (c as Latest) : undefined;
}
