/** How each aggregate op keeps, adds to, merges and reads its state (one cell; one per bucket when windowed). */
import { addDecimal, mergeDecimal, SCALE } from './decimal';
import { DAY_MS, type AggregateValue, type Kind } from './model';

/**
 * The most values a distinct or mode trait keeps; which are kept never
 * depends on the order events arrive in:
 * - distinct keeps the lexicographically smallest values (by UTF-16 code
 *   units), so its count is exact up to the cap and then reads as the cap;
 * - a windowed distinct keeps the values seen most recently (by bucket, ties
 *   to the smaller value), so its count is exact up to the cap too;
 * - mode keeps the lexicographically smallest values with their counts, and
 *   only those compete; a windowed mode applies the cap per bucket, shared out
 *   over the buckets the window spans (at least MIN_VALUES_PER_BUCKET each).
 */
export const MAX_DISTINCT_VALUES = 1000;
export const MIN_VALUES_PER_BUCKET = 10;

const isNumberArray = (c: unknown, n: number) => Array.isArray(c) && c.length === n && c.every((x) => typeof x === 'number');

export const countKind: Kind = {
  isCell: (c) => typeof c === 'number',
  clone: (c) => c,
  add: (c) => ((c as number | undefined) ?? 0) + 1,
  mergeInto: (a, b) => (a as number) + (b as number),
  value: (c) => (c as number | undefined) ?? 0,
};

/** [exact sum in ten-thousandths, floating-point remainder]. */
export const sumKind: Kind = {
  isCell: (c) => isNumberArray(c, 2),
  clone: (c) => (c as number[]).slice(),
  add: (c, v) => {
    const acc = (c as number[] | undefined) ?? [0, 0];
    addDecimal(acc, 0, v as number);
    return acc;
  },
  mergeInto: (a, b) => {
    mergeDecimal(a as number[], b as number[], 0);
    return a;
  },
  value: (c) => {
    if (c === undefined) return 0;
    const [s, f] = c as [number, number];
    return s / SCALE + f;
  },
};

/** [count, exact sum in ten-thousandths, floating-point remainder]. */
export const avgKind: Kind = {
  isCell: (c) => isNumberArray(c, 3),
  clone: (c) => (c as number[]).slice(),
  add: (c, v) => {
    const acc = (c as number[] | undefined) ?? [0, 0, 0];
    acc[0] = (acc[0] as number) + 1;
    addDecimal(acc, 1, v as number);
    return acc;
  },
  mergeInto: (a, b) => {
    const x = a as number[];
    x[0] = (x[0] as number) + ((b as number[])[0] as number);
    mergeDecimal(x, b as number[], 1);
    return x;
  },
  value: (c) => {
    if (c === undefined) return null;
    const [n, s, f] = c as [number, number, number];
    if (n === 0) return null;
    // One division when the sum is exact: avg of 0.1, 0.2, 0.3 is 0.2.
    return f === 0 ? s / (n * SCALE) : (s / SCALE + f) / n;
  },
};

function formatTime(ms: number, daysSince: boolean, nowMs: number): AggregateValue {
  return daysSince ? Math.max(0, Math.floor((nowMs - ms) / DAY_MS)) : new Date(ms).toISOString();
}

/** min or max of a number; of $timestamp (also first/last of it) as a time. */
export function extremeKind(max: boolean, time: 'iso' | 'daysSince' | undefined): Kind {
  return {
    isCell: (c) => typeof c === 'number',
    clone: (c) => c,
    add: (c, v) => (c === undefined ? v : max ? Math.max(c as number, v as number) : Math.min(c as number, v as number)),
    mergeInto: (a, b) => (max ? Math.max(a as number, b as number) : Math.min(a as number, b as number)),
    value: (c, nowMs) => (c === undefined ? null : time === undefined ? (c as number) : formatTime(c as number, time === 'daysSince', nowMs)),
    time: (c) => c as number,
  };
}

