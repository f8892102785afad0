/**
 * A config record keyed by names (computed traits, segments): every key must
 * match `pattern`, and a bad name is reported even when a definition has
 * problems too.
 */
import * as z from 'zod/mini';
import './zod-locale';

const isObject = (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value);

export function namedRecord<T extends z.core.SomeType>(value: T, pattern: RegExp, describe: (name: string) => string) {
  return z.record(z.string(), value).check(
    z.superRefine((defs, ctx) => {
      for (const name of Object.keys(defs)) {
        if (!pattern.test(name)) ctx.addIssue({ code: 'custom', message: describe(name), path: [name], input: name });
      }
    }, { when: isObject }),
  );
}
