/**
 * The delivery channels of the campaigns: an SES configuration set whose
 * events go to EventBridge, an End User Messaging SMS configuration set whose
 * events go to an SNS topic, the SMS opt-out list, and the push project's
 * messages resource. No Pinpoint engagement resource is created.
 */
import { ArnFormat, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as smsvoice from 'aws-cdk-lib/aws-smsvoice';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ACTIVATION_ENV } from '../../../lambda/activation/contracts/env';
import type { C360Config } from '../../../lambda/config';
import type { C360Function } from '../common/c360-function';
import { acknowledgeWildcardResource } from '../common/nag';

/** The SES events the feedback function turns into feedback events (FEEDBACK_EVENTS.email; `Email Sent` is the sender's own). */
export const EMAIL_FEEDBACK_EVENTS: readonly ses.EmailSendingEvent[] = [
  ses.EmailSendingEvent.DELIVERY,
  ses.EmailSendingEvent.BOUNCE,
  ses.EmailSendingEvent.COMPLAINT,
  ses.EmailSendingEvent.REJECT,
  ses.EmailSendingEvent.OPEN,
  ses.EmailSendingEvent.CLICK,
  ses.EmailSendingEvent.DELIVERY_DELAY,
];

/** The detail-types SES gives those events on EventBridge. */
export const EMAIL_FEEDBACK_DETAIL_TYPES = [
  'Email Delivered',
  'Email Bounced',
  'Email Complaint Received',
  'Email Rejected',
  'Email Opened',
  'Email Clicked',
  'Email Delivery Delayed',
] as const;

/** SES tags every event published through a configuration set with the set's name under this tag. */
const SES_CONFIGURATION_SET_TAG = 'ses:configuration-set';

/** Every SMS event (delivered, failed, blocked, …): End User Messaging publishes them to SNS, CloudWatch Logs or Firehose only. */
export const SMS_FEEDBACK_EVENT_TYPES = ['TEXT_ALL'] as const;

/** What a sender of SMS may do; what it may read of the opt-out list. */
export const SMS_SEND_ACTIONS = ['sms-voice:SendTextMessage'] as const;
export const SMS_OPT_OUT_READ_ACTIONS = ['sms-voice:DescribeOptedOutNumbers'] as const;

export interface MessagingChannelsProps {
  readonly config: C360Config;
  /** Encrypts the SMS events topic; SMS event delivery is allowed to use it. */
  readonly key: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
}

/** The domain of an email address (the SES identity that sends for it). */
export function emailDomain(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1 || at === address.length - 1) throw new Error(`activation.messaging.email.fromAddress: not an email address: ${JSON.stringify(address)}`);
  return address.slice(at + 1).toLowerCase();
}

/**
 * The IAM resource of the configured SMS origination identity, as far as the
 * config lets it be named: an ARN as given; a pool or phone number id
 * (`pool-…`, `phone-…`) as its ARN; a sender id as that sender id in any
 * country. A number in E.164 is named in IAM by its phone-number id, which the
 * config does not hold: every phone number of the account (`wildcard`).
 */
