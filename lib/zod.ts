/**
 * zod/mini with English error messages. zod/mini keeps Lambda bundles small;
 * unlike `zod`, it loads no locale by itself, and its bare messages
 * ("Invalid input") would make config errors and quarantine reasons vague.
 * Import z from here, not from 'zod/mini'.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());

export { z };
