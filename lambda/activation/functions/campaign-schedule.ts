/**
 * Lambda entry of the scheduled campaign work (EventBridge Scheduler):
 * `{ campaign, scheduledAt }` per scheduled campaign (the schedule's input
 * sets scheduledAt from `<aws.scheduler.scheduled-time>`), and
 * `{ sweep: 'deferred' }` every few minutes for the sends quiet hours
 * deferred. Reserved concurrency 1 keeps two sweeps from taking the same
 * due send.
 *
 * Environment: ACTIVATION_TABLE (message ledger, deferred sends, contact
 * suppressions), PROFILE_TABLE (the customer view, read-only); optional:
 * SES_CONFIGURATION_SET, SMS_CONFIGURATION_SET, UNSUBSCRIBE_URL with
 * UNSUBSCRIBE_KEY_SECRET_ARN (signed links), MODELS_BUCKET (recommendations
 * in templates, PERSONALIZE_CAMPAIGN_ARN when Personalize is deployed),
 * SUPPRESSION_TABLE with HASH_KEY_SECRET_ARN (the erasure suppression list).
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
import type { Channel } from '../../config/activation';
import { suppressionCheckFromEnv } from '../../governance/adapters/deployed-suppression';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { DynamoSegmentStore } from '../../unification/adapters/dynamodb-segment-store';
import { DynamoContactSuppressions } from '../adapters/dynamodb-contact-suppressions';
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
import { createCampaignScheduleHandler } from '../handlers/campaign-schedule';
import type { Deliverer } from '../ports';
import { unsubscribeLinks, type CampaignDeps } from '../usecases/campaigns';
import { cachedModel, recommendForProfile, recommendSettings } from '../usecases/recommend';

const optional = (name: string) => {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
};
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
  ...(unsubscribeBase === undefined || unsubscribeSecret === undefined
    ? {}
    : { unsubscribeUrl: unsubscribeLinks(unsubscribeBase, () => secretsUnsubscribeKey(secrets, unsubscribeSecret), config) }),
};

const run = createCampaignScheduleHandler({
  ...deps,
  // Segment membership lives on the profile table (the unification pillar's index, read-only here).
  members: new DynamoSegmentStore(doc, profileTable),
  observeOutcome: (o) => {
    // Counts only: no profile id, no address.
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

export const handler = withPowertools(async (event: unknown) => run(event));
