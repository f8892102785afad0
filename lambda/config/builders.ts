/** Small zod builders every config section uses: bounded integers, defaults, all-default sections. */
import * as z from 'zod/mini';

export const int = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max));

export const withDefault = <T extends z.core.SomeType>(schema: T, value: z.core.util.NoUndefined<z.core.output<T>>) =>
  z._default(schema, value);

/** An object section whose every field has a default: omitting the section takes them all. */
export const section = <T extends z.core.$ZodLooseShape>(shape: T) => z.prefault(z.strictObject(shape), {} as never);
