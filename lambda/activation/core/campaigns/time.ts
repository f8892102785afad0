/**
 * A customer's local calendar and clock, for frequency caps (counted by
 * local day) and quiet hours (a window of local time), with Intl's time zone
 * data only: the instant of a local wall time is found from the zone's
 * offsets around it, so a window ending on a DST date ends at the right UTC
 * instant.
 */
export interface LocalParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** One formatter per zone: building one costs far more than formatting with it. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when this runtime knows the IANA zone (the formatter is kept for later use). */
export function knownZone(timeZone: string): boolean {
  if (formatters.has(timeZone)) return true;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of instant `ms` in `timeZone`, as Intl gives them. */
function intlParts(ms: number, timeZone: string): LocalParts {
  const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of formatter(timeZone).formatToParts(ms)) {
    if (p.type === 'year' || p.type === 'month' || p.type === 'day' || p.type === 'hour' || p.type === 'minute' || p.type === 'second') {
      out[p.type] = Number(p.value);
    }
  }
  return out;
}

/**
 * Offsets by zone and quarter hour: every zone's offset changes only at a
 * whole quarter hour of UTC, so one Intl lookup serves the quarter (Intl's
 * formatting is the cost of every rule that reads the local time).
 */
const QUARTER_MS = 15 * MINUTE_MS;
const offsets = new Map<string, number>();
const MAX_OFFSETS = 50_000;

/** The zone's offset from UTC at instant `ms`, in ms (local = UTC + offset). */
export function zoneOffset(ms: number, timeZone: string): number {
  const quarter = Math.floor(ms / QUARTER_MS) * QUARTER_MS;
  const key = `${timeZone}|${quarter}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const p = intlParts(quarter, timeZone);
    offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - quarter;
    if (offsets.size >= MAX_OFFSETS) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

/** The wall-clock fields of instant `ms` in `timeZone`. */
export function localParts(ms: number, timeZone: string): LocalParts {
  const d = new Date(ms + zoneOffset(ms, timeZone));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const dayString = (year: number, month: number, day: number) => `${pad(year, 4)}-${pad(month)}-${pad(day)}`;

/** The customer's local date of instant `ms` (`YYYY-MM-DD`). */
export function localDay(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  return dayString(p.year, p.month, p.day);
}

/** The customer's local time of day of instant `ms`, in minutes since local midnight (0–1439). */
export function localClock(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  return p.hour * 60 + p.minute;
}

/** `HH:MM` → minutes since midnight. */
export function clockMinutes(clock: string): number {
  const [h, m] = clock.split(':');
  return Number(h) * 60 + Number(m);
}

/**
 * The UTC instant at which the wall clock in `timeZone` shows the given
 * local date and time. Ambiguous (a fall-back hour, shown twice): the first
 * of the two. Skipped (a spring-forward gap): the same wall time read in
 * the offset before the jump, i.e. as far past the gap's start as the time
 * was into it (what Temporal calls `compatible`).
 */
export function zonedInstant(year: number, month: number, day: number, minutes: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  // Transitions are months apart: the offsets 12 hours either side are the only candidates.
  const before = zoneOffset(wall - 12 * HOUR_MS, timeZone);
  const after = zoneOffset(wall + 12 * HOUR_MS, timeZone);
  const valid = [...new Set([before, after])].map((o) => wall - o).filter((t) => zoneOffset(t, timeZone) === wall - t);
  if (valid.length > 0) return Math.min(...valid);
  return wall - before;
}

/** The local date `days` after the given one (negative: before). */
function shiftDay(year: number, month: number, day: number, days: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(year, month - 1, day) + days * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The first local day of a cap window of `days` days ending today (the
 * customer's today at `nowMs`): today minus `days - 1`, as `YYYY-MM-DD`.
 */
export function capWindowStart(nowMs: number, timeZone: string, days: number): string {
  const p = localParts(nowMs, timeZone);
  const s = shiftDay(p.year, p.month, p.day, -(days - 1));
  return dayString(s.year, s.month, s.day);
}

export interface QuietWindow {
  /** `HH:MM`, local. */
  readonly start: string;
  readonly end: string;
}

/**
 * When the quiet window the customer is in at `nowMs` ends (epoch ms), or
 * undefined when the local time is outside `[start, end)`. A window whose
 * start is after its end wraps midnight (21:00–08:00); start = end is empty.
 */
export function quietHoursEnd(nowMs: number, timeZone: string, window: QuietWindow): number | undefined {
  const start = clockMinutes(window.start);
  const end = clockMinutes(window.end);
  if (start === end) return undefined;
  const p = localParts(nowMs, timeZone);
  const now = p.hour * 60 + p.minute;
  let endsOn: { year: number; month: number; day: number } | undefined;
  if (start < end) {
    if (now >= start && now < end) endsOn = p;
  } else if (now >= start) {
    endsOn = shiftDay(p.year, p.month, p.day, 1);
  } else if (now < end) {
    endsOn = p;
  }
  if (endsOn === undefined) return undefined;
  const at = zonedInstant(endsOn.year, endsOn.month, endsOn.day, end, timeZone);
  // Never in the past (a gap can move the wall time): at least the next minute.
  return Math.max(at, Math.floor(nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
}

export interface ResolvedTimeZone {
  readonly timeZone: string;
  /** Why the default is used though the profile names a zone. */
  readonly note?: string;
}

/** The customer's time zone: the trait when it names a known IANA zone, else the default (and why, when the trait is unusable). */
export function customerTimeZone(traits: Readonly<Record<string, unknown>>, trait: string, defaultTimeZone: string): ResolvedTimeZone {
  const value = traits[trait];
  if (value === undefined || value === null || value === '') return { timeZone: defaultTimeZone };
  if (typeof value === 'string' && knownZone(value)) return { timeZone: value };
  // The value itself stays out of the note: a trait may hold anything.
  return { timeZone: defaultTimeZone, note: `trait ${trait} is not an IANA time zone; using ${defaultTimeZone}` };
}
