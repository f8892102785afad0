/**
 * The governance pillar's config section: how personal data is classified
 * (one classification drives Lake Formation tags, the local column policy,
 * log redaction, hashing in exports and the erasure's reach), who may see
 * which class, consent purposes and which uses need them, data-quality
 * rules, the erasure and the audit log.
 */
import * as z from 'zod/mini';
import { int, section, withDefault } from './builders';
import { namedRecord } from './named-record';
import { qualitySection } from './governance-quality';

/** How personal a field is: `direct` identifies a person on its own, `indirect` in combination, `none` not at all. */
export const PII_CLASSES = ['direct', 'indirect', 'none'] as const;
export type PiiClass = (typeof PII_CLASSES)[number];
const piiClass = z.enum(PII_CLASSES);

/** Where a classified field lives on an event or a profile. */
export const FIELD_SCOPES = ['identifiers', 'traits', 'properties', 'context'] as const;
type FieldScope = (typeof FIELD_SCOPES)[number];

const FIELD_KEY = /^(identifiers|traits|properties|context)\.[A-Za-z0-9_$][A-Za-z0-9_.$-]{0,127}$/;

export const fieldClassification = z.strictObject({
  class: piiClass,
  /** What kind of data it is (contact, identity, location, device, demographic, behaviour, commerce, ...): the `c360:domain` LF-tag. */
  category: withDefault(z.string().check(z.regex(/^[a-z][a-z0-9_]{0,63}$/, 'a lower-case category such as contact')), 'other'),
});
export type FieldClassification = z.output<typeof fieldClassification>;

const f = (cls: PiiClass, category: string): FieldClassification => ({ class: cls, category });

/**
 * The Segment spec's personal fields (identify traits, context fields) and
 * c360's identifier types. A config adds or overrides entries by key; fields
 * not listed take `classification.unknownFields`.
 */
export const DEFAULT_FIELD_CLASSIFICATION: Readonly<Record<string, FieldClassification>> = {
  'identifiers.userId': f('direct', 'identity'),
  'identifiers.email': f('direct', 'contact'),
  'identifiers.phone': f('direct', 'contact'),
  'identifiers.anonymousId': f('indirect', 'device'),
  'identifiers.deviceToken': f('indirect', 'device'),
  'traits.email': f('direct', 'contact'),
  'traits.emailRaw': f('direct', 'contact'),
  'traits.phone': f('direct', 'contact'),
  'traits.phoneRaw': f('direct', 'contact'),
  'traits.name': f('direct', 'identity'),
  'traits.fullName': f('direct', 'identity'),
  'traits.birthplace': f('indirect', 'demographic'),
  'traits.sex': f('indirect', 'demographic'),
  'traits.firstName': f('direct', 'identity'),
  'traits.lastName': f('direct', 'identity'),
  'traits.username': f('direct', 'identity'),
  'traits.address': f('direct', 'location'),
  'traits.address.street': f('direct', 'location'),
  'traits.avatar': f('direct', 'identity'),
  'traits.birthday': f('indirect', 'demographic'),
  'traits.age': f('indirect', 'demographic'),
  'traits.gender': f('indirect', 'demographic'),
  'traits.title': f('indirect', 'demographic'),
  'traits.company': f('indirect', 'demographic'),
  'traits.city': f('indirect', 'location'),
  'traits.state': f('indirect', 'location'),
  'traits.country': f('none', 'location'),
  'traits.postcode': f('indirect', 'location'),
  'traits.postalCode': f('indirect', 'location'),
  'traits.address.city': f('indirect', 'location'),
  'traits.address.postalCode': f('indirect', 'location'),
  'traits.address.country': f('none', 'location'),
  'traits.loyaltyTier': f('none', 'behaviour'),
  'traits.plan': f('none', 'commerce'),
  'traits.createdAt': f('none', 'behaviour'),
  'traits.timezone': f('none', 'location'),
  'properties.product_id': f('none', 'commerce'),
  'properties.products': f('none', 'commerce'),
  'properties.price': f('none', 'commerce'),
  'properties.campaign': f('none', 'behaviour'),
  'context.device.token': f('indirect', 'device'),
  'properties.email': f('direct', 'contact'),
  'properties.phone': f('direct', 'contact'),
  'properties.orderId': f('none', 'commerce'),
  'properties.total': f('none', 'commerce'),
  'properties.revenue': f('none', 'commerce'),
  'properties.currency': f('none', 'commerce'),
  'properties.sku': f('none', 'commerce'),
  'properties.store': f('none', 'commerce'),
  'context.ip': f('direct', 'device'),
  'context.traits': f('direct', 'contact'),
  'context.userAgent': f('indirect', 'device'),
  'context.device.id': f('indirect', 'device'),
  'context.device.advertisingId': f('indirect', 'device'),
  'context.location': f('indirect', 'location'),
  'context.page': f('indirect', 'behaviour'),
  'context.campaign': f('none', 'behaviour'),
  'context.locale': f('none', 'demographic'),
  'context.timezone': f('none', 'location'),
};

