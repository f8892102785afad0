import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { PinpointClient, SendMessagesCommand, type MessageResult } from '@aws-sdk/client-pinpoint';
import {
  ConflictException,
  DescribeOptedOutNumbersCommand,
  PinpointSMSVoiceV2Client,
  ResourceNotFoundException,
  SendTextMessageCommand,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MessageRejected, SendEmailCommand, SESv2Client, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoContactSuppressions } from '../../../lambda/activation/adapters/dynamodb-contact-suppressions';
import { contactAddressHash } from '../../../lambda/activation/contracts/table';
import { EventsNotWrittenError, kinesisActivationEvents } from '../../../lambda/activation/adapters/kinesis-activation-events';
import { localUnsubscribeKey, localUnsubscribeKeyFile } from '../../../lambda/activation/adapters/local-unsubscribe-key';
import { PushDeliverer } from '../../../lambda/activation/adapters/push';
import { clearUnsubscribeKeyCache, secretsUnsubscribeKey } from '../../../lambda/activation/adapters/secrets-unsubscribe-key';
import { SesEmailDeliverer } from '../../../lambda/activation/adapters/ses-email';
import { SmsDeliverer, SmsOptOuts } from '../../../lambda/activation/adapters/sms';
import { decodeTagValue, isDeliveryError, type DeliveryError } from '../../../lambda/activation/core/feedback';
import type { OutgoingMessage } from '../../../lambda/activation/ports';
import { partitionKeyOf } from '../../../lambda/shared/partition-key';
import { documentClient, kinesisClient } from '../../../lambda/shared/clients';
import { message } from './support';

const ses = mockClient(SESv2Client);
const sms = mockClient(PinpointSMSVoiceV2Client);
const pinpoint = mockClient(PinpointClient);
const kinesis = mockClient(KinesisClient);
const ddb = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);

beforeEach(() => {
  for (const m of [ses, sms, pinpoint, kinesis, ddb, secrets]) m.reset();
  clearUnsubscribeKeyCache();
});

const region = { region: 'eu-west-1', maxAttempts: 1 };
const UNSUB = 'https://c360.example.com/unsubscribe?token=abc.def';

async function deliveryError(p: Promise<unknown>): Promise<DeliveryError> {
  try {
    await p;
  } catch (err) {
    if (isDeliveryError(err)) return err;
    throw err;
  }
  throw new Error('expected the send to fail');
}

describe('SesEmailDeliverer', () => {
  const email: OutgoingMessage = {
    record: message(),
    address: 'ana@example.org',
    content: { subject: 'We miss you', html: '<p>Hi Ana</p>', text: 'Hi Ana' },
    unsubscribeUrl: UNSUB,
  };
  const deliverer = () => new SesEmailDeliverer(new SESv2Client(region), { fromAddress: 'news@example.com', replyTo: 'help@example.com', configurationSetName: 'c360-email' });

  it('sends simple content through the configuration set, tagged for feedback, with one-click unsubscribe headers', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: '0102019a-ses-message-1' });
    expect(await deliverer().send(email)).toEqual({ providerMessageId: '0102019a-ses-message-1' });
    const input = ses.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      FromEmailAddress: 'news@example.com',
      ReplyToAddresses: ['help@example.com'],
      Destination: { ToAddresses: ['ana@example.org'] },
      ConfigurationSetName: 'c360-email',
      Content: {
        Simple: {
          Subject: { Data: 'We miss you', Charset: 'UTF-8' },
          Body: { Html: { Data: '<p>Hi Ana</p>', Charset: 'UTF-8' }, Text: { Data: 'Hi Ana', Charset: 'UTF-8' } },
          Headers: [
            { Name: 'List-Unsubscribe', Value: `<${UNSUB}>` },
            { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
          ],
        },
      },
    });
    const tags = Object.fromEntries((input?.EmailTags ?? []).map((t) => [t.Name, t.Value]));
    expect(tags.campaign).toBe('winBack');
    expect(tags.profile).toBe('p-ana');
    for (const v of Object.values(tags)) expect(v).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
    expect(decodeTagValue(tags.messageKey as string)).toBe('winBack#2026-11-30T08:00:00.000Z');
  });

  it('sends no unsubscribe headers without a link, and no text part without text', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-2' });
    await deliverer().send({ ...email, unsubscribeUrl: undefined, content: { subject: 'Receipt', html: '<p>Thanks</p>' } });
    const simple = ses.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple;
    expect(simple?.Headers).toBeUndefined();
    expect(simple?.Body?.Text).toBeUndefined();
  });

  it('maps SES errors to delivery errors without the address', async () => {
    ses
      .on(SendEmailCommand)
      .rejectsOnce(new MessageRejected({ message: 'Email address is not verified: ana@example.org', $metadata: {} }))
      .rejectsOnce(new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', $metadata: {} }));
    const rejected = await deliveryError(deliverer().send(email));
    expect(rejected).toMatchObject({ channel: 'email', code: 'rejected', retryable: false });
    expect(rejected.message).not.toContain('ana@example.org');
    expect(await deliveryError(deliverer().send(email))).toMatchObject({ code: 'throttled', retryable: true });
  });

  it('refuses content without a subject before calling SES', async () => {
    expect(await deliveryError(deliverer().send({ ...email, content: { html: '<p>x</p>' } }))).toMatchObject({ code: 'misconfigured' });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });
});

