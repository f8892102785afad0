/** The profile client's requests, against a recorded fetch. */
import { describe, expect, it } from 'vitest';
import { ProfileClient } from '../../lambda/client/profile-client';

function recording(answer: unknown = { profileId: 'p-1', traits: {} }) {
  const urls: string[] = [];
  const fetch: typeof globalThis.fetch = async (input) => {
    urls.push(String(input));
    return new Response(JSON.stringify(answer), { status: 200 });
  };
  return { urls, client: new ProfileClient({ endpoint: 'http://127.0.0.1:1/', sign: false, fetch }) };
}

describe('ProfileClient fields', () => {
  it('asks for only the fields named, by id and by identifier, and for the whole view without them', async () => {
    const { urls, client } = recording();
    const part = await client.getProfile('p-1', { fields: ['traits', 'segments'] });
    expect(part?.profileId).toBe('p-1');
    await client.findProfile('email', 'ana@example.com', { fields: ['computed'] });
    await client.getProfile('p-1');
    expect(urls).toEqual([
      'http://127.0.0.1:1/profiles/p-1?fields=traits%2Csegments',
      'http://127.0.0.1:1/profiles?fields=computed&email=ana%40example.com',
      'http://127.0.0.1:1/profiles/p-1',
    ]);
  });
});
