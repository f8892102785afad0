/**
 * String, date and number comparators used by the matcher. All are pure and
 * allocation-light (scratch buffers are reused), because the matcher calls them
 * millions of times.
 */

let flagsA = new Uint8Array(64);
let flagsB = new Uint8Array(64);
let row0 = new Int32Array(65);
let row1 = new Int32Array(65);
let row2 = new Int32Array(65);

function ensureFlags(n: number): void {
  if (flagsA.length < n) {
    flagsA = new Uint8Array(n * 2);
    flagsB = new Uint8Array(n * 2);
  }
}

function ensureRows(n: number): void {
  if (row0.length < n + 1) {
    row0 = new Int32Array(n * 2 + 1);
    row1 = new Int32Array(n * 2 + 1);
    row2 = new Int32Array(n * 2 + 1);
  }
}

/** Jaro similarity in [0, 1]. */
export function jaro(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  if (la <= 31 && lb <= 31) return jaroShort(a, b, la, lb);
  ensureFlags(Math.max(la, lb));
  const window = Math.max(0, (Math.max(la, lb) >> 1) - 1);
  flagsA.fill(0, 0, la);
  flagsB.fill(0, 0, lb);
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const lo = Math.max(0, i - window);
    const hi = Math.min(lb - 1, i + window);
    const ca = a.charCodeAt(i);
    for (let j = lo; j <= hi; j++) {
      if (flagsB[j] === 0 && b.charCodeAt(j) === ca) {
        flagsA[i] = 1;
        flagsB[j] = 1;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < la; i++) {
    if (flagsA[i] === 0) continue;
    while (flagsB[k] === 0) k++;
    if (a.charCodeAt(i) !== b.charCodeAt(k)) transpositions++;
    k++;
  }
  const m = matches;
  return (m / la + m / lb + (m - transpositions / 2) / m) / 3;
}

/** Jaro for strings of at most 31 characters, with matched positions kept in integer bit masks. */
function jaroShort(a: string, b: string, la: number, lb: number): number {
  const window = Math.max(0, (Math.max(la, lb) >> 1) - 1);
  let maskA = 0;
  let maskB = 0;
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const lo = i > window ? i - window : 0;
    const hi = i + window < lb - 1 ? i + window : lb - 1;
    const ca = a.charCodeAt(i);
    for (let j = lo; j <= hi; j++) {
      if ((maskB & (1 << j)) === 0 && b.charCodeAt(j) === ca) {
        maskA |= 1 << i;
        maskB |= 1 << j;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < la; i++) {
    if ((maskA & (1 << i)) === 0) continue;
    while ((maskB & (1 << k)) === 0) k++;
    if (a.charCodeAt(i) !== b.charCodeAt(k)) transpositions++;
    k++;
  }
  return (matches / la + matches / lb + (matches - transpositions / 2) / matches) / 3;
}

/**
 * Jaro–Winkler similarity in [0, 1]: Jaro plus a bonus for a common prefix of up
 * to four characters (scale 0.1), applied when Jaro exceeds 0.7.
 */
export function jaroWinkler(a: string, b: string): number {
  const j = jaro(a, b);
  if (j <= 0.7) return j;
  const max = Math.min(4, a.length, b.length);
  let prefix = 0;
  while (prefix < max && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return j + prefix * 0.1 * (1 - j);
}

/** Levenshtein edit distance (insert, delete, substitute). */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  ensureRows(b.length);
  let prev = row0;
  let cur = row1;
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[b.length]!;
}

/**
 * Damerau–Levenshtein distance in its optimal-string-alignment form: like
 * Levenshtein, plus the transposition of two adjacent characters as one edit.
 * With `max`, returns `max + 1` as soon as the distance is known to exceed it.
 */
export function damerauLevenshtein(a: string, b: string, max = Infinity): number {
  if (a === b) return 0;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > max) return max + 1;
  if (la === 0) return lb;
  if (lb === 0) return la;
  ensureRows(lb);
  let prev2 = row0;
  let prev = row1;
  let cur = row2;
  for (let j = 0; j <= lb; j++) prev[j] = j;
  for (let i = 1; i <= la; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= lb; j++) {
      const cb = b.charCodeAt(j - 1);
      const cost = ca === cb ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) {
        v = Math.min(v, prev2[j - 2]! + 1);
      }
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  const d = prev[lb]!;
  return d > max ? max + 1 : d;
}

/**
 * Whether two strings are at most one Damerau edit apart (one insertion,
 * deletion, substitution or swap of adjacent characters). Linear time; equal
 * to `damerauLevenshtein(a, b, 1) <= 1`.
 */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (la === lb) {
    let i = 0;
    while (i < la && a.charCodeAt(i) === b.charCodeAt(i)) i++;
    // substitution at i, or swap of i and i + 1
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return i + 1 < la && a.charCodeAt(i) === b.charCodeAt(i + 1) && a.charCodeAt(i + 1) === b.charCodeAt(i) && a.slice(i + 2) === b.slice(i + 2);
  }
  if (Math.abs(la - lb) !== 1) return false;
  const [s, l] = la < lb ? [a, b] : [b, a];
  let i = 0;
  while (i < s.length && s.charCodeAt(i) === l.charCodeAt(i)) i++;
  return s.slice(i) === l.slice(i + 1);
}

