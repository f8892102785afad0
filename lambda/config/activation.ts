/**
 * The activation pillar's config section: recommendations (Amazon Personalize
 * deployed, the built-in co-occurrence recommender otherwise), propensity
 * scores, campaigns and the rules every send passes (suppression, consent,
 * holdouts, frequency caps, quiet hours), the channels' delivery settings,
 * and audience exports.
 *
 * Cross-field rules (segments, consent purposes, identifier types that a
 * campaign or an export names) run on the whole config (activationCrossIssues,
 * called from index.ts); templates are parsed and their variables checked
 * here, at load, so a template that cannot render fails `cdk synth` and
 * `npm start` before any send.
 */
import * as z from 'zod/mini';
import './zod-locale';
import { int, section, withDefault } from './builders';
import { namedRecord } from './named-record';
import { templateProblems } from './activation-templates';

export const CHANNELS = ['email', 'sms', 'push'] as const;
export type Channel = (typeof CHANNELS)[number];
const channel = z.enum(CHANNELS);

/** The propensity models c360 trains. */
export const SCORE_MODELS = ['churn', 'repurchase'] as const;
export type ScoreModel = (typeof SCORE_MODELS)[number];

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const CLOCK = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const nonEmpty = z.string().check(z.minLength(1));

/** True when `tz` is an IANA time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
const timeZone = z.string().check(z.refine(isTimeZone, 'an IANA time zone such as Europe/Paris or America/New_York'));

/** A schedule as EventBridge Scheduler reads it: `rate(1 day)`, `rate(6 hours)` or `cron(0 9 ? * MON *)`. */
export const SCHEDULE = /^(rate\(([1-9][0-9]{0,4}) (minute|minutes|hour|hours|day|days)\)|cron\(\S+( \S+){5}\))$/;
const schedule = z.string().check(z.regex(SCHEDULE, 'a schedule such as "rate(1 day)", "rate(6 hours)" or "cron(0 9 ? * MON *)"'));

// ---------------------------------------------------------------------------
// Recommendations

const personalizeEventMapping = z.strictObject({
  /** The Personalize EVENT_TYPE this event records (View, AddToCart, Purchase, ...). */
  type: z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'an event type such as View, AddToCart or Purchase')),
  /** A numeric product or event property sent as EVENT_VALUE (e.g. price). */
  value: z.optional(nonEmpty),
});

const itemAttribute = z.enum(['categorical', 'numeric']);

export const recommendationsSection = section({
  /**
   * Track event name → the Personalize event type it records. One interaction
   * per item: the event's own `product_id` (or `sku`), or each entry of its
   * `products` list.
   */
  events: withDefault(z.record(nonEmpty, personalizeEventMapping), {
    'Product Viewed': { type: 'View' },
    'Product Added': { type: 'AddToCart' },
    'Order Completed': { type: 'Purchase', value: 'price' },
  }),
  /** Properties naming an item, first present wins (on the event, or on each entry of `products`). */
  itemIdProperties: withDefault(z.array(nonEmpty).check(z.minLength(1)), ['product_id', 'sku']),
  /** Recommendations returned when a request does not say (`?n=`), and the most it may ask for. */
  defaultCount: withDefault(int(1, 100), 10),
  maxCount: withDefault(int(1, 500), 100),
  /** Item catalog attributes (the CSV/JSONL columns under `landing/items/`) and their Personalize type; items carry no personal data. */
  itemAttributes: withDefault(z.record(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'an attribute name such as category')), itemAttribute), {
    category: 'categorical',
    brand: 'categorical',
    price: 'numeric',
  }),
  /**
   * Computed traits sent as Personalize user attributes. Only traits the
   * governance classification marks `none` may be listed (checked at load):
   * USER_ID is the c360 profile id, never an email. None by default (no users
   * dataset); c360.config.ts sends preferredChannel.
   */
  userAttributes: withDefault(z.array(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a computed trait name'))), []),
  /** The built-in recommender: item-to-item co-occurrence with a popularity fallback. */
  builtIn: section({
    /** Interactions older than this do not count. */
    lookbackDays: withDefault(int(1, 3650), 365),
    /** Most recent interactions kept per profile. */
    maxPerProfile: withDefault(int(10, 1000), 200),
    /** Neighbours kept per item in the model. */
    neighbours: withDefault(int(5, 200), 50),
    /** How often the model is rebuilt from the interactions, in minutes (deployed: a schedule; locally: while the runtime runs). */
    rebuildEveryMinutes: withDefault(int(1, 10080), 60),
  }),
  personalize: section({
    /** Provision Amazon Personalize (dataset group, datasets, event tracker, filters, the training workflow). */
    enabled: withDefault(z.boolean(), true),
    /** Recipe of the user-personalization solution. */
    recipe: withDefault(nonEmpty, 'arn:aws:personalize:::recipe/aws-user-personalization-v2'),
    /** Recipe of the similar-items solution (`GET /items/{id}/similar`). */
    similarItemsRecipe: withDefault(nonEmpty, 'arn:aws:personalize:::recipe/aws-similar-items'),
    /** The training workflow runs on this schedule (and on demand). */
    trainSchedule: withDefault(schedule, 'rate(7 days)'),
    /** Personalize's minimum to train: interactions in all, and users with at least two. */
    minInteractions: withDefault(int(1000, Number.MAX_SAFE_INTEGER), 1000),
    minUsersWithTwoInteractions: withDefault(int(25, Number.MAX_SAFE_INTEGER), 25),
    /** Provisioned transactions per second of each campaign (billed while the campaign exists). */
    minProvisionedTps: withDefault(int(1, 500), 1),
  }),
});

