/**
 * This deployment's c360 configuration: read by the CDK app (`npx cdk deploy`),
 * bundled into the Lambda functions, and used by the local runtime (`npm start`).
 * Every option, its meaning and its default are in lambda/config/ (one file per pillar section).
 */
import { defineConfig } from './lambda/config';
import { EXAMPLE_AUDIENCE_EXPORTS, EXAMPLE_CAMPAIGNS } from './lambda/config/activation';

export default defineConfig({
  appName: 'c360',
  removalPolicy: 'retain',
  collection: {
    stream: { mode: 'on-demand', retentionHours: 24 },
    sources: {
      // Segment-compatible HTTP sources. The local keys only work with `npm start`;
      // deployed write keys live in Secrets Manager.
      web: { localWriteKeys: ['local-web-write-key'] },
      app: { localWriteKeys: ['local-app-write-key'] },
      // Batch exports dropped under landing/<source>/ (or `c360 import FILE --source NAME`).
      crm: {
        file: {
          type: 'identify',
          userId: 'customer_id',
          email: 'email',
          phone: 'phone',
          timestamp: 'updated_at',
          traits: { firstName: 'first_name', lastName: 'last_name', city: 'city', state: 'state', loyaltyTier: 'loyalty_tier' },
        },
      },
      pos: {
        file: {
          type: 'track',
          event: 'Order Completed',
          anonymousId: 'receipt_id',
          messageId: 'receipt_id',
          phone: 'phone',
          timestamp: 'purchased_at',
          properties: { orderId: 'receipt_id', total: 'total', store: 'store', sku: 'sku' },
          numbers: ['total'],
        },
      },
      support: {
        file: {
          type: 'track',
          event: 'Ticket Closed',
          anonymousId: 'ticket_id',
          messageId: 'ticket_id',
          email: 'email',
          timestamp: 'closed_at',
          properties: { ticketId: 'ticket_id', csat: 'csat', topic: 'topic' },
          numbers: ['csat'],
        },
      },
      // A consent management platform's export: one row per decision, explicit consent by purpose or CMP category.
      consent: {
        file: {
          type: 'track',
          event: 'Segment Consent Preference Updated',
          userId: 'customer_id',
          email: 'email',
          messageId: 'decision_id',
          timestamp: 'decided_at',
          consent: { marketing_email: 'email_opt_in', marketing_sms: 'sms_opt_in', Advertising: 'ads', Analytics: 'analytics' },
          consentPolicyVersion: 'policy_version',
        },
      },
    },
  },
  unification: {
    identity: { identifiers: ['userId', 'email', 'phone', 'anonymousId', 'deviceToken'] },
  },
  normalization: { defaultPhoneRegion: 'US' },
  activation: {
    // Personalize user attributes: computed traits classified as no personal data.
    recommendations: { userAttributes: ['preferredChannel'] },
    // One campaign per channel and trigger kind (win-back email, VIP SMS, order receipt, cart push, weekly picks);
    // every send passes suppression, consent, holdouts, caps and quiet hours (README: Activation).
    campaigns: EXAMPLE_CAMPAIGNS,
    // Hashed customer lists for ad platforms, only of members with advertising consent.
    audienceExports: EXAMPLE_AUDIENCE_EXPORTS,
  },
});