/** A role of the column policy: which classes it sees; every other classified column is masked or absent. */
export const governanceRole = z.strictObject({
  /** Classes whose columns the role reads in clear. */
  sees: z.array(piiClass).check(z.minLength(1)),
  /** What a query returns for a column the role may not see: `omit` leaves it out, `mask` returns a fixed mask (or, for hashed columns, a keyed hash). */
  otherwise: withDefault(z.enum(['omit', 'mask']), 'mask'),
  /** IAM principals (role or user ARNs) granted this role through Lake Formation deployed. */
  principals: withDefault(z.array(z.string().check(z.regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+/, 'an IAM role or user ARN'))), []),
  /** Redshift database role of the same name gets the same masking policies. */
  description: z.optional(z.string()),
});
export type GovernanceRole = z.output<typeof governanceRole>;

export const DEFAULT_ROLES: Readonly<Record<string, z.input<typeof governanceRole>>> = {
  analyst: { sees: ['none', 'indirect'], otherwise: 'mask', description: 'analysis without direct PII: names, emails, phones, addresses and IPs masked' },
  steward: { sees: ['direct', 'indirect', 'none'], description: 'data steward: every column' },
};

export const consentPurpose = z.strictObject({
  /** What the purpose means, shown with the consent state. */
  description: z.optional(z.string()),
  /** The state when the person never decided: `denied` (opt-in) or `granted` (opt-out, where the law allows it). */
  whenMissing: withDefault(z.enum(['granted', 'denied']), 'denied'),
});

/** Uses of customer data that need consent: activation channels, recommendations, audience exports, analytics. */
export const CONSENT_USES = ['email', 'sms', 'push', 'recommendations', 'audienceExports', 'analytics'] as const;
type ConsentUse = (typeof CONSENT_USES)[number];

const PURPOSE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

