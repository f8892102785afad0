/** In-memory ports and hand-written provider fixtures for the delivery and feedback tests. */
import type { SNSEvent } from 'aws-lambda';
import type { CustomerView } from '../../../lambda/unification/contracts/customer-view';
import type { Channel } from '../../../lambda/config/activation';
import type { MessageRecord } from '../../../lambda/activation/contracts/messages';
import type { ActivationEventWriter, ContactSuppressions, CustomerViewReader } from '../../../lambda/activation/ports';
import type { FeedbackSettings } from '../../../lambda/activation/usecases/feedback';

export const NOW = Date.UTC(2026, 11, 2, 9, 30);

export function view(profileId: string, identifiers: Record<string, string[]>): CustomerView {
  return {
    profileId,
    identifiers,
    traits: {},
    computed: {},
    segments: {},
    consent: {},
    scores: {},
    channels: {},
    enriched: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    asOf: new Date(NOW).toISOString(),
  };
}

/** Profiles by id, and identifier owners by `type|value`. */
export class MemoryViews implements CustomerViewReader {
  readonly views = new Map<string, CustomerView>();
  readonly owners = new Map<string, string>();
  add(v: CustomerView): this {
    this.views.set(v.profileId, v);
    for (const [type, values] of Object.entries(v.identifiers)) for (const value of values) this.owners.set(`${type}|${value}`, v.profileId);
    return this;
  }
  async get(profileId: string) {
    return this.views.get(profileId);
  }
  async ownerOf(type: string, value: string) {
    return this.owners.get(`${type}|${value}`);
  }
}

export class MemoryEvents implements ActivationEventWriter {
  readonly events: Record<string, unknown>[] = [];
  puts = 0;
  async put(events: ReadonlyArray<Readonly<Record<string, unknown>>>) {
    this.puts++;
    this.events.push(...events.map((e) => ({ ...e })));
  }
}

export class MemorySuppressions implements ContactSuppressions {
  readonly items = new Map<string, { reason: string; atMs: number }>();
  async reason(channel: Channel, address: string) {
    return this.items.get(`${channel}|${address}`)?.reason;
  }
  async add(channel: Channel, address: string, reason: string, atMs: number) {
    if (!this.items.has(`${channel}|${address}`)) this.items.set(`${channel}|${address}`, { reason, atMs });
  }
  async remove(channel: Channel, address: string) {
    this.items.delete(`${channel}|${address}`);
  }
}

export const SETTINGS: FeedbackSettings = {
  preferenceEvent: 'Segment Consent Preference Updated',
  policyVersion: '3',
  smsPurposes: ['marketing_sms'],
  phoneIdentifier: 'phone',
  defaultPhoneRegion: 'US',
};

export const message = (over: Partial<MessageRecord> = {}): MessageRecord => ({
  key: 'winBack#2026-11-30T08:00:00.000Z',
  campaign: 'winBack',
  profileId: 'p-ana',
  channel: 'email',
  transactional: false,
  trigger: { kind: 'segmentEntered', occurrence: '2026-11-30T08:00:00.000Z', segment: 'lapsedCustomers' },
  status: 'sent',
  outcomes: [],
  decidedAt: '2026-11-30T08:00:00.000Z',
  localDay: '2026-11-30',
  timeZone: 'UTC',
  addressType: 'email',
  sentAt: '2026-11-30T08:00:01.000Z',
  providerMessageId: '010f0192a1b2c3d4-ses',
  ...over,
});

const SES_MAIL = {
  timestamp: '2026-12-01T10:00:00.000Z',
  source: 'news@example.com',
  sourceArn: 'arn:aws:ses:eu-west-1:111122223333:identity/news@example.com',
  sendingAccountId: '111122223333',
  messageId: '0102019a-ses-message-1',
  destination: ['ana@example.org'],
  headersTruncated: false,
  tags: {
    'ses:configuration-set': ['c360-email'],
    'ses:source-ip': ['192.0.2.10'],
    'ses:from-domain': ['example.com'],
    'ses:caller-identity': ['c360-campaign'],
    campaign: ['winBack'],
    profile: ['p-ana'],
    messageKey: ['b64-d2luQmFjayMyMDI2LTExLTMwVDA4OjAwOjAwLjAwMFo'],
  },
};

/** An SES event as EventBridge delivers it (event publishing to the default bus). */
export function sesEvent(detailType: string, detail: Record<string, unknown>, mail: Record<string, unknown> = {}) {
  const body: Record<string, unknown> = { mail: { ...SES_MAIL, ...mail }, ...detail };
  return {
    version: '0',
    id: `eb-${detailType.replace(/\s/g, '-')}`,
    'detail-type': detailType,
    source: 'aws.ses',
    account: '111122223333',
    time: '2026-12-01T10:05:00Z',
    region: 'eu-west-1',
    resources: ['arn:aws:ses:eu-west-1:111122223333:configuration-set/c360-email'],
    detail: body,
  };
}

