/**
 * The contract of the profile API: zod schemas of every answer and request
 * body, and the types inferred from them. The handler maps the stored
 * profile onto these types and validates requests with these schemas, the
 * OpenAPI description (./openapi.ts) is generated from them, and the client
 * (./profile-client.ts) takes its types from here. The stored profile
 * document is a different type: changing it cannot change what apps receive
 * without a change here.
 *
 * Pure: no I/O, no config, no runtime code (apps import it through the client).
 */
import * as z from 'zod/mini';

const text = (description: string) => z.string().check(z.describe(description));
const isoTime = (description: string) => z.string().check(z.describe(`${description} (ISO-8601)`));

/** The pattern of a profile id. */
export const PROFILE_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;

export const IdentifierSchema = z.object({
  type: text('Identifier type: userId, email, phone, anonymousId or a configured type'),
  value: text('The normalised value'),
});

export const RejectedIdentifierSchema = z.object({
  type: z.string(),
  value: z.string(),
  reason: text('Why it was not linked: a blocked value, or a link that would have broken a limit'),
  messageId: text('The event that carried it'),
  at: isoTime('Event time of that event'),
});

export const MergeRecordSchema = z.object({
  at: isoTime('When the merge was made'),
  survivor: z.string(),
  merged: z.string(),
  rule: z.enum(['shared-identifier', 'resumed', 'matched', 'placeholder']).check(
    z.describe(
      'shared-identifier: identifier (held by the merged profile) and matchedWith (held by the survivor) arrived in one event; matched: the batch matcher; resumed: completes an interrupted merge; placeholder: absorbs an id that never held data',
    ),
  ),
  identifier: z.optional(IdentifierSchema),
  matchedWith: z.optional(IdentifierSchema),
  messageId: z.optional(z.string()),
  matchId: z.optional(text('The batch matcher\'s match group')),
  matchRule: z.optional(text('The matching rule that made a matched merge')),
});

export const UnmergeRecordSchema = z.object({
  at: isoTime('When the unmerge was made'),
  from: text('The profile the restored one was split out of'),
  restored: z.string(),
  merge: MergeRecordSchema,
  reason: z.optional(z.string()),
  events: z.object({ from: z.number(), restored: z.number() }).check(z.describe('Events each side kept after the replay')),
});

export const ConsentStatusSchema = z.enum(['granted', 'denied']);

export const ConsentStateSchema = z.object({
  status: ConsentStatusSchema,
  at: z.nullable(isoTime('Event time of the decision; null for a purpose never decided')),
  source: text('event, context, the name a preference event gave (api, support-desk, ...), or default for a purpose never decided'),
  policyVersion: z.nullable(z.string()),
  explicit: z.boolean().check(z.describe('An explicit choice (a preference event) rather than a consent object riding on another event')),
});

export const ConsentHistoryEntrySchema = z.object({
  purpose: z.string(),
  status: ConsentStatusSchema,
  at: isoTime('Event time of the decision'),
  source: z.string(),
  policyVersion: z.string(),
  messageId: z.string(),
  explicit: z.boolean(),
});

export const ScoreSchema = z.object({
  score: z.number().check(z.minimum(0), z.maximum(1), z.describe('Probability, 0 to 1')),
  modelVersion: z.string(),
  algorithm: z.string(),
  scoredAt: isoTime('When the model scored the profile'),
  topFeatures: z.array(z.object({ feature: z.string(), weight: z.number(), value: z.number() })),
});

export const RejectedScoreSchema = z.object({
  messageId: z.string(),
  at: isoTime('Event time of the score event'),
  reason: z.string(),
});

const requestedId = z.optional(text('Set when the id asked for was merged into this profile: the answer is its survivor'));

