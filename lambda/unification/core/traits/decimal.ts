/**
 * Exact decimal sums: numbers with at most four decimals (amounts, scores)
 * are summed as integers of ten-thousandths, so sums and averages are exact
 * and order-independent below 2^53 ten-thousandths (about 9e11); other
 * numbers go to a floating-point remainder whose last bits may depend on the
 * order.
 */

/** Revenue is stored in ten-thousandths (REVENUE_SCALE in shared/events.ts); decimal sums use the same scale. */
export const SCALE = 10_000;

/** Adds x to the exact sum at acc[i], or to the remainder at acc[i + 1] when it has more than four decimals or the sum would lose precision. */
export function addDecimal(acc: number[], i: number, x: number): void {
  const q = x * SCALE;
  const r = Math.round(q);
  const s = (acc[i] as number) + r;
  if (Math.abs(q - r) <= Math.abs(q) * 4 * Number.EPSILON && Number.isSafeInteger(s)) acc[i] = s;
  else acc[i + 1] = (acc[i + 1] as number) + x;
}

/** Adds b's exact sum and remainder (at i and i + 1) into a's. */
export function mergeDecimal(a: number[], b: readonly number[], i: number): void {
  const s = (a[i] as number) + (b[i] as number);
  if (Number.isSafeInteger(s)) a[i] = s;
  else a[i + 1] = (a[i + 1] as number) + (b[i] as number) / SCALE;
  a[i + 1] = (a[i + 1] as number) + (b[i + 1] as number);
}
