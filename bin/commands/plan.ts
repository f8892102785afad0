/**
 * `c360 plan check FILE`: checks a JSON-lines file of Segment events against
 * the tracking plan (config.trackingPlan) as the collector would, without
 * sending anything.
 *
 *   c360 plan check events.jsonl [--source web] [--show 10]
 *
 * Prints how many events would be accepted, flagged and rejected, the
 * violations counted by event, reason and action, and the first failing
 * lines. Exits 1 when any event would be rejected (lines that are not a JSON
 * object count as rejected: the collector refuses them too).
 */
import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import type { TrackingPlan } from '../../lambda/config/tracking-plan';
import { describeViolation, planEventName, planVerdict, type PlanAction } from '../../lambda/shared/tracking-plan';

export interface PlanCommandOptions {
  /** @default config.trackingPlan (c360.config.ts) */
  readonly plan?: TrackingPlan;
  /** Where the report goes. @default process.stdout */
  readonly write?: (text: string) => void;
}

export interface PlanCheckReport {
  readonly lines: number;
  readonly accepted: number;
  readonly flagged: number;
  readonly rejected: number;
  /** Lines that are not a JSON object. */
  readonly unreadable: number;
  /** Violations by event, reason and action, most frequent first. */
  readonly counts: ReadonlyArray<{ event: string; reason: string; action: Exclude<PlanAction, 'accept'>; events: number }>;
  /** The first failing lines (flagged, rejected or unreadable), in file order. */
  readonly failures: ReadonlyArray<{ line: number; action: Exclude<PlanAction, 'accept'>; text: string }>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks every line of a JSON-lines text. The source whose mode applies is
 * `source` when given, else each event's `context.source`, else none (the
 * plan's default mode).
 */
export function checkPlanLines(plan: TrackingPlan, text: string, opts: { source?: string; show?: number } = {}): PlanCheckReport {
  const show = opts.show ?? 10;
  const counts = new Map<string, { event: string; reason: string; action: 'flag' | 'reject'; events: number }>();
  const failures: Array<{ line: number; action: 'flag' | 'reject'; text: string }> = [];
  const totals = { lines: 0, accepted: 0, flagged: 0, rejected: 0, unreadable: 0 };
  const fail = (line: number, action: 'flag' | 'reject', message: string) => {
    if (failures.length < show) failures.push({ line, action, text: message });
  };
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim().length === 0) return;
    totals.lines++;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch (err) {
      totals.unreadable++;
      totals.rejected++;
      fail(i + 1, 'reject', `not JSON (${(err as Error).message})`);
      return;
    }
    if (!isObject(event)) {
      totals.unreadable++;
      totals.rejected++;
      fail(i + 1, 'reject', 'not a JSON object');
      return;
    }
    const context = isObject(event.context) ? event.context : {};
    const source = opts.source ?? (typeof context.source === 'string' ? context.source : '');
    const verdict = planVerdict(plan, source, event);
    if (verdict.action === 'accept') {
      totals.accepted++;
      return;
    }
    if (verdict.action === 'flag') totals.flagged++;
    else totals.rejected++;
    const name = planEventName(event);
    for (const v of verdict.violations) {
      const reason = describeViolation(v);
      const key = JSON.stringify([name, reason, verdict.action]);
      const entry = counts.get(key) ?? { event: name, reason, action: verdict.action, events: 0 };
      entry.events++;
      counts.set(key, entry);
    }
    fail(i + 1, verdict.action, `${name}: ${verdict.violations.map(describeViolation).join('; ')}`);
  });
  const sorted = [...counts.values()].sort(
    (a, b) => b.events - a.events || a.event.localeCompare(b.event) || a.reason.localeCompare(b.reason) || a.action.localeCompare(b.action),
  );
  return { ...totals, counts: sorted, failures };
}

/** The report as text: totals, the counts as an aligned table, the first failing lines. */
export function formatPlanReport(report: PlanCheckReport): string {
  const out = [
    `${report.lines} events: ${report.accepted} accepted, ${report.flagged} flagged, ${report.rejected} rejected` +
      (report.unreadable > 0 ? ` (${report.unreadable} not a JSON object)` : ''),
  ];
  if (report.counts.length > 0) {
    const header = ['event', 'reason', 'action', 'events'];
    const rows = report.counts.map((c) => [c.event, c.reason, c.action, String(c.events)]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
    const line = (cells: readonly string[]) =>
      cells.map((c, i) => (i === 3 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
    out.push('', line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line));
  }
  if (report.failures.length > 0) {
    out.push('', 'first failing lines:', ...report.failures.map((f) => `  line ${f.line} (${f.action}): ${f.text}`));
  }
  return out.join('\n') + '\n';
}

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
};

export function registerPlanCommand(program: Command, options: PlanCommandOptions = {}): Command {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const plan = program.command('plan').description('the tracking plan (trackingPlan in c360.config.ts)');
  plan
    .command('check')
    .description('check a JSON-lines file of events against the tracking plan; exits 1 if any event would be rejected')
    .argument('<file>', 'one Segment event per line')
    .option('--source <name>', 'the source the events come from (its mode applies); default: each event\'s context.source')
    .option('--show <n>', 'how many failing lines to print', positiveInt, 10)
    .action(async function (this: Command, file: string, opts: { source?: string; show: number }) {
      const text = await readFile(file, 'utf8').catch((err: Error) => this.error(`error: cannot read ${file}: ${err.message}`, { exitCode: 2, code: 'c360.plan.file' }));
      const trackingPlan = options.plan ?? (await import('../../lambda/config/load')).config.trackingPlan;
      const report = checkPlanLines(trackingPlan, text, { ...(opts.source === undefined ? {} : { source: opts.source }), show: opts.show });
      write(formatPlanReport(report));
      if (report.rejected > 0) {
        this.error(`error: ${report.rejected} of ${report.lines} events would be rejected`, { exitCode: 1, code: 'c360.plan.rejected' });
      }
    });
  return plan;
}