/** The customer view: the answer of `GET /profiles/{id}` and of every lookup. */
export const ProfileViewSchema = z.object({
  profileId: z.string(),
  requestedId,
  identifiers: z.record(z.string(), z.array(z.string())).check(z.describe('Identifier type → normalised values')),
  traits: z.record(z.string(), z.unknown()).check(z.describe('Trait values, latest by event time')),
  computed: z
    .catchall(z.object({ eventCount: z.number().check(z.describe('Events applied to the profile (a built-in counter every profile has)')) }), z.unknown())
    .check(
      z.describe(
        'Computed trait name → value: every computed trait from config evaluated at asOf (windowed ones included), and the built-in counters (eventCount, firstSeen, lastSeen, orderCount, totalRevenue) config does not redefine',
      ),
    ),
  segments: z.record(z.string(), z.string()).check(z.describe('Segment name → when the profile entered it (ISO-8601)')),
  consent: z.record(z.string(), ConsentStateSchema).check(z.describe('Purpose → current state; a configured purpose never decided in its default state')),
  scores: z.record(z.string(), ScoreSchema).check(z.describe('Model (churn, repurchase) → its latest score')),
  channels: z.record(z.string(), z.number()).check(z.describe('Events per channel (web, mobile, store, ...)')),
  merges: z.array(MergeRecordSchema).check(z.describe('Merges into this profile, oldest first')),
  unmerges: z.array(UnmergeRecordSchema).check(z.describe('Unmerges that split a profile from this one, oldest first')),
  mergedFrom: z.array(z.string()).check(z.describe('Every profile id this one absorbed, directly or through another merge')),
  separatedFrom: z.array(z.string()).check(z.describe('Profiles an unmerge separated from this one: never linked again')),
  rejectedIdentifiers: z.array(RejectedIdentifierSchema),
  rejectedScores: z.array(RejectedScoreSchema).check(z.describe('Score events that changed no score, with the reason')),
  dropped: z
    .object({ merges: z.optional(z.number()), rejectedIdentifiers: z.optional(z.number()), rejectedScores: z.optional(z.number()) })
    .check(
      z.describe(
        'How many entries each capped list no longer holds, the oldest dropped first (merges beyond 200, rejected identifiers and rejected score events beyond 100); empty while nothing was dropped',
      ),
    ),
  enriched: z.record(z.string(), z.unknown()).check(z.describe('Attributes the enrichers derived from the traits')),
  createdAt: isoTime('When the profile was created'),
  updatedAt: isoTime('When the profile was last written'),
  asOf: isoTime('The moment of the request: computed traits are evaluated at it'),
});

/** The view's top-level fields `?fields=` may name (profileId, and requestedId when set, are always in the answer). */
export const PROFILE_FIELDS = Object.keys(ProfileViewSchema.shape).filter((f) => f !== 'profileId' && f !== 'requestedId') as ProfileField[];
export type ProfileField = Exclude<keyof z.infer<typeof ProfileViewSchema>, 'profileId' | 'requestedId'>;

/**
 * `?fields=`: a comma-separated list of the view's top-level fields. An
 * unknown field is refused with a message naming it and the valid ones.
 */
export const FieldsParamSchema = z.string().check(
  z.describe(`Comma-separated top-level fields of the profile view to return (profileId is always returned): ${PROFILE_FIELDS.join(', ')}. Default: all`),
  z.superRefine((value, ctx) => {
    const names = value.split(',').map((f) => f.trim());
    for (const name of names) {
      if (!(PROFILE_FIELDS as readonly string[]).includes(name) && name !== 'profileId') {
        const shown = name === '' ? 'an empty field name' : `unknown field ${JSON.stringify(name)}`;
        ctx.addIssue({ code: 'custom', input: value, message: `${shown} in fields; the fields are ${PROFILE_FIELDS.join(', ')}` });
      }
    }
  }),
);

/** The fields a valid `fields` value names. */
export function selectedFields(value: string): ProfileField[] {
  const names = value.split(',').map((f) => f.trim());
  return PROFILE_FIELDS.filter((f) => names.includes(f));
}

/** One identifier of a profile, and what linked it. */
export const IdentifierLinkSchema = z.object({
  type: z.string(),
  value: z.string(),
  messageId: z.optional(text('The event that brought the identifier to the profile')),
  at: z.optional(isoTime('Event time of that event')),
  rule: z.enum(['first-seen', 'linked', 'unrecorded']).check(
    z.describe(
      'first-seen: the identifier started the profile, or arrived on an event that matched it by nothing else; linked: it arrived beside identifiers the profile already held (via); unrecorded: held since before explanations were kept',
    ),
  ),
  via: z.array(IdentifierSchema).check(z.describe('The identifiers through which the event matched the profile')),
});

