/**
 * Email over SES v2 (SendEmail, simple content) as a Deliverer. Every email
 * goes through the stack's configuration set, whose event destination feeds
 * deliveries, opens, clicks, bounces and complaints back (core/feedback.ts),
 * and carries the tags the feedback attributes them by: the campaign, the
 * profile id and the message's idempotency key (EMAIL_TAGS; values encoded
 * to the tag alphabet, encodeTagValue). A marketing email carries the
 * one-click unsubscribe headers of RFC 8058, which mailbox providers show as
 * an unsubscribe button and which bulk senders must send.
 *
 * The SDK retries throttling and transient errors; what still fails becomes a
 * DeliveryError that says what to do about it, without the address.
 */
import { SendEmailCommand, type MessageHeader, type MessageTag, type SESv2Client } from '@aws-sdk/client-sesv2';
import { DeliveryError, EMAIL_TAGS, encodeTagValue, redactContacts } from '../core/feedback';
import type { Deliverer, DeliveryResult, OutgoingMessage } from '../ports';

export interface SesEmailOptions {
  /** The SES-verified sender (config activation.messaging.email.fromAddress). */
  readonly fromAddress: string;
  readonly replyTo?: string;
  /** The configuration set whose event destination publishes the feedback (SES_CONFIGURATION_SET). */
  readonly configurationSetName?: string;
}

const UTF8 = 'UTF-8';

/** The RFC 8058 headers of a message with an unsubscribe link. */
export function unsubscribeHeaders(unsubscribeUrl: string): MessageHeader[] {
  return [
    { Name: 'List-Unsubscribe', Value: `<${unsubscribeUrl}>` },
    { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
  ];
}

/** An SES error as a DeliveryError: whether to retry, and what to fix. */
export function sesDeliveryError(err: unknown): DeliveryError {
  const name = (err as Error | undefined)?.name ?? 'Error';
  const detail = redactContacts((err as Error | undefined)?.message ?? String(err), 300);
  const fail = (code: ConstructorParameters<typeof DeliveryError>[1], message: string) => new DeliveryError('email', code, `${message} (${name}: ${detail})`, { cause: err });
  switch (name) {
    case 'MessageRejected':
      return fail('rejected', 'SES rejected the email');
    case 'MailFromDomainNotVerifiedException':
      return fail('misconfigured', 'the sender domain is not verified in SES; verify it or change activation.messaging.email.fromAddress');
    case 'NotFoundException':
      return fail('misconfigured', 'SES does not know the configuration set or sender identity');
    case 'AccountSuspendedException':
      return fail('unavailable', 'the SES account is suspended from sending');
    case 'SendingPausedException':
      return fail('unavailable', 'sending is paused for the SES account or the configuration set');
    case 'TooManyRequestsException':
    case 'LimitExceededException':
      return fail('throttled', 'SES sending rate or quota reached');
    case 'BadRequestException':
      return fail('rejected', 'SES refused the request');
    case 'InternalServiceErrorException':
      return fail('unavailable', 'SES failed internally');
    default:
      return fail('failed', 'the email could not be sent');
  }
}

export class SesEmailDeliverer implements Deliverer {
  readonly channel = 'email' as const;

  constructor(
    private readonly ses: SESv2Client,
    private readonly opts: SesEmailOptions,
  ) {}

  async send(message: OutgoingMessage): Promise<DeliveryResult> {
    const { record, content } = message;
    if (content.subject === undefined || content.html === undefined) {
      throw new DeliveryError('email', 'misconfigured', `campaign ${record.campaign}: an email needs a rendered subject and HTML body`);
    }
    const tags: MessageTag[] = [
      { Name: EMAIL_TAGS.campaign, Value: encodeTagValue(record.campaign) },
      { Name: EMAIL_TAGS.profile, Value: encodeTagValue(record.profileId) },
      { Name: EMAIL_TAGS.messageKey, Value: encodeTagValue(record.key) },
    ];
    const command = new SendEmailCommand({
      FromEmailAddress: this.opts.fromAddress,
      ...(this.opts.replyTo === undefined ? {} : { ReplyToAddresses: [this.opts.replyTo] }),
      Destination: { ToAddresses: [message.address] },
      Content: {
        Simple: {
          Subject: { Data: content.subject, Charset: UTF8 },
          Body: {
            Html: { Data: content.html, Charset: UTF8 },
            ...(content.text === undefined ? {} : { Text: { Data: content.text, Charset: UTF8 } }),
          },
          ...(message.unsubscribeUrl === undefined ? {} : { Headers: unsubscribeHeaders(message.unsubscribeUrl) }),
        },
      },
      ...(this.opts.configurationSetName === undefined ? {} : { ConfigurationSetName: this.opts.configurationSetName }),
      EmailTags: tags,
    });
    let messageId: string | undefined;
    try {
      messageId = (await this.ses.send(command)).MessageId;
    } catch (err) {
      throw sesDeliveryError(err);
    }
    if (messageId === undefined) throw new DeliveryError('email', 'failed', 'SES accepted the email but returned no message id', { retryable: false });
    return { providerMessageId: messageId };
  }
}
