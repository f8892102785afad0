/**
 * EventBridge schedule expressions on this machine: `rate(n unit)` and
 * `cron(min hour day-of-month month day-of-week year)` (AWS's six fields,
 * `?` for "any", day-of-week 1-7 = SUN-SAT or names), read with cron-parser
 * after mapping AWS's fields onto its five. Times are UTC, as EventBridge's.
 */
import { CronExpressionParser } from 'cron-parser';
import { SCHEDULE } from '../config/activation';

const UNIT_MS: Readonly<Record<string, number>> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };

/** AWS's day-of-week field (1 = SUN) as cron-parser's (0 = SUN); names pass as they are. */
function dayOfWeek(field: string): string {
  return field.replace(/\d+/g, (n) => String((Number(n) + 6) % 7));
}

/** The next time at or after `afterMs` (exclusive) that `expression` fires, epoch ms. */
export function nextRun(expression: string, afterMs: number): number {
  if (!SCHEDULE.test(expression)) throw new Error(`not a schedule expression: ${expression}`);
  const rate = /^rate\((\d+) (\w+)\)$/.exec(expression);
  if (rate !== null) return afterMs + Number(rate[1]) * (UNIT_MS[rate[2] as string] as number);
  const fields = expression.slice('cron('.length, -1).split(' ');
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const cron = [minute, hour, dom === '?' ? '*' : dom, month, dow === '?' ? '*' : dayOfWeek(dow)].join(' ');
  return CronExpressionParser.parse(cron, { currentDate: new Date(afterMs), tz: 'UTC' }).next().getTime();
}

/**
 * Runs `job` at each time `expression` fires while the process runs (a
 * timer per run; a run still going when the next is due is skipped, as
 * a schedule with one concurrent target would). Returns the stop function.
 */
export function everyScheduled(expression: string, job: (scheduledAt: string) => Promise<unknown>, onError: (err: Error) => void, clock: () => number = Date.now): () => void {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let stopped = false;
  const arm = () => {
    if (stopped) return;
    const at = nextRun(expression, clock());
    // Timers take at most 2^31-1 ms: a far run re-arms on the way.
    const wait = Math.min(Math.max(0, at - clock()), 2 ** 31 - 1);
    timer = setTimeout(() => {
      if (clock() + 5 < at) return arm();
      if (!running) {
        running = true;
        job(new Date(at).toISOString())
          .catch((err: Error) => onError(err))
          .finally(() => {
            running = false;
          });
      }
      arm();
    }, wait);
    timer.unref();
  };
  arm();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}
