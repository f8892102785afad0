/**
 * An audience export over in-memory ports: who is exported (consent, a
 * contact to match on, a profile that still exists), each platform's columns
 * and hashing (Meta's phone without `+`, Google's with), the manifest's
 * counts adding up, no raw personal value in any file, and the key layout.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { FileAudienceSink } from '../../../lambda/activation/adapters/file-audience-sink';
import { audienceLatestKey, type AudienceLatest, type AudienceManifest } from '../../../lambda/activation/contracts/audiences';
import type { AudienceSink, CustomerView, CustomerViewReader, SegmentMembers } from '../../../lambda/activation/ports';
import { exportAudience, UnknownAudienceExportError } from '../../../lambda/activation/usecases/export-audience';
import { parseConfig, type C360ConfigInput } from '../../../lambda/config';

const NOW = Date.parse('2026-12-02T06:30:00.000Z');
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

const view = (profileId: string, patch: Partial<CustomerView> = {}): CustomerView => ({
  profileId,
  identifiers: {},
  traits: {},
  computed: {},
  segments: { highValue: '2026-11-01T00:00:00.000Z' },
  consent: { advertising: 'granted' },
  scores: {},
  channels: {},
  enriched: {},
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
  asOf: new Date(NOW).toISOString(),
  ...patch,
});

/** The people of the segment, one per rule the export applies. */
const PEOPLE: CustomerView[] = [
  view('p-ana', {
    identifiers: { email: ['ana.lopez@example.com'], phone: ['+14155550142'] },
    traits: { firstName: 'Ana', lastName: 'Lopez', city: 'San Francisco', postalCode: '94107', country: 'us' },
  }),
  view('p-bob', { identifiers: { email: ['bob.denied@example.com'] }, consent: { advertising: 'denied' } }),
  view('p-cyd', { identifiers: { userId: ['u-cyd'] }, traits: { firstName: 'Cyd' } }),
  view('p-dee', { identifiers: { phone: ['+447911123456'] }, traits: { country: 'United Kingdom' } }),
  view('p-eve', { identifiers: { email: ['eve@example.com'] }, consent: {} }),
];
const MEMBERS = ['p-ana', 'p-bob', 'p-cyd', 'p-dee', 'p-eve', 'p-gone', 'p-ana-old'];

function ports(people = PEOPLE, members = MEMBERS) {
  const byId = new Map(people.map((p) => [p.profileId, p]));
  const pageCalls: Array<{ limit: number; cursor?: string }> = [];
  const segmentMembers: SegmentMembers = {
    async members(segment, limit, cursor) {
      expect(segment).toBe('highValue');
      pageCalls.push({ limit, ...(cursor === undefined ? {} : { cursor }) });
      const from = cursor === undefined ? 0 : Number(cursor);
      const page = members.slice(from, from + limit);
      return from + limit < members.length ? { profileIds: page, next: String(from + limit) } : { profileIds: page };
    },
  };
  const views: CustomerViewReader = {
    // A merged-away id resolves to its survivor, as the real reader does.
    get: async (id) => byId.get(id === 'p-ana-old' ? 'p-ana' : id),
    ownerOf: async () => undefined,
  };
  const files = new Map<string, { body: string; contentType: string }>();
  const sink: AudienceSink = { put: async (key, body, contentType) => void files.set(key, { body, contentType }) };
  return { segmentMembers, views, sink, files, pageCalls };
}

const config = (input: C360ConfigInput = {}) =>
  parseConfig({ activation: { audienceExports: { vip: { segment: 'highValue', formats: ['meta', 'google'] } } }, ...input });

const rows = (csv: string) => parse(csv) as string[][];

