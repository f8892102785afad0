import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentitiesSchema, ProfileViewSchema } from '../../lambda/client/contract';
import { ProfileApiError, ProfileClient } from '../../lambda/client/profile-client';
import type { LocalRuntime } from '../../lambda/local/runtime';
import { payloadOf, sendPayloads } from '../../lambda/local/send';
import { customerView } from '../../lambda/unification/contracts/customer-view';
import { currentConsent } from '../../lambda/unification/core/profile/consent';
import { consentSettings } from '../../lambda/unification/settings';
import { allProfiles, getJson, testRuntime } from '../support/runtime';

describe('ProfileClient', () => {
  let runtime: LocalRuntime;
  beforeAll(async () => {
    runtime = await testRuntime();
    const events = [
      { type: 'identify', messageId: 'c1', userId: 'u-1', anonymousId: 'a-1', traits: { email: 'ana@example.com', name: 'Ana' } },
      { type: 'track', messageId: 'c2', anonymousId: 'a-1', event: 'Order Completed', properties: { revenue: 12.5 } },
      { type: 'track', messageId: 'c3', userId: 'u-1', event: 'Order Completed', properties: { revenue: 600 } },
    ];
    await sendPayloads(runtime.kinesis, runtime.streamName, events.map((e) => payloadOf(JSON.stringify(e))));
    await runtime.poller?.drain();
  });
  afterAll(async () => runtime?.stop());

  it('finds a profile by identifier and by id, and answers undefined for none', async () => {
    const client = new ProfileClient({ endpoint: runtime.apiUrl, sign: false });
    const byEmail = await client.findProfile('email', 'Ana@Example.com');
    expect(byEmail?.traits).toEqual({ email: 'ana@example.com', name: 'Ana' });
    expect(byEmail?.computed).toMatchObject({ lifetimeValue: 612.5, orderCount: 2, ordersLast90Days: 2 });
    expect((await client.getProfile(byEmail?.profileId as string))?.identifiers).toEqual(byEmail?.identifiers);
    expect(await client.findProfile('userId', 'nobody')).toBeUndefined();
    await expect(client.findProfile('shoeSize', '42')).rejects.toMatchObject({ status: 400, code: 'bad_request' });
    await expect(client.findProfile('shoeSize', '42')).rejects.toBeInstanceOf(ProfileApiError);
  });

  it('answers the whole customer view: what customerView makes of the stored profile at the answer\'s moment', async () => {
    const client = new ProfileClient({ endpoint: runtime.apiUrl, sign: false });
    const answer = await client.findProfile('userId', 'u-1');
    expect(ProfileViewSchema.safeParse(answer).success).toBe(true);
    const stored = (await allProfiles(runtime)).find((p) => p.profileId === answer?.profileId);
    expect(stored).toBeDefined();
    if (answer === undefined || stored === undefined) return;
    const { consent: _c, ...expected } = customerView(stored, runtime.config, Date.parse(answer.asOf));
    expect(answer).toMatchObject(expected);
    expect(answer.consent).toEqual(currentConsent(stored.consent, consentSettings(runtime.config).purposes));
    expect(Object.keys(answer.segments)).toContain('highValue');
    expect(answer).toMatchObject({ merges: stored.merges, mergedFrom: stored.mergedFrom, rejectedIdentifiers: stored.rejectedIdentifiers ?? [] });
    const part = await client.getProfile(answer.profileId, { fields: ['segments'] });
    expect(part).toEqual({ profileId: answer.profileId, segments: answer.segments });
    await expect(client.getProfile(answer.profileId, { fields: ['shoeSize' as never] })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('unknown field "shoeSize"') });
    const identities = IdentitiesSchema.parse(await client.getIdentities(answer.profileId));
    expect(identities.links.map((l) => `${l.type}:${l.value}`).sort()).toEqual(['anonymousId:a-1', 'email:ana@example.com', 'userId:u-1']);
  });

  it('serves the OpenAPI description at /openapi.json, the one shipped as docs/openapi.json', async () => {
    const served = await getJson(`${runtime.apiUrl}/openapi.json`);
    expect(served.status).toBe(200);
    expect(served.body).toEqual(JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')));
  });

  it('signs requests with SigV4 for execute-api', async () => {
    const seen: Array<{ url: string; headers: Record<string, string> }> = [];
    const fakeFetch: typeof fetch = async (input, init) => {
      seen.push({ url: String(input), headers: init?.headers as Record<string, string> });
      return new Response(JSON.stringify({ error: 'not_found', message: 'no profile' }), { status: 404 });
    };
    const client = new ProfileClient({
      endpoint: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      fetch: fakeFetch,
    });
    expect(await client.findProfile('email', 'ana@example.com')).toBeUndefined();
    expect(seen[0]?.url).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/prod/profiles?email=ana%40example.com');
    expect(seen[0]?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/);
    expect(seen[0]?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });
});
