/**
 * The matching section of the config: one rule set configures both batch
 * matching engines, AWS Entity Resolution when deployed and the built-in
 * matcher (lambda/unification/core/matching/) locally and in tests.
 *
 * - `rules` are deterministic: a pair of records matches when every condition
 *   of any one rule holds. Conditions use AWS Entity Resolution's matching
 *   functions: `exact` (a Simple rule's matching key, or `Exact(key)`), and the
 *   fuzzy `levenshtein` (`Levenshtein(key, maxDistance)`), `cosine`
 *   (`Cosine(key, similarity 0-100)`) and `soundex` (`Soundex(key)`) of the
 *   Advanced rule type. Missing values never match.
 * - `probabilistic` is the built-in Fellegi–Sunter scorer (weights learnt by EM).
 *   Entity Resolution's counterpart is its ML-based matching; the rules above
 *   are what the two engines share exactly.
 * - `categorical` declares free attributes (occupation, nationality, ...) the
 *   built-in scorer weighs as evidence, their weights learnt like the others'.
 * - `blocking` chooses which record pairs the built-in matcher compares.
 */
// zod/mini: this module is part of the c360 config, which is bundled into every Lambda.
import * as z from 'zod/mini';
import '../zod-locale';
import { isPersonField, PERSON_FIELDS, type PersonField } from './person-fields';

export const personFieldSchema = z.enum(PERSON_FIELDS, {
  error: (issue) => `unknown person field ${JSON.stringify(issue.input)}; expected one of ${PERSON_FIELDS.join(', ')}`,
});

export const RULE_COMPARATORS = ['exact', 'levenshtein', 'cosine', 'soundex'] as const;

const ruleName = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(255),
    z.regex(/^[A-Za-z0-9_ -]+$/, 'rule names use letters, digits, space, "_" and "-" (as Entity Resolution requires)'),
  );

const int = (min: number, max?: number) => (max === undefined ? z.int().check(z.minimum(min)) : z.int().check(z.minimum(min), z.maximum(max)));

export const ruleConditionSchema = z.strictObject({
  field: personFieldSchema,
  comparator: z._default(z.enum(RULE_COMPARATORS), 'exact'),
  /**
   * `levenshtein`: the largest edit distance that still matches (default 1).
   * `cosine`: the smallest character-bigram cosine similarity, 0-100 (default 90).
   */
  threshold: z.optional(z.number().check(z.minimum(0))),
});

export const matchRuleSchema = z.strictObject({
  name: ruleName,
  /** All must hold (AND). At most 15, as an Entity Resolution rule's matching keys. */
  conditions: z.array(ruleConditionSchema).check(z.minLength(1), z.maxLength(15)),
});

/** How a blocking key part is derived from a field's normalised value. */
export const BLOCKING_TRANSFORMS = [
  'value', // the normalised value
  'soundex', // American Soundex of a name
  'nysiis', // NYSIIS code of a name, 6 letters
  'nickname', // NYSIIS code of the canonical form of a given name (Bill → William)
  'initial', // first letter
  'prefix3', // first three characters
  'year', // birth year
  'month', // birth month
  'day', // birth day
  'monthDay', // month and day as an unordered pair, so transposed dates still meet
  'tokenSoundex', // Soundex of every word, sorted: a full name meets itself in any word order
] as const;

/** The most categorical attributes one run can weigh (each is one feature of the scorer). */
export const MAX_CATEGORICAL_ATTRIBUTES = 6;

/** A categorical attribute's name: an identifier that is not a person field. */
export const categoricalNameSchema = z
  .string()
  .check(
    z.regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'attribute names are identifiers: a letter, then letters, digits or "_" (at most 64)'),
    z.refine((name) => !isPersonField(name), { message: 'this is a person field: map it as one, not as a categorical attribute' }),
  );

const uniqueNames = z.superRefine((names: readonly string[], ctx) => {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) ctx.addIssue({ code: 'custom', message: `duplicate attribute "${n}"`, input: names });
    seen.add(n);
  }
});

export const blockingKeyPartSchema = z.strictObject({
  field: personFieldSchema,
  transform: z._default(z.enum(BLOCKING_TRANSFORMS), 'value'),
});