describe('exportAudience', () => {
  it('exports consenting members with an email or phone, and counts every other member by the reason it was left out', async () => {
    const p = ports();
    const manifest = await exportAudience('vip', { config: config(), members: p.segmentMembers, views: p.views, sink: p.sink, clock: () => NOW, pageSize: 2 });
    expect(manifest).toEqual({
      export: 'vip',
      segment: 'highValue',
      exportedAt: '2026-12-02T06:30:00.000Z',
      formats: ['meta', 'google'],
      members: 7,
      exported: 2,
      // Bob denied advertising; Eve never decided (advertising is opt-in).
      excludedNoConsent: 2,
      excludedNoContact: 1,
      // p-gone has no profile; p-ana-old resolves to Ana, already written.
      missingProfiles: 2,
      files: { meta: 'audiences/vip/20261202T063000000Z/meta.csv', google: 'audiences/vip/20261202T063000000Z/google.csv' },
    });
    expect(manifest.members).toBe(manifest.exported + manifest.excludedNoConsent + manifest.excludedNoContact + manifest.missingProfiles);
    // Paged through the whole segment.
    expect(p.pageCalls).toEqual([{ limit: 2 }, { limit: 2, cursor: '2' }, { limit: 2, cursor: '4' }, { limit: 2, cursor: '6' }]);
  });

  it("writes Meta's columns all hashed, the phone as digits with the country code and no +", async () => {
    const p = ports();
    await exportAudience('vip', { config: config(), members: p.segmentMembers, views: p.views, sink: p.sink, clock: () => NOW });
    const meta = p.files.get('audiences/vip/20261202T063000000Z/meta.csv');
    expect(meta?.contentType).toMatch(/^text\/csv/);
    const [header, ana, dee, ...rest] = rows(meta?.body ?? '');
    expect(rest).toEqual([]);
    expect(header).toEqual(['email', 'phone', 'fn', 'ln', 'ct', 'zip', 'country']);
    expect(ana).toEqual([sha('ana.lopez@example.com'), sha('14155550142'), sha('ana'), sha('lopez'), sha('san francisco'), sha('94107'), sha('us')]);
    // A country that is not a two-letter code is left out rather than sent as text.
    expect(dee).toEqual(['', sha('447911123456'), '', '', '', '', '']);
  });

  it("writes Google's columns with the phone in E.164 and Country and Zip in clear", async () => {
    const p = ports();
    await exportAudience('vip', { config: config(), members: p.segmentMembers, views: p.views, sink: p.sink, clock: () => NOW });
    const [header, ana, dee] = rows(p.files.get('audiences/vip/20261202T063000000Z/google.csv')?.body ?? '');
    expect(header).toEqual(['Email', 'Phone', 'First Name', 'Last Name', 'Country', 'Zip']);
    expect(ana).toEqual([sha('ana.lopez@example.com'), sha('+14155550142'), sha('ana'), sha('lopez'), 'US', '94107']);
    expect(dee).toEqual(['', sha('+447911123456'), '', '', '', '']);
    expect(ana?.[1]).not.toBe(rows(p.files.get('audiences/vip/20261202T063000000Z/meta.csv')?.body ?? '')[1]?.[1]);
  });

  it('writes no raw email, phone, name or profile id in any file', async () => {
    const p = ports();
    await exportAudience('vip', { config: config(), members: p.segmentMembers, views: p.views, sink: p.sink, clock: () => NOW });
    const everything = [...p.files.values()].map((f) => f.body.toLowerCase()).join('\n');
    for (const raw of ['ana.lopez@example.com', 'bob.denied@example.com', 'eve@example.com', '4155550142', '7911123456', 'lopez', 'cyd', 'san francisco', 'p-ana', 'p-bob', 'u-cyd']) {
      expect(everything, raw).not.toContain(raw);
    }
  });

  it('leaves a column in clear empty when the classification marks its field direct', async () => {
    const p = ports();
    const c = config({ governance: { classification: { fields: { 'traits.postalCode': { class: 'direct', category: 'location' } } } } });
    await exportAudience('vip', { config: c, members: p.segmentMembers, views: p.views, sink: p.sink, clock: () => NOW });
    const [, ana] = rows(p.files.get('audiences/vip/20261202T063000000Z/google.csv')?.body ?? '');
    expect(ana?.[5]).toBe('');
    expect(ana?.[4]).toBe('US');
  });

  it('asks for the purposes governance.consent.uses.audienceExports names', async () => {
    const p = ports();
    const c = config({ governance: { consent: { uses: { audienceExports: ['advertising', 'data_sharing'] } } } });
    const manifest = await exportAudience('vip', { config: c, members: p.segmentMembers, views: p.views, sink: p.sink, clock: () => NOW });
    expect(manifest.exported).toBe(0);
    expect(manifest.excludedNoConsent).toBe(5);
  });

  it('writes the manifest and then latest.json pointing at it, one format when the export names one', async () => {
    const p = ports();
    const c = parseConfig({ activation: { audienceExports: { vipGoogle: { segment: 'highValue', formats: ['google'] } } } });
    const manifest = await exportAudience('vipGoogle', { config: c, members: p.segmentMembers, views: p.views, sink: p.sink, clock: () => NOW });
    expect([...p.files.keys()]).toEqual([
      'audiences/vipGoogle/20261202T063000000Z/google.csv',
      'audiences/vipGoogle/20261202T063000000Z/manifest.json',
      'audiences/vipGoogle/latest.json',
    ]);
    expect(JSON.parse(p.files.get('audiences/vipGoogle/20261202T063000000Z/manifest.json')?.body ?? '')).toEqual(manifest);
    const latest = JSON.parse(p.files.get(audienceLatestKey('vipGoogle'))?.body ?? '') as AudienceLatest;
    expect(latest).toEqual({ export: 'vipGoogle', exportedAt: '2026-12-02T06:30:00.000Z', manifest: 'audiences/vipGoogle/20261202T063000000Z/manifest.json' });
  });

  it('writes a header-only file for an empty segment', async () => {
    const p = ports([], []);
    const manifest = await exportAudience('vip', { config: config(), members: p.segmentMembers, views: p.views, sink: p.sink, clock: () => NOW });
    expect(manifest).toMatchObject({ members: 0, exported: 0 });
    expect(p.files.get(manifest.files.meta ?? '')?.body).toBe('email,phone,fn,ln,ct,zip,country\n');
  });

  it('fails with the configured names for an export the config does not have', async () => {
    const p = ports();
    await expect(exportAudience('nope', { config: config(), members: p.segmentMembers, views: p.views, sink: p.sink })).rejects.toThrow(UnknownAudienceExportError);
    await expect(exportAudience('nope', { config: config(), members: p.segmentMembers, views: p.views, sink: p.sink })).rejects.toThrow(/vip/);
    expect(p.files.size).toBe(0);
  });
});

describe('FileAudienceSink', () => {
  it('writes the keys as paths under its folder, and refuses a key that leaves it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'c360-exports-'));
    const sink = new FileAudienceSink(dir);
    const p = ports();
    const manifest: AudienceManifest = await exportAudience('vip', { config: config(), members: p.segmentMembers, views: p.views, sink, clock: () => NOW });
    const onDisk = JSON.parse(await readFile(join(dir, 'audiences', 'vip', '20261202T063000000Z', 'manifest.json'), 'utf8')) as AudienceManifest;
    expect(onDisk).toEqual(manifest);
    expect(await readFile(join(dir, 'audiences', 'vip', '20261202T063000000Z', 'meta.csv'), 'utf8')).toMatch(/^email,phone,fn,ln,ct,zip,country\n/);
    await expect(sink.put('../outside.csv', 'x', 'text/csv')).rejects.toThrow(/outside the exports folder/);
  });
});