describe('SmsDeliverer', () => {
  const text: OutgoingMessage = { record: message({ channel: 'sms', campaign: 'vipWelcome', key: 'vipWelcome#o1', addressType: 'phone' }), address: '(425) 555-0156', content: { text: 'Thanks! Reply STOP to opt out.' } };
  const deliverer = (originationIdentity?: string) =>
    new SmsDeliverer(new PinpointSMSVoiceV2Client(region), { configurationSetName: 'c360-sms', messageType: 'PROMOTIONAL', defaultPhoneRegion: 'US', ...(originationIdentity ? { originationIdentity } : {}) });

  it('sends to the E.164 number through the configuration set, with the campaign context', async () => {
    sms.on(SendTextMessageCommand).resolves({ MessageId: 'sms-1' });
    expect(await deliverer('+12065550152').send(text)).toEqual({ providerMessageId: 'sms-1' });
    expect(sms.commandCalls(SendTextMessageCommand)[0]?.args[0].input).toEqual({
      DestinationPhoneNumber: '+14255550156',
      MessageBody: 'Thanks! Reply STOP to opt out.',
      MessageType: 'PROMOTIONAL',
      ConfigurationSetName: 'c360-sms',
      OriginationIdentity: '+12065550152',
      Context: { campaign: 'vipWelcome', profile: 'p-ana', messageKey: 'vipWelcome#o1' },
    });
  });

  it('sends transactional records as TRANSACTIONAL and lets AWS pick the origination without one', async () => {
    sms.on(SendTextMessageCommand).resolves({ MessageId: 'sms-2' });
    await deliverer().send({ ...text, record: { ...text.record, transactional: true } });
    const input = sms.commandCalls(SendTextMessageCommand)[0]?.args[0].input;
    expect(input?.MessageType).toBe('TRANSACTIONAL');
    expect(input?.OriginationIdentity).toBeUndefined();
  });

  it('maps a send to an opted-out number to an opted-out error that asks for suppression', async () => {
    sms.on(SendTextMessageCommand).rejects(new ConflictException({ message: 'The destination phone number +14255550156 is opted out', Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT', $metadata: {} }));
    const err = await deliveryError(deliverer().send(text));
    expect(err).toMatchObject({ channel: 'sms', code: 'opted-out', retryable: false, suppressReason: 'sms-opted-out' });
    expect(err.message).toContain('opt-out list');
    expect(err.message).not.toContain('555');
  });

  it('refuses a number that is not a phone number, without calling the service', async () => {
    expect(await deliveryError(deliverer().send({ ...text, address: 'not a number' }))).toMatchObject({ code: 'invalid-address' });
    expect(sms.commandCalls(SendTextMessageCommand)).toHaveLength(0);
  });
});

describe('SmsOptOuts', () => {
  const optOuts = () => new SmsOptOuts(new PinpointSMSVoiceV2Client(region), 'Default');

  it('finds a number on the list, and answers undefined for one that is not', async () => {
    sms
      .on(DescribeOptedOutNumbersCommand, { OptedOutNumbers: ['+14255550156'] })
      .resolves({ OptOutListName: 'Default', OptedOutNumbers: [{ OptedOutNumber: '+14255550156', OptedOutTimestamp: new Date('2026-11-20T10:00:00Z'), EndUserOptedOut: true }] })
      .on(DescribeOptedOutNumbersCommand, { OptedOutNumbers: ['+14255550100'] })
      .rejects(new ResourceNotFoundException({ message: 'not found', ResourceType: 'opted-out-number', ResourceId: '+14255550100', $metadata: {} }));
    expect(await optOuts().find('+14255550156')).toEqual({ phone: '+14255550156', atMs: Date.parse('2026-11-20T10:00:00Z'), byEndUser: true });
    expect(await optOuts().find('+14255550100')).toBeUndefined();
  });

  it('fails when the list itself is missing', async () => {
    sms.on(DescribeOptedOutNumbersCommand).rejects(new ResourceNotFoundException({ message: 'no list', ResourceType: 'opt-out-list', ResourceId: 'Default', $metadata: {} }));
    await expect(optOuts().find('+14255550156')).rejects.toThrow(/could not read the SMS opt-out list/);
  });

  it('lists the customer opt-outs page by page', async () => {
    sms
      .on(DescribeOptedOutNumbersCommand)
      .resolvesOnce({ OptedOutNumbers: [{ OptedOutNumber: '+1', OptedOutTimestamp: new Date(1), EndUserOptedOut: true }], NextToken: 't1' })
      .resolvesOnce({ OptedOutNumbers: [{ OptedOutNumber: '+2', OptedOutTimestamp: new Date(2), EndUserOptedOut: true }] });
    const seen: string[] = [];
    for await (const n of optOuts().list()) seen.push(n.phone);
    expect(seen).toEqual(['+1', '+2']);
    const calls = sms.commandCalls(DescribeOptedOutNumbersCommand).map((c) => c.args[0].input);
    expect(calls[0]).toMatchObject({ OptOutListName: 'Default', Filters: [{ Name: 'end-user-opted-out', Values: ['true'] }] });
    expect(calls[1]?.NextToken).toBe('t1');
  });
});

describe('PushDeliverer', () => {
  const push: OutgoingMessage = {
    record: message({ channel: 'push', campaign: 'cartReminder', key: 'cartReminder#evt-1', addressType: 'deviceToken' }),
    address: 'fcm-token-abc',
    content: { title: 'Still thinking about it?', text: 'Your item is waiting.', url: 'https://shop.example.com/cart' },
  };
  const deliverer = (service: 'GCM' | 'APNS' = 'GCM') => new PushDeliverer(new PinpointClient(region), { applicationId: '0123456789abcdef0123456789abcdef', service });
  const answer = (result: MessageResult) => ({ MessageResponse: { ApplicationId: '0123456789abcdef0123456789abcdef', Result: { 'fcm-token-abc': result } } });

  it('sends to the token address with the notification and the campaign context', async () => {
    pinpoint.on(SendMessagesCommand).resolves(answer({ DeliveryStatus: 'SUCCESSFUL', StatusCode: 200, MessageId: 'push-1' }));
    expect(await deliverer().send(push)).toEqual({ providerMessageId: 'push-1' });
    expect(pinpoint.commandCalls(SendMessagesCommand)[0]?.args[0].input).toEqual({
      ApplicationId: '0123456789abcdef0123456789abcdef',
      MessageRequest: {
        Addresses: { 'fcm-token-abc': { ChannelType: 'GCM' } },
        MessageConfiguration: { GCMMessage: { Title: 'Still thinking about it?', Body: 'Your item is waiting.', Action: 'URL', Url: 'https://shop.example.com/cart' } },
        Context: { campaign: 'cartReminder', profile: 'p-ana', messageKey: 'cartReminder#evt-1' },
      },
    });
  });

  it('uses the APNs message for Apple tokens and opens the app without a URL', async () => {
    pinpoint.on(SendMessagesCommand).resolves(answer({ DeliveryStatus: 'SUCCESSFUL', StatusCode: 200, MessageId: 'push-2' }));
    await deliverer('APNS').send({ ...push, content: { title: 'Hi', text: 'There' } });
    const request = pinpoint.commandCalls(SendMessagesCommand)[0]?.args[0].input.MessageRequest;
    expect(request?.MessageConfiguration).toEqual({ APNSMessage: { Title: 'Hi', Body: 'There', Action: 'OPEN_APP' } });
    expect(request?.Addresses?.['fcm-token-abc']?.ChannelType).toBe('APNS');
  });

  it('maps a permanent failure to an invalid token to suppress, and temporary ones to retryable errors', async () => {
    pinpoint
      .on(SendMessagesCommand)
      .resolvesOnce(answer({ DeliveryStatus: 'PERMANENT_FAILURE', StatusCode: 410, StatusMessage: 'NotRegistered' }))
      .resolvesOnce(answer({ DeliveryStatus: 'TEMPORARY_FAILURE', StatusCode: 503 }))
      .resolvesOnce(answer({ DeliveryStatus: 'THROTTLED', StatusCode: 429 }))
      .resolvesOnce({ MessageResponse: { ApplicationId: 'x', Result: {} } });
    expect(await deliveryError(deliverer().send(push))).toMatchObject({ code: 'invalid-address', retryable: false, suppressReason: 'push:invalid-token' });
    expect(await deliveryError(deliverer().send(push))).toMatchObject({ code: 'unavailable', retryable: true });
    expect(await deliveryError(deliverer().send(push))).toMatchObject({ code: 'throttled', retryable: true });
    expect(await deliveryError(deliverer().send(push))).toMatchObject({ code: 'failed' });
  });
});

describe('kinesisActivationEvents', () => {
  const events = [
    { type: 'track', event: 'Email Delivered', messageId: 'fb-1', userId: 'u-ana' },
    { type: 'track', event: 'Email Opened', messageId: 'fb-2', anonymousId: 'anon-9', userId: 'u-bo' },
  ];

  it('puts the events under the producers partition key and sends again only the records Kinesis failed', async () => {
    kinesis
      .on(PutRecordsCommand)
      .resolvesOnce({ FailedRecordCount: 1, Records: [{ SequenceNumber: '1', ShardId: 's' }, { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' }] })
      .resolvesOnce({ FailedRecordCount: 0, Records: [{ SequenceNumber: '2', ShardId: 's' }] });
    await kinesisActivationEvents(kinesisClient({ region: 'eu-west-1' }), 'c360-events', { baseDelayMs: 0 }).put(events);
    const calls = kinesis.commandCalls(PutRecordsCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.StreamName).toBe('c360-events');
    expect(calls[0]?.Records?.map((r) => r.PartitionKey)).toEqual([partitionKeyOf(events[0] as never), 'anon-9']);
    expect(calls[1]?.Records?.map((r) => JSON.parse(Buffer.from(r.Data as Uint8Array).toString('utf8')).messageId)).toEqual(['fb-2']);
  });

  it('rejects naming how many events are not on the stream after the last attempt', async () => {
    kinesis.on(PutRecordsCommand).resolves({ FailedRecordCount: 2, Records: [{ ErrorCode: 'InternalFailure' }, { ErrorCode: 'InternalFailure' }] });
    const put = kinesisActivationEvents(kinesisClient({ region: 'eu-west-1' }), 'c360-events', { baseDelayMs: 0, maxAttempts: 3 }).put(events);
    await expect(put).rejects.toBeInstanceOf(EventsNotWrittenError);
    await expect(put).rejects.toThrow('2 of 2 events could not be put on the event stream (InternalFailure:');
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(3);
  });
});

describe('DynamoContactSuppressions', () => {
  const items = new Map<string, Record<string, unknown>>();
  const table = () => {
    items.clear();
    ddb.on(PutCommand).callsFake((input) => {
      const item = input.Item as Record<string, unknown>;
      const key = `${item.pk}|${item.sk}`;
      if (input.ConditionExpression === 'attribute_not_exists(#pk)' && items.has(key)) throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
      items.set(key, item);
      return {};
    });
    ddb.on(GetCommand).callsFake((input) => ({ Item: items.get(`${input.Key.pk}|${input.Key.sk}`) }));
    ddb.on(DeleteCommand).callsFake((input) => {
      items.delete(`${input.Key.pk}|${input.Key.sk}`);
      return {};
    });
    return new DynamoContactSuppressions(documentClient({ region: 'eu-west-1' }), 'activation', 'US');
  };

  it('keys an address by the hash of its normalised form and never stores it in clear', async () => {
    const s = table();
    await s.add('email', ' Ana@Example.ORG ', 'bounce:General', Date.UTC(2026, 11, 1));
    const hash = createHash('sha256').update('ana@example.org').digest('hex');
    expect([...items.values()]).toEqual([{ pk: `CONTACT#email#${hash}`, sk: 'SUP', channel: 'email', reason: 'bounce:General', at: '2026-12-01T00:00:00.000Z' }]);
    expect(JSON.stringify([...items.values()])).not.toMatch(/ana@/i);
    expect(await s.reason('email', 'ana@example.org')).toBe('bounce:General');
    expect(await s.reason('email', 'bo@example.org')).toBeUndefined();
  });

  it('hashes phone numbers in E.164 and tokens as they are', async () => {
    const s = table();
    await s.add('sms', '(425) 555-0156', 'sms-opted-out', 0);
    expect(await s.reason('sms', '+14255550156')).toBe('sms-opted-out');
    expect(contactAddressHash('sms', '+1 425 555 0156', 'US')).toBe(createHash('sha256').update('+14255550156').digest('hex'));
    expect(contactAddressHash('push', 'Tok-A', 'US')).not.toBe(contactAddressHash('push', 'tok-a', 'US'));
  });

  it('keeps the first reason when an address is added again, and removes it', async () => {
    const s = table();
    await s.add('email', 'ana@example.org', 'bounce:General', 1);
    await s.add('email', 'ana@example.org', 'complaint', 2);
    expect(await s.reason('email', 'ana@example.org')).toBe('bounce:General');
    await s.remove('email', 'ana@example.org');
    expect(await s.reason('email', 'ana@example.org')).toBeUndefined();
  });
});

describe('unsubscribe signing keys', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-unsub-key-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the local key once, mode 0600, and reads the same key after', async () => {
    const first = await localUnsubscribeKey(dir);
    expect(first).toHaveLength(32);
    expect((await stat(localUnsubscribeKeyFile(dir))).mode & 0o777).toBe(0o600);
    expect(Buffer.compare(await localUnsubscribeKey(dir), first)).toBe(0);
    expect(Buffer.compare(await readFile(localUnsubscribeKeyFile(dir)), first)).toBe(0);
  });

  it('refuses a local key file that is too short', async () => {
    await localUnsubscribeKey(dir);
    await writeFile(localUnsubscribeKeyFile(dir), 'short');
    await expect(localUnsubscribeKey(dir)).rejects.toThrow(/at least 32/);
  });

  it('reads the secret once per process and refuses a short one', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: 'arn:key' }).resolves({ SecretString: 'k'.repeat(64) });
    secrets.on(GetSecretValueCommand, { SecretId: 'arn:short' }).resolves({ SecretString: 'short' });
    const client = new SecretsManagerClient(region);
    expect((await secretsUnsubscribeKey(client, 'arn:key')).length).toBe(64);
    await secretsUnsubscribeKey(client, 'arn:key');
    expect(secrets.commandCalls(GetSecretValueCommand, { SecretId: 'arn:key' })).toHaveLength(1);
    await expect(secretsUnsubscribeKey(client, 'arn:short')).rejects.toThrow(/needs at least 32/);
  });
});
