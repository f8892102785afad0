/** A benchmark figure: a value with its unit, the workload it was measured on, and the target beside it. */
export interface Figure {
  readonly section: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly workload: string;
  /** The target, as text (e.g. "≥ 20000"), and whether the value meets it. */
  readonly target?: string;
  readonly met?: boolean;
}

export function atLeast(value: number, target: number): Pick<Figure, 'target' | 'met'> {
  return { target: `≥ ${target}`, met: value >= target };
}
export function atMost(value: number, target: number): Pick<Figure, 'target' | 'met'> {
  return { target: `≤ ${target}`, met: value <= target };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

/** A figure for reading: whole numbers from 100 up, otherwise up to three decimals (so 2.003 does not print as 2). */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  return Number(value.toFixed(Math.abs(value) >= 100 ? 0 : 3));
}

export function formatTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.section,
    f.name,
    String(round(f.value)),
    f.unit,
    f.target === undefined ? '' : `${f.target} ${f.met ? 'met' : 'MISSED'}`,
    f.workload,
  ]);
  const header = ['section', 'figure', 'value', 'unit', 'target', 'workload'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 2 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