/** [event time, messageId, value] of the first or last event: later by time, then by messageId. */
export function pickKind(last: boolean): Kind {
  const wins = (t: number, m: string, c: readonly [number, string, unknown]) =>
    last ? (t !== c[0] ? t > c[0] : m > c[1]) : t !== c[0] ? t < c[0] : m < c[1];
  return {
    isCell: (c) => Array.isArray(c) && c.length === 3 && typeof c[0] === 'number' && typeof c[1] === 'string',
    clone: (c) => c,
    add: (c, v, e) => {
      const cur = c as [number, string, unknown] | undefined;
      return cur === undefined || wins(e.ts, e.messageId, cur) ? [e.ts, e.messageId, v] : cur;
    },
    mergeInto: (a, b) => {
      const x = b as [number, string, unknown];
      return wins(x[0], x[1], a as [number, string, unknown]) ? b : a;
    },
    value: (c) => (c === undefined ? null : ((c as [number, string, AggregateValue])[2] ?? null)),
  };
}

/** Index of the first element >= key in a sorted list. */
export function lowerBound(list: readonly string[], key: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The distinct values, sorted; the `cap` smallest. */
export function distinctKind(cap: number): Kind {
  return {
    isCell: (c) => Array.isArray(c),
    clone: (c) => (c as string[]).slice(),
    add: (c, v) => {
      const list = (c as string[] | undefined) ?? [];
      const key = v as string;
      const i = lowerBound(list, key);
      if (list[i] === key || i >= cap) return list;
      list.splice(i, 0, key);
      if (list.length > cap) list.pop();
      return list;
    },
    mergeInto: (a, b, max) => {
      const x = a as string[];
      const y = b as string[];
      const out: string[] = [];
      let i = 0;
      let j = 0;
      while (out.length < max && (i < x.length || j < y.length)) {
        const p = x[i];
        const q = y[j];
        if (q === undefined || (p !== undefined && p < q)) {
          out.push(p as string);
          i++;
        } else if (p === undefined || q < p) {
          out.push(q);
          j++;
        } else {
          out.push(p);
          i++;
          j++;
        }
      }
      return out;
    },
    value: (c) => (c === undefined ? 0 : Math.min((c as string[]).length, MAX_DISTINCT_VALUES)),
  };
}

/** [sorted values, their counts]; the `cap` smallest values. The mode is the most frequent, ties to the smallest. */
export function modeKind(cap: number): Kind {
  return {
    isCell: (c) => Array.isArray(c) && c.length === 2 && Array.isArray(c[0]) && Array.isArray(c[1]),
    clone: (c) => {
      const [v, n] = c as [string[], number[]];
      return [v.slice(), n.slice()];
    },
    add: (c, v) => {
      const cell = (c as [string[], number[]] | undefined) ?? [[], []];
      const [values, counts] = cell;
      const key = v as string;
      const i = lowerBound(values, key);
      if (values[i] === key) counts[i] = (counts[i] as number) + 1;
      else if (i < cap) {
        values.splice(i, 0, key);
        counts.splice(i, 0, 1);
        if (values.length > cap) {
          values.pop();
          counts.pop();
        }
      }
      return cell;
    },
    mergeInto: (a, b, max) => {
      const [xv, xn] = a as [string[], number[]];
      const [yv, yn] = b as [string[], number[]];
      const values: string[] = [];
      const counts: number[] = [];
      let i = 0;
      let j = 0;
      while (values.length < max && (i < xv.length || j < yv.length)) {
        const p = xv[i];
        const q = yv[j];
        if (q === undefined || (p !== undefined && p < q)) {
          values.push(p as string);
          counts.push(xn[i++] as number);
        } else if (p === undefined || q < p) {
          values.push(q);
          counts.push(yn[j++] as number);
        } else {
          values.push(p);
          counts.push((xn[i++] as number) + (yn[j++] as number));
        }
      }
      return [values, counts];
    },
    value: (c) => {
      if (c === undefined) return null;
      const [values, counts] = c as [string[], number[]];
      let best: string | null = null;
      let bestCount = 0;
      for (let i = 0; i < values.length; i++) {
        if ((counts[i] as number) > bestCount) {
          best = values[i] as string;
          bestCount = counts[i] as number;
        }
      }
      return best;
    },
  };
}