/** `GET /profiles/{id}/identities`. */
export const IdentitiesSchema = z.object({
  profileId: z.string(),
  requestedId,
  identifiers: z.record(z.string(), z.array(z.string())),
  links: z.array(IdentifierLinkSchema).check(z.describe('Per identifier held, the event and the rule that linked it')),
  rejectedIdentifiers: z.array(RejectedIdentifierSchema),
});

/** `GET /profiles/{id}/merges`. */
export const MergeHistorySchema = z.object({
  profileId: z.string(),
  requestedId,
  mergedFrom: z.array(z.string()),
  merges: z.array(MergeRecordSchema),
  unmerges: z.array(UnmergeRecordSchema),
  separatedFrom: z.array(z.string()),
});

/** `GET /profiles/{id}/consent`. */
export const ConsentSchema = z.object({
  profileId: z.string(),
  requestedId,
  purposes: z.record(z.string(), ConsentStateSchema).check(z.describe('Every configured purpose: its latest decision, or its default state with source default')),
  history: z.array(ConsentHistoryEntrySchema).check(z.describe('The decisions the profile keeps, oldest first')),
});

const RESERVED_SOURCES = ['context', 'default'];

/**
 * The body of `PUT /profiles/{id}/consent`. With `purposes`, only those
 * purposes are accepted and the error names the one that is not.
 */
export function consentChangeSchema(purposes?: readonly string[]) {
  return z.strictObject({
    purposes: z.record(z.string(), ConsentStatusSchema).check(
      z.describe('Purpose → decision; only configured purposes are accepted'),
      z.superRefine((value, ctx) => {
        const names = Object.keys(value);
        const known = purposes === undefined ? '' : `; the purposes are ${purposes.join(', ')}`;
        if (names.length === 0) ctx.addIssue({ code: 'custom', input: value, message: `name at least one purpose${known}` });
        for (const name of names) {
          if (purposes !== undefined && !purposes.includes(name)) {
            ctx.addIssue({ code: 'custom', path: [name], input: name, message: `unknown purpose ${JSON.stringify(name)}${known}` });
          }
        }
      }),
    ),
    policyVersion: z.optional(z.string().check(z.minLength(1), z.maxLength(64), z.describe('Default: the configured policy version'))),
    source: z.optional(
      z.string().check(
        z.regex(/^[a-z][a-z0-9_-]{0,63}$/, 'a lower-case name such as support-desk'),
        z.refine((s) => !RESERVED_SOURCES.includes(s), `"context" and "default" are reserved sources`),
        z.describe('Who recorded the decision, e.g. support-desk. Default: api'),
      ),
    ),
  });
}
export const ConsentChangeSchema = consentChangeSchema();

/** A consent change accepted: its preference event is on the stream and applies within seconds. */
export const ConsentAcceptedSchema = z.object({
  profileId: z.string(),
  requestedId,
  messageId: text('messageId of the preference event that carries the decision'),
  status: z.literal('accepted'),
});

const PROFILE_ID_MESSAGE = 'restoredId must be the id of the profile to split back out';

/** The body of `POST /profiles/{id}/unmerge`. */
export const UnmergeRequestSchema = z.object({
  restoredId: z.string({ error: PROFILE_ID_MESSAGE }).check(z.regex(PROFILE_ID_PATTERN, PROFILE_ID_MESSAGE), z.describe('The merged-away profile to split back out')),
  reason: z.optional(z.string({ error: 'reason must be a string of at most 1000 characters' }).check(z.maxLength(1000, 'reason must be a string of at most 1000 characters'))),
});

/** The answer of an unmerge: the record, and both profiles as they now are. */
export const UnmergeOutcomeSchema = z.object({
  unmerge: UnmergeRecordSchema,
  survivor: ProfileViewSchema,
  restored: ProfileViewSchema,
});

