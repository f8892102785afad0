/**
 * Lambda entry of the delivery feedback: SES events (EventBridge, forwarded
 * from the default bus), End User Messaging SMS events and two-way SMS (SNS),
 * and the scheduled reconciliation with the SMS opt-out list.
 *
 * Environment: ACTIVATION_TABLE (contact suppressions), PROFILE_TABLE (the
 * customer view, read-only), EVENT_STREAM_NAME (the feedback events),
 * SMS_OPT_OUT_LIST (optional: reconciliation).
 */
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../../config/load';
import { documentClient, kinesisClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { DynamoContactSuppressions } from '../adapters/dynamodb-contact-suppressions';
import { DynamoCustomerViewReader } from '../adapters/dynamodb-customer-view';
import { kinesisActivationEvents } from '../adapters/kinesis-activation-events';
import { SmsOptOuts } from '../adapters/sms';
import { ACTIVATION_ENV } from '../contracts/env';
import { createFeedbackHandler, type FeedbackInput } from '../handlers/feedback';
import { feedbackSettingsOf } from '../usecases/feedback';

const doc = traced(documentClient());
const optOutListName = process.env[ACTIVATION_ENV.smsOptOutList];
const optOutList = optOutListName === undefined || optOutListName === '' ? undefined : new SmsOptOuts(traced(new PinpointSMSVoiceV2Client({ maxAttempts: 8 })), optOutListName);

const feedback = createFeedbackHandler({
  views: new DynamoCustomerViewReader(doc, requireEnv(ACTIVATION_ENV.profileTable), config),
  events: kinesisActivationEvents(traced(kinesisClient()), requireEnv(ACTIVATION_ENV.eventStream)),
  suppressions: new DynamoContactSuppressions(doc, requireEnv(ACTIVATION_ENV.table), config.normalization.defaultPhoneRegion),
  settings: feedbackSettingsOf(config),
  ...(optOutList === undefined ? {} : { optOutList }),
  observe: (o) => {
    metrics.addMetric('FeedbackRead', MetricUnit.Count, o.read);
    metrics.addMetric('FeedbackEventsWritten', MetricUnit.Count, o.written);
    metrics.addMetric('ContactsSuppressed', MetricUnit.Count, o.suppressed);
    const dropped = Object.values(o.dropped).reduce((n, c) => n + c, 0);
    metrics.addMetric('FeedbackDropped', MetricUnit.Count, dropped);
    // Counts and reasons only: no address, no profile id.
    if (dropped > 0) logger.info('feedback events dropped', { source: o.source, dropped: o.dropped });
    if (o.listed !== undefined) logger.info('SMS opt-out list reconciled', { listed: o.listed, known: o.known, suppressed: o.suppressed, written: o.written });
  },
});

export const handler = withPowertools(async (event: FeedbackInput) => feedback(event));