export const consentSection = z.prefault(z.strictObject({
  /** Consent purposes by name; the defaults unless the config names its own. */
  purposes: withDefault(
    namedRecord(consentPurpose, PURPOSE_NAME, (name) => `purpose names are lower_snake_case; got ${JSON.stringify(name)}`),
    {
      analytics: { description: 'measure and improve the service', whenMissing: 'granted' },
      personalization: { description: 'recommendations and personalised content', whenMissing: 'denied' },
      marketing_email: { description: 'marketing email', whenMissing: 'denied' },
      marketing_sms: { description: 'marketing SMS', whenMissing: 'denied' },
      marketing_push: { description: 'marketing push notifications', whenMissing: 'denied' },
      advertising: { description: 'advertising and audience matching on ad platforms', whenMissing: 'denied' },
      data_sharing: { description: 'sharing with third parties', whenMissing: 'denied' },
    },
  ),
  /** The purposes each use requires (all of them granted). */
  uses: withDefault(z.partialRecord(z.enum(CONSENT_USES), z.array(z.string())), {
    email: ['marketing_email'],
    sms: ['marketing_sms'],
    push: ['marketing_push'],
    recommendations: ['personalization'],
    audienceExports: ['advertising'],
    analytics: ['analytics'],
  }),
  /**
   * CMP category → the purposes it decides, for Segment's consent object
   * (`context.consent.categoryPreferences`). A category named like a purpose
   * decides that purpose without an entry here.
   */
  categories: withDefault(z.record(z.string(), z.array(z.string())), {
    Analytics: ['analytics'],
    Personalization: ['personalization'],
    Functional: ['personalization'],
    Marketing: ['marketing_email', 'marketing_sms', 'marketing_push'],
    Advertising: ['advertising'],
    Targeting: ['advertising'],
    DataSharing: ['data_sharing'],
  }),
  /** The track event whose consent object records a decision (Segment's consent management sends it on every change). */
  preferenceEvent: withDefault(z.string().check(z.minLength(1)), 'Segment Consent Preference Updated'),
  /** Policy version recorded with a decision that does not carry its own. */
  policyVersion: withDefault(z.string().check(z.minLength(1), z.maxLength(64)), '1'),
}).check(
  z.superRefine((c, ctx) => {
    const known = Object.keys(c.purposes);
    const check = (purposes: readonly string[], path: (string | number)[]) => {
      purposes.forEach((purpose, i) => {
        if (!known.includes(purpose)) {
          ctx.addIssue({ code: 'custom', path: [...path, i], input: purpose, message: `unknown consent purpose ${JSON.stringify(purpose)}; the purposes are ${known.join(', ')} (governance.consent.purposes)` });
        }
      });
    };
    for (const [use, purposes] of Object.entries(c.uses)) check(purposes ?? [], ['uses', use]);
    for (const [category, purposes] of Object.entries(c.categories)) check(purposes, ['categories', category]);
  }),
), {} as never);

export const governanceSection = section({
  classification: section({
    /** Field key (`identifiers.<type>`, `traits.<name>`, `properties.<name>`, `context.<path>`) → class and category; merged over the defaults. */
    fields: withDefault(
      z.record(z.string().check(z.regex(FIELD_KEY, 'a field key such as traits.email, properties.address or context.ip')), fieldClassification),
      {},
    ),
    /** The class of a field the classification does not list. */
    unknownFields: withDefault(piiClass, 'indirect'),
  }),
  /** Roles of the column policy (Lake Formation grants deployed, `c360 sql --as ROLE` locally); merged over analyst and steward. */
  roles: withDefault(
    namedRecord(governanceRole, /^[a-z][a-z0-9_-]{0,63}$/, (name) => `role names are lower-case; got ${JSON.stringify(name)}`),
    {},
  ),
  lakeFormation: section({
    /** Let Lake Formation govern the lake database (tags, grants, IAM_ALLOWED_PRINCIPALS revoked). */
    enabled: withDefault(z.boolean(), true),
    /**
     * Principals the stack makes data lake admins (the deploying role is always one).
     * Only an existing admin can change the admin list: see the README's Lake Formation bootstrap.
     */
    admins: withDefault(z.array(z.string().check(z.regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+/, 'an IAM role or user ARN'))), []),
    /**
     * The account already has data lake admins: the stack then does not write
     * the data lake settings (which would replace the admin list) and expects
     * the bootstrap in the README to have made the deploying role an admin.
     */
    existingAdmins: withDefault(z.boolean(), false),
  }),
  consent: consentSection,
  quality: qualitySection,
  erasure: section({
    /** Days an erasure receipt is kept (it holds no raw identifier). */
    receiptRetentionDays: withDefault(int(30, 3650), 2555),
  }),
  audit: section({
    /** Days the audit log is kept in S3 (and locally). */
    retentionDays: withDefault(int(30, 3650), 2555),
    /** Also record profile reads through the API (one audit record per read). */
    profileReads: withDefault(z.boolean(), true),
  }),
});

