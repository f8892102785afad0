/**
 * English error messages for zod/mini, which loads no locale by itself (its
 * bare "Invalid input" would make config errors and quarantine reasons
 * vague). Imported for its effect by every module that validates with zod.
 * Only the English locale is bundled: import `config`, not the namespace.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
