/**
 * Lambda entry of the three campaign functions, one bundle: CAMPAIGN_TRIGGER
 * says which this one is.
 *   segments  the target of the segment bus's rule (source `c360.segments`,
 *             detail-types `Segment Entered` and `Segment Exited`)
 *   events    a Kinesis event source mapping on the event stream (partial
 *             batch responses; bounded retries and record age, an on-failure
 *             destination): event-triggered campaigns
 *   schedule  EventBridge Scheduler: `{ campaign, scheduledAt }` per scheduled
 *             campaign (scheduledAt from `<aws.scheduler.scheduled-time>`), and
 *             `{ sweep: 'deferred' }` every few minutes for the sends quiet
 *             hours deferred (reserved concurrency 1: two sweeps never take
 *             the same due send)
 *
 * Environment: ACTIVATION_TABLE (message ledger, deferred sends, contact
 * suppressions), PROFILE_TABLE (the customer view, read-only); optional:
 * SES_CONFIGURATION_SET, SMS_CONFIGURATION_SET, UNSUBSCRIBE_URL with
 * UNSUBSCRIBE_KEY_SECRET_ARN (signed links), MODELS_BUCKET (recommendations
 * in templates, PERSONALIZE_CAMPAIGN_ARN when Personalize is deployed),
 * SUPPRESSION_TABLE with HASH_KEY_SECRET_ARN (the erasure suppression list),
 * EVENT_STREAM_NAME (push: the `Push Sent` events).
 * Push is enabled when config activation.messaging.push.applicationId is set.
 */
