/**
 * Redaction of personal data from log lines, pure: values under the keys
 * the classification marks direct (`email`, `phone`, `firstName`, ...), and
 * any email- or phone-shaped text anywhere (messages, error messages, stack
 * traces of errors whose message quotes a value), replaced by
 * `[redacted:<what>]`. The Lambda entries' Logger (shared/powertools.ts)
 * applies it to every line; the direct keys come from the config's
 * classification, passed in (shared/ sits below the governance pillar).
 */

/** What stands for a redacted value: `[redacted:email]`, `[redacted:phone]`, `[redacted:firstName]`. */
export const redacted = (what: string): string => `[redacted:${what}]`;

/** An email address: local part, `@`, a domain with a dot. */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/**
 * A phone number: 10 to 15 digits (E.164's longest), with an optional `+`
 * or opening bracket and up to two of space . - ( ) between digits; not part
 * of a longer run of digits or of a word, so Kinesis sequence numbers, epoch
 * milliseconds inside ids and ISO-8601 dates are left alone.
 */
const PHONE = /(?<![\w+(])[+(]?\d(?:[\s.()-]{0,2}\d){9,14}(?![\w])/g;

/** A UUID (request ids, anonymous ids, profile ids): its digit groups are not a phone number. */
const UUID = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i;

/** `text` with every email- and phone-shaped part redacted (UUIDs kept whole). */
export function redactText(text: string): string {
  if (text.length < 10) return text;
  // split() with a capturing group keeps the UUIDs at the odd positions.
  return text
    .split(UUID)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(EMAIL, redacted('email')).replace(PHONE, redacted('phone'))))
    .join('');
}

/** A key as it is compared: lower case, without `_` and `-` (`first_name`, `firstName` and `FIRSTNAME` are one key). */
const keyForm = (key: string) => key.toLowerCase().replace(/[_-]/g, '');

/** A set of keys whose values are redacted wherever they appear, compared in keyForm. */
export interface RedactedKeys {
  has(key: string): boolean;
}

/**
 * The keys whose values are personal data on their own: the last segment of
 * every direct field key of the classification (`traits.email` → `email`,
 * `context.ip` → `ip`, `context.traits` → `traits`).
 */
export function directKeys(fields: Readonly<Record<string, { readonly class: string }>>): RedactedKeys {
  const keys = new Set<string>();
  for (const [key, c] of Object.entries(fields)) if (c.class === 'direct') keys.add(keyForm(key.slice(key.lastIndexOf('.') + 1)));
  return { has: (key) => keys.has(keyForm(key)) };
}

/**
 * A copy of `value` with every value under a redacted key replaced and every
 * string redactText'ed; arrays and plain objects are walked (cycles end as
 * `[circular]`). Errors are kept as they are: the Logger formats them, and
 * its formatter redacts them (redactErrorAttributes).
 */
export function redactValue(value: unknown, keys: RedactedKeys, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || value instanceof Error || value instanceof Date) return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, keys, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = keys.has(k) && v !== null && v !== undefined ? redacted(k) : redactValue(v, keys, seen);
  return out;
}

/** The parts of a formatted error that are its own (not attributes someone set on it): redacted as text only, never by key. */
const ERROR_PARTS = new Set(['name', 'location', 'message', 'stack', 'cause']);

/** A formatted error (name, location, message, stack, cause, and its own attributes) redacted: its text by shape, its attributes by key too. */
export function redactErrorAttributes(formatted: Readonly<Record<string, unknown>>, keys: RedactedKeys): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(formatted)) {
    if (ERROR_PARTS.has(k)) out[k] = typeof v === 'string' ? redactText(v) : Array.isArray(v) ? v.map((line) => (typeof line === 'string' ? redactText(line) : line)) : v;
    else out[k] = keys.has(k) && v !== null && v !== undefined ? redacted(k) : redactValue(v, keys);
  }
  return out;
}

/**
 * Redacts an error's message and stack in place (and its causes'), so that
 * what the Lambda runtime prints of an error a handler throws is redacted
 * too; returns it.
 */
export function redactError<T>(err: T): T {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    try {
      e.message = redactText(e.message);
      if (typeof e.stack === 'string') e.stack = redactText(e.stack);
    } catch {
      // A frozen error keeps its text; the Logger's own lines are redacted regardless.
    }
  }
  return err;
}