export const SES_BOUNCE = sesEvent('Email Bounced', {
  eventType: 'Bounce',
  bounce: {
    feedbackId: '0102019a-bounce-feedback',
    bounceType: 'Permanent',
    bounceSubType: 'General',
    bouncedRecipients: [{ emailAddress: 'ana@example.org', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 <ana@example.org>: Recipient address rejected: User unknown' }],
    timestamp: '2026-12-01T10:00:02.500Z',
    reportingMTA: 'dns; mx.example.org',
  },
});

export const SES_SOFT_BOUNCE = sesEvent('Email Bounced', {
  eventType: 'Bounce',
  bounce: {
    feedbackId: '0102019a-bounce-soft',
    bounceType: 'Transient',
    bounceSubType: 'MailboxFull',
    bouncedRecipients: [{ emailAddress: 'ana@example.org', action: 'failed', status: '4.2.2', diagnosticCode: 'smtp; 452 4.2.2 Mailbox full' }],
    timestamp: '2026-12-01T10:00:03.000Z',
  },
});

export const SES_COMPLAINT = sesEvent('Email Complaint Received', {
  eventType: 'Complaint',
  complaint: {
    feedbackId: '0102019a-complaint',
    complaintSubType: null,
    complainedRecipients: [{ emailAddress: 'ana@example.org' }],
    timestamp: '2026-12-01T11:00:00.000Z',
    userAgent: 'Mail Provider FBL',
    complaintFeedbackType: 'abuse',
    arrivalDate: '2026-12-01T10:59:00.000Z',
  },
});

export const SES_DELIVERY = sesEvent('Email Delivered', {
  eventType: 'Delivery',
  delivery: {
    timestamp: '2026-12-01T10:00:01.200Z',
    processingTimeMillis: 1200,
    recipients: ['ana@example.org'],
    smtpResponse: '250 2.6.0 Message received',
    reportingMTA: 'a8-70.smtp-out.amazonses.com',
  },
});

export const SES_OPEN = sesEvent('Email Opened', {
  eventType: 'Open',
  open: { ipAddress: '198.51.100.7', timestamp: '2026-12-01T12:00:00.000Z', userAgent: 'Mozilla/5.0 (iPhone)' },
});

export const SES_CLICK = sesEvent('Email Clicked', {
  eventType: 'Click',
  click: {
    ipAddress: '198.51.100.7',
    timestamp: '2026-12-01T12:01:00.000Z',
    userAgent: 'Mozilla/5.0 (iPhone)',
    link: 'https://shop.example.com/picks?utm_source=c360&email=ana%40example.org',
    linkTags: { section: ['picks'] },
  },
});

/** An End User Messaging SMS event, as its SNS event destination publishes it. */
export function smsEvent(eventType: string, over: Record<string, unknown> = {}) {
  return {
    eventType,
    eventVersion: '1.0',
    eventTimestamp: Date.UTC(2026, 11, 1, 10, 0, 5),
    isFinal: true,
    originationPhoneNumber: '+12065550152',
    destinationPhoneNumber: '+14255550156',
    isInternationalSend: false,
    mcc: '310',
    mnc: '800',
    messageId: '862a8790-60c0-4430-9b2b-658bdexample',
    messageRequestTimestamp: Date.UTC(2026, 11, 1, 10, 0, 4),
    messageEncoding: 'GSM',
    messageType: 'PROMOTIONAL',
    messageStatus: 'SUCCESSFUL',
    messageStatusDescription: 'Message has been accepted by phone carrier',
    context: { campaign: 'vipWelcome', profile: 'p-bo', messageKey: 'vipWelcome#2026-12-01T09:00:00.000Z' },
    totalMessageParts: 1,
    totalMessagePrice: 0.00581,
    totalCarrierFee: 0.0,
    ...over,
  };
}

/** A two-way SMS message, as End User Messaging SMS publishes it to the number's SNS topic. */
export const SMS_STOP = {
  originationNumber: '+14255550156',
  destinationNumber: '+12065550152',
  messageKeyword: 'KEYWORD_111122223333',
  messageBody: 'Stop',
  inboundMessageId: 'cae173d2-66b9-564c-8309-21f858e9fb84',
  previousPublishedMessageId: '862a8790-60c0-4430-9b2b-658bdexample',
};

/** An SNS delivery to Lambda of `messages`. */
export function snsEvent(...messages: unknown[]): SNSEvent {
  const event = {
    Records: messages.map((m, i) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:us-east-1:111122223333:c360-sms-events:5f1b',
      Sns: {
        Type: 'Notification',
        MessageId: `sns-${i}`,
        TopicArn: 'arn:aws:sns:us-east-1:111122223333:c360-sms-events',
        Subject: null,
        Message: typeof m === 'string' ? m : JSON.stringify(m),
        Timestamp: '2026-12-01T10:00:06.000Z',
        SignatureVersion: '1',
        Signature: 'EXAMPLE',
        SigningCertUrl: 'https://sns.example/cert.pem',
        UnsubscribeUrl: 'https://sns.example/unsubscribe',
        MessageAttributes: {},
      },
    })),
  };
  return event as unknown as SNSEvent;
}
