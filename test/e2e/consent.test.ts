/**
 * Consent end to end on the local runtime: decisions from events (explicit
 * preference events out of order, consent objects on ordinary events), from
 * the profile API (a preference event on the stream, through the consumer),
 * from a CMP's export file, and kept through a merge.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisEventSink } from '../../lambda/collection/adapters/kinesis-sink';
import { importFile, importSettings } from '../../lambda/collection/usecases/import-file';
import type { LocalRuntime } from '../../lambda/local/runtime';
import { payloadOf, sendPayloads } from '../../lambda/local/send';
import { kinesisEventWriter } from '../../lambda/unification/adapters/kinesis-event-writer';
import { createProfileApi } from '../../lambda/unification/handlers/profile-api';
import { consentSettings } from '../../lambda/unification/settings';
import { parseConfig } from '../../lambda/config';
import raw from '../../c360.config';
import { getJson, testRuntime } from '../support/runtime';

const DAY = 86_400_000;

describe('consent on the local runtime', () => {
  let runtime: LocalRuntime;
  const base = Date.now() - 20 * DAY;
  const at = (days: number) => new Date(base + days * DAY).toISOString();
  const send = async (events: object[]) => {
    await sendPayloads(runtime.kinesis, runtime.streamName, events.map((e) => payloadOf(JSON.stringify(e))));
    await runtime.poller?.drain();
  };
  const prefs = (messageId: string, ids: object, categoryPreferences: Record<string, boolean>, timestamp: string) => ({
    type: 'track',
    event: 'Segment Consent Preference Updated',
    messageId,
    timestamp,
    ...ids,
    context: { consent: { categoryPreferences } },
  });
  const consentOf = async (query: string) => {
    const profile = await getJson(`${runtime.apiUrl}/profiles?${query}`);
    expect(profile.status).toBe(200);
    return getJson(`${runtime.apiUrl}/profiles/${String(profile.body.profileId)}/consent`);
  };

  beforeAll(async () => {
    runtime = await testRuntime();
  }, 60_000);
  afterAll(async () => runtime?.stop());

  it('takes the latest decision by event time whatever the arrival order, and reads the CMP object on ordinary events', async () => {
    // The later decision (an opt-out) arrives first.
    await send([prefs('e-late', { userId: 'u-ana' }, { Marketing: false }, at(5))]);
    await send([
      prefs('e-early', { userId: 'u-ana' }, { Marketing: true, Analytics: true }, at(2)),
      { type: 'page', name: 'Home', messageId: 'e-page', userId: 'u-ana', timestamp: at(3), context: { consent: { categoryPreferences: { Advertising: true }, policyVersion: 'cookie-v2' } } },
    ]);
    const { status, body } = await consentOf('userId=u-ana');
    expect(status).toBe(200);
    expect(body.purposes).toMatchObject({
      marketing_email: { status: 'denied', at: at(5), source: 'event', explicit: true },
      analytics: { status: 'granted', at: at(2), explicit: true },
      advertising: { status: 'granted', source: 'context', policyVersion: 'cookie-v2', explicit: false },
      data_sharing: { status: 'denied', at: null, source: 'default', explicit: false },
    });
    const history = body.history as Array<{ purpose: string; messageId: string }>;
    expect(history.filter((d) => d.purpose === 'marketing_email').map((d) => d.messageId)).toEqual(['e-early', 'e-late']);
  });

  it('records a decision through PUT as a preference event that the consumer applies', async () => {
    const api = createProfileApi({
      store: runtime.store,
      identifierTypes: runtime.config.unification.identity.identifiers,
      defaultPhoneRegion: runtime.config.normalization.defaultPhoneRegion,
      consent: consentSettings(runtime.config),
      events: kinesisEventWriter(runtime.kinesis, runtime.streamName),
      view: runtime.config,
    });
    const profile = await getJson(`${runtime.apiUrl}/profiles?userId=u-ana`);
    const id = String(profile.body.profileId);
    const out = await api({
      httpMethod: 'PUT',
      path: `/profiles/${id}/consent`,
      queryStringParameters: null,
      body: JSON.stringify({ purposes: { marketing_email: 'granted', data_sharing: 'denied' }, source: 'support-desk' }),
    });
    expect(out.statusCode).toBe(202);
    const { messageId } = JSON.parse(out.body) as { messageId: string };
    await runtime.poller?.drain();
    const { body } = await getJson(`${runtime.apiUrl}/profiles/${id}/consent`);
    expect(body.purposes).toMatchObject({
      marketing_email: { status: 'granted', source: 'support-desk', explicit: true },
      data_sharing: { status: 'denied', source: 'support-desk', explicit: true },
    });
    expect((body.history as Array<{ messageId: string }>).filter((d) => d.messageId === messageId)).toHaveLength(2);
    // The full profile shows it too.
    const full = await getJson(`${runtime.apiUrl}/profiles/${id}`);
    expect((full.body.consent as Record<string, { status: string }>).marketing_email?.status).toBe('granted');
  });

  it('keeps both sides\' decisions through a merge, the latest of each purpose deciding', async () => {
    await send([
      { type: 'identify', messageId: 'v-1', anonymousId: 'visitor-bo', timestamp: at(1), traits: { plan: 'free' } },
      prefs('v-consent', { anonymousId: 'visitor-bo' }, { Advertising: false, Personalization: true }, at(6)),
      prefs('bo-consent', { userId: 'u-bo' }, { Advertising: true, marketing_sms: true }, at(4)),
    ]);
    await send([{ type: 'identify', messageId: 'bo-link', userId: 'u-bo', anonymousId: 'visitor-bo', timestamp: at(8) }]);
    const byUser = await consentOf('userId=u-bo');
    const byVisitor = await consentOf('anonymousId=visitor-bo');
    expect(byVisitor.body.profileId).toBe(byUser.body.profileId);
    expect(byUser.body.purposes).toMatchObject({
      advertising: { status: 'denied', at: at(6) },
      personalization: { status: 'granted' },
      marketing_sms: { status: 'granted', at: at(4) },
    });
  });

  it('imports a CMP export file: each answer a decision, a later row deciding over an earlier one', async () => {
    const file = join(import.meta.dirname, '..', '..', 'samples', 'consent.csv');
    const report = await importFile(
      { key: 'landing/consent/consent.csv', body: createReadStream(file), fileTime: (await stat(file)).mtimeMs },
      {
        // The shipped config, whose `consent` source maps the sample's columns.
        settings: importSettings(parseConfig(raw)),
        events: kinesisEventSink(runtime.kinesis, runtime.streamName),
        rejects: { open: () => ({ location: 'mem://rejects', write: async () => {}, close: async () => {}, abort: async () => {} }) },
        reports: { location: 'mem://report', put: async () => {} },
      },
    );
    expect(report).toMatchObject({ status: 'completed', sent: 5, rejected: 0 });
    await runtime.poller?.drain();
    const { body } = await consentOf('userId=cust_1001');
    expect(body.purposes).toMatchObject({
      // Withdrawn in the later row, under the later policy.
      marketing_email: { status: 'denied', policyVersion: '2026-10', explicit: true },
      marketing_sms: { status: 'denied', policyVersion: '2026-09' },
      analytics: { status: 'granted' },
    });
  });
});