// ---------------------------------------------------------------------------
// Propensity scores

export const propensitySection = section({
  /** Train and score churn and repurchase propensities. */
  enabled: withDefault(z.boolean(), true),
  /** The order event whose absence (churn) or presence (repurchase) the models predict. */
  orderEvent: withDefault(nonEmpty, 'Order Completed'),
  /** Horizons: churn = no order in the next N days; repurchase = an order within N days. */
  churnHorizonDays: withDefault(int(7, 365), 60),
  repurchaseHorizonDays: withDefault(int(7, 365), 30),
  /** Training and scoring run on this schedule (deployed; locally on `c360 scores train` and at start). */
  schedule: withDefault(schedule, 'rate(1 day)'),
  /** Fewer labelled profiles than this in either window: the job trains nothing and says so. */
  minimumProfiles: withDefault(int(20, 10_000_000), 100),
  /** Features named per score as its top contributors. */
  topFeatures: withDefault(int(1, 10), 3),
  /** A candidate model deploys only if its hold-out ROC-AUC beats the recency-only baseline by at least this. */
  minimumAucGain: withDefault(z.number().check(z.minimum(0), z.maximum(0.5)), 0.01),
});

// ---------------------------------------------------------------------------
// Campaigns

const trigger = z.union([
  z.strictObject({ segmentEntered: z.string().check(z.regex(NAME, 'a segment name')) }),
  z.strictObject({ segmentExited: z.string().check(z.regex(NAME, 'a segment name')) }),
  z.strictObject({ event: nonEmpty }),
  z.strictObject({ schedule, segment: z.string().check(z.regex(NAME, 'a segment name')) }),
]);
export type CampaignTrigger = z.output<typeof trigger>;

const template = z.strictObject({
  /** Email: the subject line (Liquid). */
  subject: z.optional(nonEmpty),
  /** Email: the HTML body (Liquid; output escaped for HTML). */
  html: z.optional(nonEmpty),
  /** Email: the plain-text body; SMS: the message; push: the notification body (Liquid). */
  text: z.optional(nonEmpty),
  /** Push: the notification title (Liquid). */
  title: z.optional(nonEmpty),
  /** Push: the URL opened on tap (Liquid). */
  url: z.optional(nonEmpty),
});
export type CampaignTemplate = z.output<typeof template>;

/** The template parts each channel needs and those it takes. */
export const TEMPLATE_PARTS: Readonly<Record<Channel, { readonly required: readonly (keyof CampaignTemplate)[]; readonly allowed: readonly (keyof CampaignTemplate)[] }>> = {
  email: { required: ['subject', 'html'], allowed: ['subject', 'html', 'text'] },
  sms: { required: ['text'], allowed: ['text'] },
  push: { required: ['title', 'text'], allowed: ['title', 'text', 'url'] },
};