export const blockingPassSchema = z.strictObject({
  name: ruleName,
  /** Records whose key parts are all present and equal share a block. */
  keys: z.array(blockingKeyPartSchema).check(z.minLength(1)),
  /** Sort the key parts before joining them, so swapped fields (first/last name) still meet. */
  unordered: z._default(z.boolean(), false),
});

export const sortedNeighbourhoodSchema = z.strictObject({
  name: ruleName,
  /** Sort key: the parts joined in order; records without any part are skipped. */
  keys: z.array(blockingKeyPartSchema).check(z.minLength(1)),
  /** Each record is compared with the next `window - 1` records in sort order. */
  window: z._default(int(2, 100), 5),
});

const ALL_SCORED_FIELDS: PersonField[] = [...PERSON_FIELDS];

/** Rule names are unique: Entity Resolution names its output's MatchRule after them. */
const uniqueRuleNames = z.superRefine((rules: ReadonlyArray<{ name: string }>, ctx) => {
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.name)) ctx.addIssue({ code: 'custom', message: `duplicate rule name "${r.name}"`, input: rules });
    seen.add(r.name);
  }
});

export const matchingRulesSchema = z.strictObject({
  rules: z.prefault(z.array(matchRuleSchema).check(uniqueRuleNames), [
    { name: 'nationalId-dateOfBirth', conditions: [{ field: 'nationalId', comparator: 'exact' }, { field: 'dateOfBirth', comparator: 'exact' }] },
    {
      name: 'email-name',
      conditions: [
        { field: 'email', comparator: 'exact' },
        { field: 'firstName', comparator: 'exact' },
        { field: 'lastName', comparator: 'exact' },
      ],
    },
    {
      name: 'name-dateOfBirth',
      conditions: [
        { field: 'firstName', comparator: 'exact' },
        { field: 'lastName', comparator: 'exact' },
        { field: 'dateOfBirth', comparator: 'exact' },
      ],
    },
  ]),
  probabilistic: z.prefault(
    z.strictObject({
      enabled: z._default(z.boolean(), true),
      /** Match when the posterior match probability of a pair reaches this. */
      threshold: z._default(z.number().check(z.gt(0), z.lt(1)), 0.5),
      /** Fields the scorer compares; address and locality fields are scored as two groups. */
      fields: z._default(z.array(personFieldSchema).check(z.minLength(1)), ALL_SCORED_FIELDS),
      /** Weight exact agreement on rare values up and on common ones down (names, dates, ids). */
      termFrequency: z._default(z.boolean(), true),
      /** Expectation–maximisation iterations for the m probabilities. */
      emIterations: z._default(int(0, 1000), 60),
    }),
    {},
  ),
  clustering: z.prefault(
    z.strictObject({
      /**
       * `coherent` merges clusters in order of score only while every pair in the
       * merged cluster stays plausible; `connected` takes connected components.
       */
      method: z._default(z.enum(['coherent', 'connected']), 'coherent'),
      /** A merge is refused if any cross pair's match probability falls below this. */
      minPairProbability: z._default(z.number().check(z.minimum(0), z.lt(1)), 1e-4),
      /** ...or if the cross pairs' mean log-odds falls below that of this probability (default: the threshold). */
      minAverageProbability: z.optional(z.number().check(z.gt(0), z.lt(1))),
    }),
    {},
  ),
  blocking: z.prefault(
    z.strictObject({
      passes: z.prefault(z.array(blockingPassSchema), [
        { name: 'nationalId', keys: [{ field: 'nationalId', transform: 'value' }] },
        { name: 'email', keys: [{ field: 'email', transform: 'value' }] },
        { name: 'phone', keys: [{ field: 'phone', transform: 'value' }] },
        { name: 'dob', keys: [{ field: 'birthYear', transform: 'year' }, { field: 'dateOfBirth', transform: 'monthDay' }] },
        {
          name: 'names-phonetic',
          keys: [{ field: 'firstName', transform: 'nickname' }, { field: 'lastName', transform: 'nysiis' }],
          unordered: true,
        },
        { name: 'lastName-year', keys: [{ field: 'lastName', transform: 'nysiis' }, { field: 'birthYear', transform: 'year' }] },
        { name: 'firstName-monthDay', keys: [{ field: 'firstName', transform: 'soundex' }, { field: 'dateOfBirth', transform: 'monthDay' }] },
        { name: 'lastName-monthDay', keys: [{ field: 'lastName', transform: 'soundex' }, { field: 'dateOfBirth', transform: 'monthDay' }] },
        { name: 'postcode-lastName', keys: [{ field: 'postcode', transform: 'value' }, { field: 'lastName', transform: 'initial' }] },
        { name: 'postcode-firstName', keys: [{ field: 'postcode', transform: 'value' }, { field: 'firstName', transform: 'initial' }] },
        { name: 'street', keys: [{ field: 'streetNumber', transform: 'value' }, { field: 'address1', transform: 'prefix3' }] },
        // few-field data (a full name, a date of birth, a place)
        { name: 'fullName-tokens', keys: [{ field: 'fullName', transform: 'tokenSoundex' }] },
        { name: 'birthplace-lastName', keys: [{ field: 'birthplace', transform: 'value' }, { field: 'lastName', transform: 'initial' }] },
        { name: 'birthplace-firstName', keys: [{ field: 'birthplace', transform: 'value' }, { field: 'firstName', transform: 'initial' }] },
      ]),
      sortedNeighbourhood: z.prefault(z.array(sortedNeighbourhoodSchema), [
        { name: 'sorted-lastName', keys: [{ field: 'lastName', transform: 'value' }, { field: 'firstName', transform: 'value' }], window: 4 },
        { name: 'sorted-firstName', keys: [{ field: 'firstName', transform: 'value' }, { field: 'lastName', transform: 'value' }], window: 4 },
      ]),
      /**
       * Blocks larger than this (a common name, a placeholder value) are not
       * compared all-pairs: their records are sorted by name and date of birth
       * and each is compared with its `oversizedWindow - 1` neighbours only.
       */
      maxBlockSize: z._default(int(2), 60),
      oversizedWindow: z._default(int(2, 100), 8),
      /**
       * A deterministic rule's exact key shared by more records than this is
       * taken for a placeholder (a shared family email, a dummy id) and ignored.
       */
      maxRuleGroupSize: z._default(int(2), 200),
    }),
    {},
  ),
  /**
   * Free categorical attributes (occupation, nationality, blood group, ...),
   * read from a record's `attributes` by these names. Each is compared for
   * agreement (missing on either side is neutral), with m and u learnt from the
   * data like the person fields', and agreement on a rare value weighted up.
   */
  categorical: z._default(z.array(categoricalNameSchema).check(z.maxLength(MAX_CATEGORICAL_ATTRIBUTES), uniqueNames), []),
  normalization: z.prefault(z.strictObject({ dateOrder: z._default(z.enum(['DMY', 'MDY']), 'MDY') }), {}),
});

