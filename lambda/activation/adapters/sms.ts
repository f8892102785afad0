/**
 * SMS over AWS End User Messaging SMS (SendTextMessage) as a Deliverer, and
 * the account's opt-out list (SmsOptOuts).
 *
 * Each message goes through the stack's configuration set, whose SNS event
 * destination reports delivery (core/feedback.ts readSmsEvent), and carries
 * a Context naming the campaign, the profile and the message key, which the
 * events echo back for attribution. Marketing messages go as the configured
 * message type (PROMOTIONAL by default), transactional campaigns as
 * TRANSACTIONAL.
 *
 * A customer who replied STOP is on the number's opt-out list (AWS keeps it);
 * a send to them fails with DESTINATION_PHONE_NUMBER_OPTED_OUT, which becomes
 * a DeliveryError `opted-out` carrying the suppression reason. SmsOptOuts
 * reads the list, so the list and c360's suppressions and consent can be
 * reconciled (usecases/feedback.ts).
 */
import {
  DescribeOptedOutNumbersCommand,
  SendTextMessageCommand,
  type OptedOutNumberInformation,
  type PinpointSMSVoiceV2Client,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { DeliveryError, SMS_CONTEXT, SMS_OPT_OUT_REASONS, redactContacts } from '../core/feedback';
import { normalizePhone } from '../../shared/normalize';
import type { Deliverer, DeliveryResult, OutgoingMessage } from '../ports';

export interface SmsOptions {
  /** SMS_CONFIGURATION_SET. */
  readonly configurationSetName?: string;
  /** The phone number, sender id or pool that sends; without one, AWS picks (config activation.messaging.sms.originationIdentity). */
  readonly originationIdentity?: string;
  /** The type of marketing messages (config activation.messaging.sms.messageType); transactional campaigns always go TRANSACTIONAL. */
  readonly messageType: 'PROMOTIONAL' | 'TRANSACTIONAL';
  /** Region national numbers are read in (config normalization.defaultPhoneRegion). */
  readonly defaultPhoneRegion: string;
}

/**
 * The contact suppression reason of a number a send found on the opt-out
 * list: suppressed at once, its consent decision recorded by the feedback
 * function's reconciliation (usecases/feedback.ts).
 */
export const SMS_OPT_OUT_REASON = SMS_OPT_OUT_REASONS.listed;

const reasonOf = (err: unknown): string | undefined => {
  const reason = (err as { Reason?: unknown } | undefined)?.Reason;
  return typeof reason === 'string' ? reason : undefined;
};

/** An End User Messaging SMS error as a DeliveryError. */
export function smsDeliveryError(err: unknown): DeliveryError {
  const name = (err as Error | undefined)?.name ?? 'Error';
  const reason = reasonOf(err);
  const detail = redactContacts((err as Error | undefined)?.message ?? String(err), 300);
  const fail = (code: ConstructorParameters<typeof DeliveryError>[1], message: string, suppressReason?: string) =>
    new DeliveryError('sms', code, `${message} (${name}${reason === undefined ? '' : ` ${reason}`}: ${detail})`, {
      cause: err,
      ...(suppressReason === undefined ? {} : { suppressReason }),
    });
  if (reason === 'DESTINATION_PHONE_NUMBER_OPTED_OUT') return fail('opted-out', 'the number is on the opt-out list (the customer replied STOP)', SMS_OPT_OUT_REASON);
  switch (name) {
    case 'ThrottlingException':
    case 'ServiceQuotaExceededException':
      return fail('throttled', 'the SMS sending rate or spending limit was reached');
    case 'InternalServerException':
      return fail('unavailable', 'End User Messaging SMS failed internally');
    case 'AccessDeniedException':
      return fail('unavailable', 'the account may not send SMS now');
    case 'ResourceNotFoundException':
      return fail('misconfigured', 'the configuration set or origination identity does not exist');
    case 'ConflictException':
    case 'ValidationException':
      return fail('rejected', 'End User Messaging SMS refused the message');
    default:
      return fail('failed', 'the SMS could not be sent');
  }
}

export class SmsDeliverer implements Deliverer {
  readonly channel = 'sms' as const;

  constructor(
    private readonly sms: PinpointSMSVoiceV2Client,
    private readonly opts: SmsOptions,
  ) {}

  async send(message: OutgoingMessage): Promise<DeliveryResult> {
    const { record, content } = message;
    if (content.text === undefined || content.text.length === 0) {
      throw new DeliveryError('sms', 'misconfigured', `campaign ${record.campaign}: an SMS needs a rendered text`);
    }
    const destination = normalizePhone(message.address, this.opts.defaultPhoneRegion);
    if (destination === undefined) {
      throw new DeliveryError('sms', 'invalid-address', 'the profile phone number is not a valid number', { suppressReason: 'sms:invalid-number' });
    }
    const command = new SendTextMessageCommand({
      DestinationPhoneNumber: destination,
      MessageBody: content.text,
      MessageType: record.transactional ? 'TRANSACTIONAL' : this.opts.messageType,
      ...(this.opts.configurationSetName === undefined ? {} : { ConfigurationSetName: this.opts.configurationSetName }),
      ...(this.opts.originationIdentity === undefined ? {} : { OriginationIdentity: this.opts.originationIdentity }),
      Context: { [SMS_CONTEXT.campaign]: record.campaign, [SMS_CONTEXT.profile]: record.profileId, [SMS_CONTEXT.messageKey]: record.key },
    });
    let messageId: string | undefined;
    try {
      messageId = (await this.sms.send(command)).MessageId;
    } catch (err) {
      throw smsDeliveryError(err);
    }
    if (messageId === undefined) throw new DeliveryError('sms', 'failed', 'End User Messaging SMS accepted the message but returned no message id', { retryable: false });
    return { providerMessageId: messageId };
  }
}

/** A number on the opt-out list. */
export interface OptedOutNumber {
  /** E.164. */
  readonly phone: string;
  /** Epoch ms it was opted out. */
  readonly atMs: number;
  /** True when the customer opted out themselves (a STOP reply), false when the account added it. */
  readonly byEndUser: boolean;
}

/** The account's SMS opt-out list (SMS_OPT_OUT_LIST; `Default` is the account's default list). */
export class SmsOptOuts {
  constructor(
    private readonly sms: PinpointSMSVoiceV2Client,
    private readonly optOutListName: string,
  ) {}

  /** The number's entry, or undefined when it is not on the list. */
  async find(phone: string): Promise<OptedOutNumber | undefined> {
    try {
      const out = await this.sms.send(new DescribeOptedOutNumbersCommand({ OptOutListName: this.optOutListName, OptedOutNumbers: [phone] }));
      const entry = out.OptedOutNumbers?.find((n) => n.OptedOutNumber === phone);
      return entry === undefined ? undefined : toOptedOut(entry);
    } catch (err) {
      // A number not on the list is answered "not found" for the number (the list itself existing).
      if ((err as Error).name === 'ResourceNotFoundException' && (err as { ResourceType?: string }).ResourceType === 'opted-out-number') return undefined;
      throw new Error(`could not read the SMS opt-out list: ${(err as Error).name}: ${redactContacts((err as Error).message ?? '', 300)}`, { cause: err });
    }
  }

  /** Every number on the list, opted out by the customer (a STOP), page by page. */
  async *list(pageSize = 100): AsyncIterable<OptedOutNumber> {
    let nextToken: string | undefined;
    do {
      const out = await this.sms.send(
        new DescribeOptedOutNumbersCommand({
          OptOutListName: this.optOutListName,
          Filters: [{ Name: 'end-user-opted-out', Values: ['true'] }],
          MaxResults: pageSize,
          ...(nextToken === undefined ? {} : { NextToken: nextToken }),
        }),
      );
      for (const entry of out.OptedOutNumbers ?? []) {
        const n = toOptedOut(entry);
        if (n !== undefined) yield n;
      }
      nextToken = out.NextToken;
    } while (nextToken !== undefined);
  }
}

function toOptedOut(entry: OptedOutNumberInformation): OptedOutNumber | undefined {
  if (entry.OptedOutNumber === undefined) return undefined;
  return { phone: entry.OptedOutNumber, atMs: entry.OptedOutTimestamp?.getTime() ?? 0, byEndUser: entry.EndUserOptedOut === true };
}
