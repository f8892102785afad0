/**
 * L2-regularised logistic regression on standardised features, fitted by
 * Newton's method (iteratively reweighted least squares): a handful of
 * deterministic iterations, no learning rate to tune. The intercept is not
 * penalised. Its probabilities are its own (no recalibration): the training
 * report checks their calibration on the hold-out window (ECE).
 *
 * A customer's contribution of a feature is coefficient × standardised
 * value: its signed share of the log-odds relative to an average customer.
 */
import type { LogisticParameters, Standardisation } from '../../contracts/propensity';

export interface LogisticOptions {
  /** The L2 penalty on the coefficients (on the mean log-likelihood scale). @default 0.01 */
  readonly l2?: number;
  /** @default 50 */
  readonly maxIterations?: number;
  /** Stop when no coefficient moves more than this. @default 1e-8 */
  readonly tolerance?: number;
}

export interface LogisticModel extends LogisticParameters {
  readonly standardisation: Standardisation;
  /** Newton iterations it took. */
  readonly iterations: number;
}

/** Column means and standard deviations; a constant column gets scale 1 (it then standardises to 0). */
export function standardisation(x: readonly (readonly number[])[]): Standardisation {
  const d = x[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(0);
  for (const row of x) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (row[j] as number);
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / Math.max(1, x.length);
  for (const row of x) for (let j = 0; j < d; j++) scale[j] = (scale[j] as number) + ((row[j] as number) - (mean[j] as number)) ** 2;
  for (let j = 0; j < d; j++) {
    const sd = Math.sqrt((scale[j] as number) / Math.max(1, x.length));
    scale[j] = sd > 1e-12 ? sd : 1;
  }
  return { mean, scale };
}

export function standardise(row: readonly number[], s: Standardisation): number[] {
  return row.map((v, j) => (v - (s.mean[j] as number)) / (s.scale[j] as number));
}

export const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Solves A·v = b for a symmetric positive definite A (Cholesky); A and b are not changed. */
function solveSpd(a: readonly number[][], b: readonly number[]): number[] {
  const n = b.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = (a[i] as number[])[j] as number;
      for (let k = 0; k < j; k++) sum -= ((l[i] as number[])[k] as number) * ((l[j] as number[])[k] as number);
      if (i === j) (l[i] as number[])[i] = Math.sqrt(Math.max(sum, 1e-12));
      else (l[i] as number[])[j] = sum / ((l[j] as number[])[j] as number);
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let sum = b[i] as number;
    for (let k = 0; k < i; k++) sum -= ((l[i] as number[])[k] as number) * (y[k] as number);
    y[i] = sum / ((l[i] as number[])[i] as number);
  }
  const v = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i] as number;
    for (let k = i + 1; k < n; k++) sum -= ((l[k] as number[])[i] as number) * (v[k] as number);
    v[i] = sum / ((l[i] as number[])[i] as number);
  }
  return v;
}

/**
 * Fits the model to rows `x` (raw features) and labels `y` (0/1): minimises
 * the mean negative log-likelihood plus l2/2 · |w|² over standardised features.
 */
export function fitLogistic(x: readonly (readonly number[])[], y: readonly (0 | 1)[], opts: LogisticOptions = {}): LogisticModel {
  if (x.length === 0 || x.length !== y.length) throw new Error(`logistic regression: ${x.length} rows and ${y.length} labels`);
  const l2 = opts.l2 ?? 0.01;
  const maxIterations = opts.maxIterations ?? 50;
  const tolerance = opts.tolerance ?? 1e-8;
  const s = standardisation(x);
  const z = x.map((row) => standardise(row, s));
  const n = z.length;
  const d = (z[0] as number[]).length;
  // beta[0] is the intercept; beta[1..d] the coefficients.
  const beta = new Array<number>(d + 1).fill(0);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const grad = new Array<number>(d + 1).fill(0);
    const hess = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    for (let i = 0; i < n; i++) {
      const row = z[i] as number[];
      let eta = beta[0] as number;
      for (let j = 0; j < d; j++) eta += (beta[j + 1] as number) * (row[j] as number);
      const p = sigmoid(eta);
      const r = p - (y[i] as number);
      const w = Math.max(p * (1 - p), 1e-10);
      const xi = [1, ...row];
      for (let a = 0; a <= d; a++) {
        const xa = xi[a] as number;
        grad[a] = (grad[a] as number) + r * xa;
        const ha = hess[a] as number[];
        for (let b = 0; b <= a; b++) ha[b] = (ha[b] as number) + w * xa * (xi[b] as number);
      }
    }
    for (let a = 0; a <= d; a++) {
      grad[a] = (grad[a] as number) / n + (a === 0 ? 0 : l2 * (beta[a] as number));
      const ha = hess[a] as number[];
      for (let b = 0; b <= a; b++) {
        ha[b] = (ha[b] as number) / n + (a === b && a > 0 ? l2 : 0);
        (hess[b] as number[])[a] = ha[b] as number;
      }
    }
    const step = solveSpd(hess, grad);
    let moved = 0;
    for (let a = 0; a <= d; a++) {
      beta[a] = (beta[a] as number) - (step[a] as number);
      moved = Math.max(moved, Math.abs(step[a] as number));
    }
    if (moved < tolerance) {
      iterations++;
      break;
    }
  }
  return { intercept: beta[0] as number, coefficients: beta.slice(1), l2, standardisation: s, iterations };
}

export interface LogisticScorer {
  readonly intercept: number;
  readonly coefficients: readonly number[];
  readonly standardisation: Standardisation;
}

/** The probability of label 1 for one row of raw features. */
export function logisticScore(model: LogisticScorer, row: readonly number[]): number {
  const zs = standardise(row, model.standardisation);
  let eta = model.intercept;
  for (let j = 0; j < zs.length; j++) eta += (model.coefficients[j] as number) * (zs[j] as number);
  return sigmoid(eta);
}

/** Each feature's contribution to the log-odds: coefficient × standardised value. */
export function logisticContributions(model: LogisticScorer, row: readonly number[]): number[] {
  return standardise(row, model.standardisation).map((v, j) => (model.coefficients[j] as number) * v);
}