export function smsOriginationResource(identity: string, stack: Stack): { arn: string; wildcard: boolean } {
  const arn = (resource: string, resourceName: string) =>
    stack.formatArn({ service: 'sms-voice', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  if (identity.startsWith('arn:')) return { arn: identity, wildcard: false };
  if (/^pool-[0-9a-zA-Z]+$/.test(identity)) return { arn: arn('pool', identity), wildcard: false };
  if (/^phone-[0-9a-zA-Z]+$/.test(identity)) return { arn: arn('phone-number', identity), wildcard: false };
  if (/^\+[1-9][0-9]{6,14}$/.test(identity)) return { arn: arn('phone-number', '*'), wildcard: true };
  return { arn: arn('sender-id', `${identity}/*`), wildcard: true };
}

/**
 * The channels' resources and the grants that send through them.
 *
 * - Email: an `AWS::SES::ConfigurationSet` (TLS required, reputation metrics,
 *   the account suppression list for bounces and complaints) with an event
 *   destination to the **default** event bus, the only bus SES publishes to.
 *   `feedbackPattern` matches this set's events there.
 * - SMS: an `AWS::SMSVOICE::ConfigurationSet` whose every text event goes to
 *   `smsEvents` (KMS, TLS only; End User Messaging may publish), and an
 *   `AWS::SMSVOICE::OptOutList`.
 * - Push: only `mobiletargeting:SendMessages` on the account's own Pinpoint
 *   project (`messaging.push.applicationId`), when configured.
 */
export class MessagingChannels extends Construct {
  public readonly emailConfigurationSet: ses.ConfigurationSet;
  public readonly emailEventDestination: ses.ConfigurationSetEventDestination;
  /** The account's default event bus, where SES publishes the configuration set's events. */
  public readonly defaultBus: events.IEventBus;
  public readonly smsConfigurationSet: smsvoice.CfnConfigurationSet;
  public readonly smsOptOutList: smsvoice.CfnOptOutList;
  public readonly smsEvents: sns.Topic;
  /** The SES identity that sends (the from address's domain). */
  public readonly emailIdentityArn: string;
  public readonly emailConfigurationSetArn: string;
  /** `arn:…:mobiletargeting:…:apps/<id>/messages`, when push is configured. */
  public readonly pushMessagesArn?: string;
  private readonly smsOrigination?: { arn: string; wildcard: boolean };

  constructor(scope: Construct, id: string, props: MessagingChannelsProps) {
    super(scope, id);
    const { config, key, removalPolicy } = props;
    const messaging = config.activation.messaging;
    const stack = Stack.of(this);

    // --- email ------------------------------------------------------------------------------
    this.emailConfigurationSet = new ses.ConfigurationSet(this, 'EmailConfigurationSet', {
      // Campaign mail carries personal data: never in clear between mail servers.
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.emailConfigurationSet.applyRemovalPolicy(removalPolicy);
    this.defaultBus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    this.emailEventDestination = this.emailConfigurationSet.addEventDestination('EventBridge', {
      destination: ses.EventDestination.eventBus(this.defaultBus),
      events: [...EMAIL_FEEDBACK_EVENTS],
    });
    this.emailConfigurationSetArn = stack.formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.emailConfigurationSet.configurationSetName,
    });
    this.emailIdentityArn = stack.formatArn({ service: 'ses', resource: 'identity', resourceName: emailDomain(messaging.email.fromAddress) });

    // --- SMS --------------------------------------------------------------------------------
    this.smsEvents = new sns.Topic(this, 'SmsEvents', {
      displayName: 'c360 SMS delivery events',
      masterKey: key,
      enforceSSL: true,
    });
    this.smsEvents.applyRemovalPolicy(removalPolicy);
    // The configuration set's name is generated, and the set references the topic: its ARN is matched by pattern.
    const smsConfigurationSets = stack.formatArn({
      service: 'sms-voice',
      resource: 'configuration-set',
      resourceName: '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const publish = this.smsEvents.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EndUserMessagingSmsEvents',
        principals: [new iam.ServicePrincipal('sms-voice.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.smsEvents.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': smsConfigurationSets } },
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EndUserMessagingSmsEventsTopic',
        principals: [new iam.ServicePrincipal('sms-voice.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': smsConfigurationSets } },
      }),
    );

    this.smsConfigurationSet = new smsvoice.CfnConfigurationSet(this, 'SmsConfigurationSet', {
      eventDestinations: [
        {
          eventDestinationName: 'c360-feedback',
          enabled: true,
          matchingEventTypes: [...SMS_FEEDBACK_EVENT_TYPES],
          snsDestination: { topicArn: this.smsEvents.topicArn },
        },
      ],
    });
    this.smsConfigurationSet.applyRemovalPolicy(removalPolicy);
    // The service checks that it may publish when the event destination is created.
    if (publish.policyDependable !== undefined) this.smsConfigurationSet.node.addDependency(publish.policyDependable);

    this.smsOptOutList = new smsvoice.CfnOptOutList(this, 'SmsOptOutList', {});
    this.smsOptOutList.applyRemovalPolicy(removalPolicy);

    if (messaging.sms.originationIdentity !== undefined) {
      this.smsOrigination = smsOriginationResource(messaging.sms.originationIdentity, stack);
    }

    // --- push -------------------------------------------------------------------------------
    const applicationId = messaging.push.applicationId;
    if (applicationId !== undefined) {
      this.pushMessagesArn = stack.formatArn({
        service: 'mobiletargeting',
        resource: 'apps',
        resourceName: `${applicationId}/messages`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    }
  }

  /** The EventBridge pattern of this configuration set's feedback events on the default bus. */
  public feedbackPattern(): events.EventPattern {
    return {
      source: ['aws.ses'],
      detailType: [...EMAIL_FEEDBACK_DETAIL_TYPES],
      detail: { mail: { tags: { [SES_CONFIGURATION_SET_TAG]: [this.emailConfigurationSet.configurationSetName] } } },
    };
  }

  /**
   * Lets `fn` send on every channel: `ses:SendEmail` from the sending domain's
   * identity with this configuration set; `sms-voice:SendTextMessage` with the
   * SMS configuration set (and the configured origination identity) and
   * `sms-voice:DescribeOptedOutNumbers` on the opt-out list; push's
   * `mobiletargeting:SendMessages` on the project's messages only when a
   * project is configured. Names the configuration sets and the list in its environment.
   */
  public grantSend(fn: C360Function): void {
    fn.addEnvironment(ACTIVATION_ENV.sesConfigurationSet, this.emailConfigurationSet.configurationSetName);
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['ses:SendEmail'], resources: [this.emailIdentityArn, this.emailConfigurationSetArn] }),
    );

    fn.addEnvironment(ACTIVATION_ENV.smsConfigurationSet, this.smsConfigurationSet.ref);
    const smsResources = [this.smsConfigurationSet.attrArn];
    if (this.smsOrigination !== undefined) {
      smsResources.push(this.smsOrigination.arn);
      if (this.smsOrigination.wildcard && fn.role !== undefined) {
        acknowledgeWildcardResource(
          fn.role,
          this.smsOrigination.arn,
          'activation.messaging.sms.originationIdentity names a phone number in E.164 or a sender id, while IAM names them by phone-number id or by sender id and country: the grant covers that sender id in every country (or the account\'s phone numbers), for sms-voice:SendTextMessage only. Configure the identity\'s ARN to narrow it.',
        );
      }
    }
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...SMS_SEND_ACTIONS], resources: smsResources }));
    this.grantOptOutRead(fn);

    if (this.pushMessagesArn !== undefined) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['mobiletargeting:SendMessages'], resources: [this.pushMessagesArn] }));
    }
  }

  /** The opt-out list's name in `fn`'s environment and `sms-voice:DescribeOptedOutNumbers` on it. */
  public grantOptOutRead(fn: C360Function): void {
    fn.addEnvironment(ACTIVATION_ENV.smsOptOutList, this.smsOptOutList.ref);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...SMS_OPT_OUT_READ_ACTIONS], resources: [this.smsOptOutList.attrArn] }));
  }
}

