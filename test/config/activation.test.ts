import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambda/config';
import { EXAMPLE_CAMPAIGNS } from '../../lambda/config/activation';
import shipped from '../../c360.config';

const problem = (input: Parameters<typeof parseConfig>[0]) => {
  try {
    parseConfig(input);
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
};

const sms = (template: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  activation: { campaigns: { nudge: { trigger: { segmentEntered: 'highValue' }, channel: 'sms', template, ...extra } } },
});

describe('activation config', () => {
  it('ships one campaign per channel in the default config, with caps, a control group and quiet hours', () => {
    const config = parseConfig(shipped);
    const channels = new Set(Object.values(config.activation.campaigns).map((c) => c.channel));
    expect([...channels].sort()).toEqual(['email', 'push', 'sms']);
    expect(config.activation.messaging.caps.email).toEqual({ count: 2, days: 7 });
    expect(config.activation.messaging.globalControlPercent).toBeGreaterThan(0);
    expect(config.activation.messaging.quietHours.channels).toContain('sms');
    expect(Object.keys(config.activation.audienceExports)).toEqual(['highValue']);
  });

  it('has no campaigns unless the config names them', () => {
    expect(parseConfig({}).activation.campaigns).toEqual({});
  });

  it('refuses a template that does not parse, naming the campaign and the part', () => {
    expect(problem(sms({ text: 'Hi {% if profile.traits.firstName %}' }))).toMatch(
      /activation\.campaigns\.nudge\.template\.text: template does not parse: tag \{% if profile\.traits\.firstName %\} not closed/,
    );
  });

  it('refuses an unknown filter and a variable no message provides', () => {
    expect(problem(sms({ text: '{{ profile.traits.firstName | shout }}' }))).toMatch(/template\.text: template does not parse: undefined filter: shout/);
    expect(problem(sms({ text: 'Hi {{ customer.name }}' }))).toMatch(/template\.text: template reads "customer", which no message provides; templates read profile, event/);
  });

  it('checks each channel gets the template parts it needs and only those', () => {
    expect(problem(sms({ subject: 'x', text: 'y' }))).toMatch(/nudge\.template\.subject: a sms template takes text; not subject/);
    expect(problem({ activation: { campaigns: { mail: { trigger: { event: 'Order Completed' }, channel: 'email', template: { subject: 'x' } } } } })).toMatch(
      /mail\.template\.html: a email template needs html/,
    );
  });

  it('refuses a campaign on a segment or consent purpose that does not exist', () => {
    expect(problem({ activation: { campaigns: { c: { trigger: { segmentEntered: 'lapsed' }, channel: 'sms', template: { text: 'x' } } } } })).toMatch(
      /activation\.campaigns\.c\.trigger\.segmentEntered: unknown segment "lapsed"; the segments are highValue, recentBuyers, lapsedCustomers/,
    );
    expect(problem(sms({ text: 'x' }, { purpose: 'marketing_mail' }))).toMatch(/activation\.campaigns\.nudge\.purpose: unknown consent purpose "marketing_mail"/);
    expect(problem({ activation: { audienceExports: { ads: { segment: 'big' } } } })).toMatch(/activation\.audienceExports\.ads\.segment: unknown segment "big"/);
  });

  it('needs the device-token identifier type for push campaigns', () => {
    const push = { activation: { campaigns: { p: EXAMPLE_CAMPAIGNS.cartReminder } } };
    expect(problem({ ...push, unification: { identity: { identifiers: ['userId', 'email'] } } })).toMatch(
      /activation\.messaging\.push\.tokenIdentifier: push campaigns send to device tokens held as identifiers of type "deviceToken"/,
    );
    expect(problem(push)).toBeUndefined();
  });

  it('keeps personal data out of Personalize user attributes', () => {
    expect(problem({ activation: { recommendations: { userAttributes: ['lifetimeValu'] } } })).toMatch(/userAttributes\.0: unknown computed trait "lifetimeValu"/);
    expect(
      problem({
        activation: { recommendations: { userAttributes: ['preferredChannel'] } },
        governance: { classification: { fields: { 'traits.preferredChannel': { class: 'indirect' } } } },
      }),
    ).toMatch(/"preferredChannel" is classified as personal data/);
  });

  it('refuses an unknown time zone, a bad schedule and quiet hours that are not times of day', () => {
    expect(problem({ activation: { messaging: { defaultTimeZone: 'Europe/Pariss' } } })).toMatch(/activation\.messaging\.defaultTimeZone: an IANA time zone/);
    expect(problem({ activation: { propensity: { schedule: 'every day' } } })).toMatch(/activation\.propensity\.schedule: a schedule such as "rate\(1 day\)"/);
    expect(problem({ activation: { messaging: { quietHours: { start: '25:00', end: '08:00', channels: ['sms'] } } } })).toMatch(
      /activation\.messaging\.quietHours\.start: a time of day/,
    );
  });
});

describe('the item catalog folder', () => {
  it('reserves the source name items, whose landing folder holds the item catalog', () => {
    expect(problem({ collection: { sources: { items: {} } } })).toMatch(/collection\.sources\.items: the source name "items" is reserved/);
  });
});