export const campaignSchema = z
  .strictObject({
    description: z.optional(z.string()),
    /** Off: never sends; kept in config and reported as disabled. */
    enabled: withDefault(z.boolean(), true),
    trigger,
    channel,
    template,
    /**
     * The consent purpose a send needs (granted). Default: the purposes
     * governance.consent.uses gives the channel; a transactional message
     * needs none unless one is named here.
     */
    purpose: z.optional(z.string().check(z.regex(/^[a-z][a-z0-9_]{0,63}$/, 'a consent purpose such as marketing_email'))),
    /** Transactional (a receipt, a password reset): bypasses holdouts, caps and quiet hours; never needs marketing consent. */
    transactional: withDefault(z.boolean(), false),
    /** Per-campaign holdout: this percentage of profiles never get it (recorded as held out), on top of the global control group. */
    holdoutPercent: withDefault(z.number().check(z.minimum(0), z.maximum(50)), 0),
  })
  .check(
    z.superRefine((c, ctx) => {
      const parts = TEMPLATE_PARTS[c.channel];
      const given = Object.keys(c.template) as (keyof CampaignTemplate)[];
      for (const p of parts.required) {
        if (c.template[p] === undefined) ctx.addIssue({ code: 'custom', path: ['template', p], input: c.template, message: `a ${c.channel} template needs ${p}` });
      }
      for (const p of given) {
        if (!parts.allowed.includes(p)) ctx.addIssue({ code: 'custom', path: ['template', p], input: c.template, message: `a ${c.channel} template takes ${parts.allowed.join(', ')}; not ${p}` });
      }
      for (const p of given) {
        const source = c.template[p];
        if (source === undefined) continue;
        for (const problem of templateProblems(source)) ctx.addIssue({ code: 'custom', path: ['template', p], input: source, message: problem });
      }
    }),
  );
export type CampaignDefinition = z.output<typeof campaignSchema>;

const cap = z.strictObject({
  /** At most this many marketing messages on the channel... */
  count: int(0, 1000),
  /** ...per this many days, counted in the customer's time zone (today and the days before it). */
  days: int(1, 90),
});

export const messagingSection = section({
  /** Global control group: this percentage of profiles gets no marketing message at all (by a hash of the profile id). */
  globalControlPercent: withDefault(z.number().check(z.minimum(0), z.maximum(50)), 5),
  /** Marketing messages per profile and channel. */
  caps: withDefault(z.partialRecord(channel, cap), { email: { count: 2, days: 7 }, sms: { count: 1, days: 7 }, push: { count: 3, days: 7 } }),
  /** No marketing message in this window of the customer's local time; a send falling in it is deferred to its end. */
  quietHours: withDefault(
    z.strictObject({
      start: z.string().check(z.regex(CLOCK, 'a time of day such as 21:00')),
      end: z.string().check(z.regex(CLOCK, 'a time of day such as 08:00')),
      channels: z.array(channel),
    }),
    { start: '21:00', end: '08:00', channels: ['sms', 'push'] },
  ),
  /** The time zone of a customer whose profile has none (trait `timeZoneTrait`). */
  defaultTimeZone: withDefault(timeZone, 'UTC'),
  /** The trait holding a customer's IANA time zone. */
  timeZoneTrait: withDefault(nonEmpty, 'timezone'),
  /** Days a message record (idempotency key, cap counts, rule outcomes) is kept. */
  retentionDays: withDefault(int(7, 3650), 400),
  email: section({
    /** The SES-verified sender. */
    fromAddress: withDefault(z.string().check(z.regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'an email address')), 'news@example.com'),
    replyTo: z.optional(z.string().check(z.regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'an email address'))),
  }),
  sms: section({
    /** The phone number, sender id or pool ARN that sends (End User Messaging SMS); without one, AWS picks. */
    originationIdentity: z.optional(nonEmpty),
    /** Marketing messages are PROMOTIONAL; transactional campaigns are sent as TRANSACTIONAL. */
    messageType: withDefault(z.enum(['PROMOTIONAL', 'TRANSACTIONAL']), 'PROMOTIONAL'),
  }),
  push: section({
    /**
     * The Pinpoint project (application) id whose push channels hold the
     * platform credentials; the project is the account's own: c360 creates no
     * Pinpoint resource. Without it, push is not deployed (locally the outbox).
     */
    applicationId: z.optional(z.string().check(z.regex(/^[0-9a-f]{32}$/, 'a Pinpoint application id (32 hex digits)'))),
    /** The identifier type holding device tokens (events carry them as `context.device.token`). */
    tokenIdentifier: withDefault(nonEmpty, 'deviceToken'),
    /** The push service the tokens belong to. */
    service: withDefault(z.enum(['GCM', 'APNS', 'APNS_SANDBOX']), 'GCM'),
  }),
});

// ---------------------------------------------------------------------------
// Audience exports