import { PersonalizeClient } from '@aws-sdk/client-personalize';
import { PersonalizeRuntimeClient } from '@aws-sdk/client-personalize-runtime';
import { PinpointClient } from '@aws-sdk/client-pinpoint';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../../config/load';
import { DynamoSegmentStore } from '../../unification/adapters/dynamodb-segment-store';
import { identityRules } from '../../unification/core/identity/identity-rules';
import type { Channel } from '../../config/activation';
import { suppressionCheckFromEnv } from '../../governance/adapters/deployed-suppression';
import { documentClient, kinesisClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { DynamoContactSuppressions } from '../adapters/dynamodb-contact-suppressions';
import { kinesisActivationEvents } from '../adapters/kinesis-activation-events';
import { DynamoCustomerViewReader } from '../adapters/dynamodb-customer-view';
import { DynamoInteractionStore } from '../adapters/dynamodb-interactions';
import { DynamoItemCatalog } from '../adapters/dynamodb-item-catalog';
import { DynamoDeferredSends, DynamoMessageLedger } from '../adapters/dynamodb-message-ledger';
import { PersonalizeRuntimeRecommender } from '../adapters/personalize-runtime';
import { PushDeliverer } from '../adapters/push';
import { S3DocumentStore } from '../adapters/s3-documents';
import { secretsUnsubscribeKey } from '../adapters/secrets-unsubscribe-key';
import { SesEmailDeliverer } from '../adapters/ses-email';
import { SmsDeliverer } from '../adapters/sms';
import { ACTIVATION_ENV } from '../contracts/env';
import { createEventCampaignHandler } from '../handlers/campaign-events';
import { createCampaignScheduleHandler } from '../handlers/campaign-schedule';
import { createSegmentCampaignHandler } from '../handlers/campaign-segments';
import type { Deliverer } from '../ports';
import { unsubscribeLinks, type CampaignDeps } from '../usecases/campaigns';
import { cachedModel, recommendForProfile, recommendSettings } from '../usecases/recommend';

const optional = (name: string) => {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
};
const TRIGGERS = ['segments', 'events', 'schedule'] as const;
const trigger = requireEnv(ACTIVATION_ENV.campaignTrigger);
if (!(TRIGGERS as readonly string[]).includes(trigger)) throw new Error(`${ACTIVATION_ENV.campaignTrigger}=${trigger} is not one of ${TRIGGERS.join(', ')}`);
const doc = traced(documentClient());
const table = requireEnv(ACTIVATION_ENV.table);
const profileTable = requireEnv(ACTIVATION_ENV.profileTable);
const views = new DynamoCustomerViewReader(doc, profileTable, config);
const { messaging } = config.activation;
const retention = { retentionDays: messaging.retentionDays };

const sesConfigurationSet = optional(ACTIVATION_ENV.sesConfigurationSet);
const smsConfigurationSet = optional(ACTIVATION_ENV.smsConfigurationSet);
const deliverers: Partial<Record<Channel, Deliverer>> = {
  email: new SesEmailDeliverer(traced(new SESv2Client({ maxAttempts: 3 })), {
    fromAddress: messaging.email.fromAddress,
    ...(messaging.email.replyTo === undefined ? {} : { replyTo: messaging.email.replyTo }),
    ...(sesConfigurationSet === undefined ? {} : { configurationSetName: sesConfigurationSet }),
  }),
  sms: new SmsDeliverer(traced(new PinpointSMSVoiceV2Client({ maxAttempts: 3 })), {
    messageType: messaging.sms.messageType,
    defaultPhoneRegion: config.normalization.defaultPhoneRegion,
    ...(messaging.sms.originationIdentity === undefined ? {} : { originationIdentity: messaging.sms.originationIdentity }),
    ...(smsConfigurationSet === undefined ? {} : { configurationSetName: smsConfigurationSet }),
  }),
  ...(messaging.push.applicationId === undefined
    ? {}
    : { push: new PushDeliverer(traced(new PinpointClient({ maxAttempts: 3 })), { applicationId: messaging.push.applicationId, service: messaging.push.service }) }),
};

const secrets = traced(new SecretsManagerClient({}));
const unsubscribeBase = optional(ACTIVATION_ENV.unsubscribeUrl);
const unsubscribeSecret = optional(ACTIVATION_ENV.unsubscribeKeySecret);
if ((unsubscribeBase === undefined) !== (unsubscribeSecret === undefined)) {
  throw new Error(`Set both ${ACTIVATION_ENV.unsubscribeUrl} and ${ACTIVATION_ENV.unsubscribeKeySecret}, or neither`);
}
const modelsBucket = optional(ACTIVATION_ENV.modelsBucket);
const personalizeCampaignArn = optional(ACTIVATION_ENV.personalizeCampaignArn);
const eventStream = optional(ACTIVATION_ENV.eventStream);
const suppression = suppressionCheckFromEnv(() => ({ doc, secrets }));

/** Recommendations in templates: the recommendations use case (Personalize when deployed, else the built-in model). */
function recommender(bucket: string): NonNullable<CampaignDeps['recommend']> {
  const recommendDeps = {
    views,
    interactions: new DynamoInteractionStore(doc, table),
    catalog: new DynamoItemCatalog(doc, table),
    model: cachedModel(new S3DocumentStore(traced(new S3Client({})), bucket)),
    settings: recommendSettings(config),
    ...(personalizeCampaignArn === undefined
      ? {}
      : {
          personalize: new PersonalizeRuntimeRecommender({
            runtime: traced(new PersonalizeRuntimeClient({ maxAttempts: 3 })),
            control: traced(new PersonalizeClient({ maxAttempts: 3 })),
            campaignArn: personalizeCampaignArn,
          }),
        }),
  };
  return async (profileId, n) => {
    const answer = await recommendForProfile(profileId, { n }, recommendDeps);
    return answer.found ? [...answer.answer.items] : [];
  };
}
const recommend = modelsBucket === undefined ? undefined : recommender(modelsBucket);

const deps: CampaignDeps = {
  config,
  views,
  ledger: new DynamoMessageLedger(doc, table, retention),
  deferred: new DynamoDeferredSends(doc, table, retention),
  deliverers,
  contacts: new DynamoContactSuppressions(doc, table, config.normalization.defaultPhoneRegion),
  ...(suppression === undefined ? {} : { suppression }),
  ...(recommend === undefined ? {} : { recommend }),
  ...(eventStream === undefined ? {} : { events: kinesisActivationEvents(traced(kinesisClient({ maxAttempts: 3 })), eventStream) }),
  ...(unsubscribeBase === undefined || unsubscribeSecret === undefined
    ? {}
    : { unsubscribeUrl: unsubscribeLinks(unsubscribeBase, () => secretsUnsubscribeKey(secrets, unsubscribeSecret), config) }),
};


/** The handler of this function's trigger. */
function handlerOf(kind: (typeof TRIGGERS)[number]): (event: never) => Promise<unknown> {
  switch (kind) {
    case 'segments':
      return createSegmentCampaignHandler({
        ...deps,
        observeOutcome: (o) => {
          // Counts only: no profile id, no address.
          for (const [status, n] of Object.entries(o.counts)) if (n > 0) metrics.addMetric(`Messages_${status}`, MetricUnit.Count, n);
          logger.info('segment change handled', { segment: o.segment, change: o.change, campaigns: o.campaigns, counts: o.counts });
        },
      });
    case 'events':
      return createEventCampaignHandler({
        ...deps,
        // Parsed as the unify consumer parses them: identifiers normalise the same, blocked values link nothing.
        parse: {
          identifierTypes: config.unification.identity.identifiers,
          blockedReason: identityRules(config.unification.identity).blockedReason,
          defaultPhoneRegion: config.normalization.defaultPhoneRegion,
          revenueProperties: config.unification.revenueProperties,
        },
        observeOutcome: (o) => {
          metrics.addMetric('RecordsRead', MetricUnit.Count, o.records);
          metrics.addMetric('TriggerEvents', MetricUnit.Count, o.triggers);
          metrics.addMetric('TriggerWaitingForProfile', MetricUnit.Count, o.waitingForProfile);
          for (const [status, n] of Object.entries(o.counts)) if (n > 0) metrics.addMetric(`Messages_${status}`, MetricUnit.Count, n);
          const { error, ...rest } = o;
          if (error !== undefined) logger.error('campaign trigger failed; the batch is retried from the failed record', { outcome: rest, error: error as Error });
          else if (o.triggers > 0 || o.failedSequenceNumber !== undefined) logger.info('campaign triggers handled', { outcome: rest });
        },
      });
    case 'schedule':
      return createCampaignScheduleHandler({
        ...deps,
        // Segment membership lives on the profile table (the unification pillar's index, read-only here).
        members: new DynamoSegmentStore(doc, profileTable),
        observeOutcome: (o) => {
          for (const [status, n] of Object.entries(o.counts)) if (n > 0) metrics.addMetric(`Messages_${status}`, MetricUnit.Count, n);
          if (o.kind === 'sweep') {
            metrics.addMetric('DeferredDue', MetricUnit.Count, o.due);
            logger.info('deferred sends swept', { due: o.due, counts: o.counts });
          } else {
            metrics.addMetric('BroadcastProfiles', MetricUnit.Count, o.profiles);
            logger.info('scheduled campaign run', { campaign: o.campaign, segment: o.segment, profiles: o.profiles, counts: o.counts, skipped: o.skipped });
          }
        },
      });
  }
}
const run = handlerOf(trigger as (typeof TRIGGERS)[number]) as (event: unknown) => Promise<unknown>;

export const handler = withPowertools(async (event: unknown) => run(event));