/** Cosine similarity of character-bigram count vectors, in [0, 1]. */
export function bigramCosine(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  if (a.length < 2 || b.length < 2) return 0;
  const ca = new Map<string, number>();
  for (let i = 0; i + 1 < a.length; i++) {
    const g = a.slice(i, i + 2);
    ca.set(g, (ca.get(g) ?? 0) + 1);
  }
  const cb = new Map<string, number>();
  for (let i = 0; i + 1 < b.length; i++) {
    const g = b.slice(i, i + 2);
    cb.set(g, (cb.get(g) ?? 0) + 1);
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [g, v] of ca) {
    na += v * v;
    const w = cb.get(g);
    if (w !== undefined) dot += v * w;
  }
  for (const v of cb.values()) nb += v * v;
  return dot / Math.sqrt(na * nb);
}

/** A date split into parts; 0 marks a missing part. */
export interface DateParts {
  year: number;
  month: number;
  day: number;
}

/** How two dates of birth compare, from strongest to weakest agreement. */
export type DateAgreement = 'exact' | 'close' | 'partial' | 'disagree' | 'missing';

const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n));

/**
 * Compares two (possibly partial) dates of birth.
 * - `exact`: year, month and day all present and equal;
 * - `close`: day and month transposed, or a single-digit typo / adjacent digit swap
 *   in YYYYMMDD, or the year one off with month and day equal;
 * - `partial`: two of the three parts agree, or every part both dates know agrees
 *   but one date is incomplete;
 * - `disagree`: otherwise; `missing`: no part is known on both sides.
 */
export function compareDates(a: DateParts, b: DateParts): DateAgreement {
  const hasY = a.year > 0 && b.year > 0;
  const hasM = a.month > 0 && b.month > 0;
  const hasD = a.day > 0 && b.day > 0;
  if (!hasY && !hasM && !hasD) return 'missing';
  if (hasY && hasM && hasD) {
    const ey = a.year === b.year;
    const em = a.month === b.month;
    const ed = a.day === b.day;
    if (ey && em && ed) return 'exact';
    if (ey && a.month === b.day && a.day === b.month) return 'close';
    if (em && ed && Math.abs(a.year - b.year) === 1) return 'close';
    const agreeing = (ey ? 1 : 0) + (em ? 1 : 0) + (ed ? 1 : 0);
    if (agreeing === 2) {
      const sa = String(a.year) + pad2(a.month) + pad2(a.day);
      const sb = String(b.year) + pad2(b.month) + pad2(b.day);
      return withinOneEdit(sa, sb) ? 'close' : 'partial';
    }
    return 'disagree';
  }
  // incomplete: compare the parts both sides know
  const transposed = hasM && hasD && a.month === b.day && a.day === b.month;
  if (hasY && a.year !== b.year) return 'disagree';
  if (hasM && a.month !== b.month && !transposed) return 'disagree';
  if (hasD && a.day !== b.day && !transposed) return 'disagree';
  return 'partial';
}

/** Number comparison with tolerance: equal, within `tolerance`, or a one-character typo. */
export function compareNumbers(a: string, b: string, tolerance = 0): 'exact' | 'close' | 'disagree' {
  if (a === b) return 'exact';
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb) && Math.abs(na - nb) <= tolerance) return 'close';
  return withinOneEdit(a, b) ? 'close' : 'disagree';
}
