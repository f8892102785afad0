/**
 * Push notifications through the Pinpoint messaging API (SendMessages to a
 * device-token address) as a Deliverer. Only the API is used: the Pinpoint
 * project is the account's own, holding the platform credentials (FCM, APNs)
 * in its channels; no endpoints, segments, campaigns or journeys are created
 * or read.
 *
 * The answer reports each address's outcome: SUCCESSFUL gives the message id
 * (and `Push Sent`, core/feedback.ts pushSentEvent); PERMANENT_FAILURE means
 * the platform no longer knows the token (the app was removed), so the error
 * asks for the token to be suppressed; TEMPORARY_FAILURE and THROTTLED are
 * worth another try later.
 */
import { SendMessagesCommand, type DirectMessageConfiguration, type MessageResult, type PinpointClient } from '@aws-sdk/client-pinpoint';
import { DeliveryError, redactContacts } from '../core/feedback';
import type { Deliverer, DeliveryResult, OutgoingMessage } from '../ports';

export type PushService = 'GCM' | 'APNS' | 'APNS_SANDBOX';

export interface PushOptions {
  /** The Pinpoint project id (config activation.messaging.push.applicationId). */
  readonly applicationId: string;
  /** The push service the tokens belong to (config activation.messaging.push.service). */
  readonly service: PushService;
}

/** The contact suppression reason of a token the platform rejected for good. */
export const PUSH_INVALID_TOKEN_REASON = 'push:invalid-token';

/** The notification for the service: a title, a body and what a tap opens. */
export function pushMessageConfiguration(service: PushService, content: { readonly title?: string; readonly text?: string; readonly url?: string }): DirectMessageConfiguration {
  const notification = {
    Title: content.title,
    Body: content.text,
    ...(content.url === undefined ? { Action: 'OPEN_APP' as const } : { Action: 'URL' as const, Url: content.url }),
  };
  return service === 'GCM' ? { GCMMessage: notification } : { APNSMessage: notification };
}

/** One address's result as the delivery's outcome. */
export function pushResult(result: MessageResult | undefined): DeliveryResult {
  const status = result?.DeliveryStatus;
  const detail = result === undefined ? 'no result for the address' : `${status ?? 'no status'} ${result.StatusCode ?? ''}${result.StatusMessage === undefined ? '' : `: ${redactContacts(result.StatusMessage, 200)}`}`.trim();
  switch (status) {
    case 'SUCCESSFUL':
      if (result?.MessageId === undefined) throw new DeliveryError('push', 'failed', `the push service accepted the notification but returned no message id (${detail})`);
      return { providerMessageId: result.MessageId };
    case 'PERMANENT_FAILURE':
      throw new DeliveryError('push', 'invalid-address', `the device token is invalid or no longer registered (${detail})`, { suppressReason: PUSH_INVALID_TOKEN_REASON });
    case 'OPT_OUT':
      throw new DeliveryError('push', 'opted-out', `the device opted out of notifications (${detail})`, { suppressReason: 'push:opted-out' });
    case 'TEMPORARY_FAILURE':
      throw new DeliveryError('push', 'unavailable', `the push service could not deliver now (${detail})`, { retryable: true });
    case 'THROTTLED':
      throw new DeliveryError('push', 'throttled', `the push service throttled the notification (${detail})`, { retryable: true });
    case 'DUPLICATE':
      throw new DeliveryError('push', 'rejected', `the push service reported a duplicate address (${detail})`);
    default:
      throw new DeliveryError('push', 'failed', `the notification was not delivered (${detail})`);
  }
}

/** A Pinpoint API error (the whole request failed) as a DeliveryError. */
export function pinpointDeliveryError(err: unknown): DeliveryError {
  const name = (err as Error | undefined)?.name ?? 'Error';
  const detail = redactContacts((err as Error | undefined)?.message ?? String(err), 300);
  const fail = (code: ConstructorParameters<typeof DeliveryError>[1], message: string) => new DeliveryError('push', code, `${message} (${name}: ${detail})`, { cause: err });
  switch (name) {
    case 'TooManyRequestsException':
      return fail('throttled', 'the Pinpoint messaging API throttled the request');
    case 'NotFoundException':
      return fail('misconfigured', 'the Pinpoint project does not exist (activation.messaging.push.applicationId)');
    case 'ForbiddenException':
    case 'MethodNotAllowedException':
      return fail('misconfigured', 'the function may not send through the Pinpoint project');
    case 'BadRequestException':
    case 'PayloadTooLargeException':
      return fail('rejected', 'the Pinpoint messaging API refused the notification (is the push channel enabled?)');
    case 'InternalServerErrorException':
      return fail('unavailable', 'the Pinpoint messaging API failed internally');
    default:
      return fail('failed', 'the notification could not be sent');
  }
}

export class PushDeliverer implements Deliverer {
  readonly channel = 'push' as const;

  constructor(
    private readonly pinpoint: PinpointClient,
    private readonly opts: PushOptions,
  ) {}

  async send(message: OutgoingMessage): Promise<DeliveryResult> {
    const { record, content } = message;
    if (content.title === undefined || content.text === undefined) {
      throw new DeliveryError('push', 'misconfigured', `campaign ${record.campaign}: a push notification needs a rendered title and text`);
    }
    const token = message.address;
    const command = new SendMessagesCommand({
      ApplicationId: this.opts.applicationId,
      MessageRequest: {
        Addresses: { [token]: { ChannelType: this.opts.service } },
        MessageConfiguration: pushMessageConfiguration(this.opts.service, content),
        Context: { campaign: record.campaign, profile: record.profileId, messageKey: record.key },
      },
    });
    let results: Record<string, MessageResult> | undefined;
    try {
      results = (await this.pinpoint.send(command)).MessageResponse?.Result;
    } catch (err) {
      throw pinpointDeliveryError(err);
    }
    return pushResult(results?.[token]);
  }
}