/** `GET /segments`. */
export const SegmentListSchema = z.object({
  segments: z.array(z.object({ name: z.string(), description: z.optional(z.string()) })),
});

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;
const LIMIT_MESSAGE = `limit must be an integer from 1 to ${MAX_PAGE}`;

/** The query of `GET /segments/{name}/members`. */
export const SegmentMembersQuerySchema = z.object({
  limit: z.optional(
    z.coerce
      .number({ error: LIMIT_MESSAGE })
      .check(z.int(LIMIT_MESSAGE), z.minimum(1, LIMIT_MESSAGE), z.maximum(MAX_PAGE, LIMIT_MESSAGE), z.describe(`Members per page. Default: ${DEFAULT_PAGE}`)),
  ),
  cursor: z.optional(text('The next of the previous page')),
});

/** `GET /segments/{name}/members`. */
export const SegmentPageSchema = z.object({
  segment: z.string(),
  profileIds: z.array(z.string()),
  next: z.optional(text('Cursor of the next page; absent on the last')),
});

export const ERROR_CODES = ['bad_request', 'not_found', 'method_not_allowed', 'conflict', 'not_implemented', 'internal'] as const;

/** Every refused request: a code and a message saying what to change. */
export const ErrorSchema = z.object({
  error: z.enum(ERROR_CODES),
  message: z.string(),
});

export const HealthSchema = z.object({ status: z.literal('ok') });

/** The schemas OpenAPI names as components, by name. */
export const NAMED_SCHEMAS = {
  Identifier: IdentifierSchema,
  RejectedIdentifier: RejectedIdentifierSchema,
  MergeRecord: MergeRecordSchema,
  UnmergeRecord: UnmergeRecordSchema,
  ConsentState: ConsentStateSchema,
  ConsentHistoryEntry: ConsentHistoryEntrySchema,
  Score: ScoreSchema,
  RejectedScore: RejectedScoreSchema,
  Profile: ProfileViewSchema,
  IdentifierLink: IdentifierLinkSchema,
  Identities: IdentitiesSchema,
  MergeHistory: MergeHistorySchema,
  Consent: ConsentSchema,
  ConsentChange: ConsentChangeSchema,
  ConsentAccepted: ConsentAcceptedSchema,
  UnmergeRequest: UnmergeRequestSchema,
  UnmergeOutcome: UnmergeOutcomeSchema,
  SegmentList: SegmentListSchema,
  SegmentPage: SegmentPageSchema,
  Error: ErrorSchema,
  Health: HealthSchema,
} as const;

export type Identifier = z.infer<typeof IdentifierSchema>;
export type RejectedIdentifier = z.infer<typeof RejectedIdentifierSchema>;
export type MergeRecord = z.infer<typeof MergeRecordSchema>;
export type UnmergeRecord = z.infer<typeof UnmergeRecordSchema>;
export type ConsentStatus = z.infer<typeof ConsentStatusSchema>;
export type ConsentState = z.infer<typeof ConsentStateSchema>;
export type ConsentHistoryEntry = z.infer<typeof ConsentHistoryEntrySchema>;
export type Score = z.infer<typeof ScoreSchema>;
export type RejectedScore = z.infer<typeof RejectedScoreSchema>;
export type ProfileView = z.infer<typeof ProfileViewSchema>;
export type IdentifierLink = z.infer<typeof IdentifierLinkSchema>;
export type Identities = z.infer<typeof IdentitiesSchema>;
export type MergeHistory = z.infer<typeof MergeHistorySchema>;
export type Consent = z.infer<typeof ConsentSchema>;
export type ConsentChange = z.infer<typeof ConsentChangeSchema>;
export type ConsentAccepted = z.infer<typeof ConsentAcceptedSchema>;
export type UnmergeRequest = z.infer<typeof UnmergeRequestSchema>;
export type UnmergeOutcome = z.infer<typeof UnmergeOutcomeSchema>;
export type SegmentList = z.infer<typeof SegmentListSchema>;
export type SegmentPage = z.infer<typeof SegmentPageSchema>;
export type ApiError = z.infer<typeof ErrorSchema>;