export type MatchingRulesInput = z.input<typeof matchingRulesSchema>;
export type MatchingRules = z.output<typeof matchingRulesSchema>;
export type MatchRule = z.output<typeof matchRuleSchema>;
export type RuleCondition = z.output<typeof ruleConditionSchema>;
export type BlockingKeyPart = z.output<typeof blockingKeyPartSchema>;

/** The rule set with every default filled in. */
export const DEFAULT_MATCHING_RULES: MatchingRules = matchingRulesSchema.parse({});

/** Validates matching rules, throwing one readable error listing every problem. */
export function parseMatchingRules(input: unknown): MatchingRules {
  const result = matchingRulesSchema.safeParse(input ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new Error(`Invalid matching rules:\n${problems}`);
  }
  return result.data;
}

/**
 * A rule as an Entity Resolution Advanced-rule condition, e.g.
 * `Exact(nationalId) AND Levenshtein(lastName, 1)`. A rule of only exact
 * conditions is also a Simple rule whose matching keys are its fields.
 */
export function toEntityResolutionCondition(rule: MatchRule): string {
  return rule.conditions
    .map((c) => {
      switch (c.comparator) {
        case 'exact':
          return `Exact(${c.field})`;
        case 'levenshtein':
          return `Levenshtein(${c.field}, ${c.threshold ?? 1})`;
        case 'cosine':
          return `Cosine(${c.field}, ${c.threshold ?? 90})`;
        case 'soundex':
          return `Soundex(${c.field})`;
      }
    })
    .join(' AND ');
}