export const AUDIENCE_FORMATS = ['meta', 'google'] as const;
const audienceExport = z.strictObject({
  description: z.optional(z.string()),
  segment: z.string().check(z.regex(NAME, 'a segment name')),
  /** Ad platforms' customer-list formats to write. */
  formats: withDefault(z.array(z.enum(AUDIENCE_FORMATS)).check(z.minLength(1)), ['meta', 'google']),
  /** Written on this schedule... */
  schedule: withDefault(schedule, 'rate(1 day)'),
  /** ...and again when the segment's membership changes (debounced to one export per this many minutes; 0: not on change). */
  onChangeMinutes: withDefault(int(0, 1440), 15),
});
export type AudienceExportDefinition = z.output<typeof audienceExport>;

// ---------------------------------------------------------------------------

export const EXAMPLE_CAMPAIGNS = {
  winBack: {
    description: 'Win back customers who stopped ordering',
    trigger: { segmentEntered: 'lapsedCustomers' },
    channel: 'email',
    template: {
      subject: 'We miss you, {{ profile.traits.firstName | default: "there" }}',
      html: '<p>Hi {{ profile.traits.firstName | default: "there" }},</p><p>It has been {{ profile.computed.daysSinceLastOrder | default: "a while" }} days since your last order.</p>{% if recommendations.size > 0 %}<p>Picked for you:</p><ul>{% for item in recommendations %}<li>{{ item.itemId }}</li>{% endfor %}</ul>{% endif %}<p><a href="{{ unsubscribeUrl }}">Unsubscribe</a></p>',
      text: 'Hi {{ profile.traits.firstName | default: "there" }}, we miss you. Unsubscribe: {{ unsubscribeUrl }}',
    },
  },
  vipWelcome: {
    description: 'Thank customers who became high value',
    trigger: { segmentEntered: 'highValue' },
    channel: 'sms',
    template: { text: 'Thanks for being one of our best customers, {{ profile.traits.firstName | default: "friend" }}! Reply STOP to opt out.' },
  },
  orderReceipt: {
    description: 'Order confirmation (transactional)',
    trigger: { event: 'Order Completed' },
    channel: 'email',
    transactional: true,
    template: {
      subject: 'Your order {{ event.properties.orderId | default: event.properties.order_id | default: "" }}',
      html: '<p>Thank you for your order of {{ event.properties.total | default: event.properties.revenue | default: "" }}.</p>',
    },
  },
  cartReminder: {
    description: 'Nudge on an abandoned cart',
    trigger: { event: 'Product Added' },
    channel: 'push',
    holdoutPercent: 10,
    template: { title: 'Still thinking about it?', text: '{{ event.properties.name | default: "Your item" }} is waiting in your cart.' },
  },
  weeklyPicks: {
    description: 'Weekly picks for recent buyers',
    trigger: { schedule: 'cron(0 9 ? * MON *)', segment: 'recentBuyers' },
    channel: 'email',
    template: {
      subject: 'Your picks this week',
      html: '<p>Hi {{ profile.traits.firstName | default: "there" }}, this week for you:</p><ul>{% for item in recommendations %}<li>{{ item.itemId }}</li>{% endfor %}</ul><p><a href="{{ unsubscribeUrl }}">Unsubscribe</a></p>',
    },
  },
} as const satisfies Record<string, z.input<typeof campaignSchema>>;

/** An audience export over EXAMPLE_SEGMENTS' highValue. */
export const EXAMPLE_AUDIENCE_EXPORTS = {
  highValue: { description: 'High-value customers for lookalike and suppression audiences', segment: 'highValue', formats: ['meta', 'google'], schedule: 'rate(1 day)', onChangeMinutes: 15 },
} as const satisfies Record<string, z.input<typeof audienceExport>>;

export const activationSection = section({
  recommendations: recommendationsSection,
  propensity: propensitySection,
  /** Campaigns by name (c360.config.ts ships EXAMPLE_CAMPAIGNS); none unless the config names them. */
  campaigns: withDefault(
    namedRecord(campaignSchema, NAME, (name) => `campaign names start with a letter and hold only letters, digits, _ and -; got ${JSON.stringify(name)}`),
    {},
  ),
  messaging: messagingSection,
  /** Audience exports by name (c360.config.ts ships EXAMPLE_AUDIENCE_EXPORTS); none unless the config names them. */
  audienceExports: withDefault(
    namedRecord(audienceExport, NAME, (name) => `audience export names start with a letter and hold only letters, digits, _ and -; got ${JSON.stringify(name)}`),
    {},
  ),
});
export type ActivationConfig = z.output<typeof activationSection>;
