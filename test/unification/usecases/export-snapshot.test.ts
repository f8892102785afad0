import { createHash } from 'node:crypto';
import { DynamoDBDocumentClient, ScanCommand, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'csv-parse/sync';
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeProfile } from '../../../lambda/unification/contracts/profile-document';
import { documentClient } from '../../../lambda/shared/clients';
import { emptyProfile, type Profile, type TraitValue } from '../../../lambda/unification/core/profile/profile';
import { DynamoProfileScan } from '../../../lambda/unification/adapters/dynamodb-profile-scan';
import type { SnapshotSink } from '../../../lambda/unification/ports';
import { exportSnapshot } from '../../../lambda/unification/usecases/export-snapshot';
import { MAX_SNAPSHOT_SEGMENTS, SNAPSHOT_COLUMNS, SNAPSHOT_PREFIX, snapshotKey } from '../../../lambda/unification/contracts/snapshot';

const ddb = mockClient(DynamoDBDocumentClient);
type Item = Record<string, unknown>;

/** A profile table behind the mock: Scan with segments, Limit and paging, and the adapter's filter. */
function fakeTable(items: Item[]) {
  ddb.on(ScanCommand).callsFake((input: ScanCommandInput) => {
    const total = input.TotalSegments ?? 1;
    const segmentOf = (item: Item) => createHash('md5').update(String(item.pk)).digest().readUInt32BE(0) % total;
    const inSegment = items.filter((item) => segmentOf(item) === (input.Segment ?? 0));
    const start = input.ExclusiveStartKey === undefined ? 0 : inSegment.findIndex((i) => i.pk === input.ExclusiveStartKey?.pk && i.sk === input.ExclusiveStartKey?.sk) + 1;
    const page = inSegment.slice(start, start + (input.Limit ?? 1000));
    const last = page[page.length - 1];
    const more = start + page.length < inSegment.length;
    // What FilterExpression `#sk = :profile AND attribute_not_exists(#mergedInto)` selects.
    const kept = page.filter((i) => i.sk === input.ExpressionAttributeValues?.[':profile'] && i.mergedInto === undefined);
    return { Items: kept.map((i) => ({ doc: i.doc })), ...(more && last ? { LastEvaluatedKey: { pk: last.pk, sk: last.sk } } : {}) };
  });
}

function profile(id: string, traits: Record<string, unknown>, extra: Partial<Profile> = {}): Profile {
  const wrapped: Record<string, TraitValue> = {};
  for (const [name, v] of Object.entries(traits)) wrapped[name] = { v, t: 1, m: 'm' };
  return { ...emptyProfile(id, '2026-01-01T00:00:00.000Z'), traits: wrapped, ...extra };
}

function profileItem(p: Profile): Item {
  return {
    pk: `P#${p.profileId}`,
    sk: 'P',
    profileId: p.profileId,
    version: 1,
    ...(p.mergedInto === undefined ? {} : { mergedInto: p.mergedInto }),
    doc: encodeProfile(p),
  };
}

class MemorySink implements SnapshotSink {
  readonly objects = new Map<string, string>();
  readonly puts: string[] = [];
  async put(key: string, body: Uint8Array | string): Promise<void> {
    this.puts.push(key);
    this.objects.set(key, typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  }
  rows(): Record<string, string>[] {
    return [...this.objects.values()].flatMap((csv) => parse(csv, { columns: true }) as Record<string, string>[]);
  }
}

const doc = documentClient({ region: 'us-east-1' });

const live = [
  profile('p-ada', { firstName: 'Ada', lastName: 'LOVELACE', birthday: '1815-12-10T00:00:00.000Z', email: 'Ada+news@Lovelace.ORG' }),
  profile('p-grace', { first_name: 'Grace', last_name: 'Hopper', address: { street: '12 Main St', city: 'New York', postalCode: '10001-1234' } }),
  profile('p-alan', { name: 'Dr Alan Turing' }, { identifiers: { email: ['alan@bletchley.uk'] } }),
  profile('p-quote', { firstName: 'Anne, "Nan"', lastName: "O'Neil" }),
];
const noPerson = profile('p-anon', { plan: 'free' }, { identifiers: { anonymousId: ['a-1'] } });
const placeholders = profile('p-junk', { firstName: 'unknown', lastName: 'N/A' });
const merged = profile('p-merged', { firstName: 'Ada', lastName: 'Lovelace' }, { mergedInto: 'p-ada' });

beforeEach(() => {
  ddb.reset();
  fakeTable([
    ...[...live, noPerson, placeholders, merged].map(profileItem),
    { pk: 'ID#email#ada@example.com', sk: 'ID', profileId: 'p-ada' },
    { pk: 'P#p-ada', sk: 'J#0001', events: [] },
  ]);
});

describe('exportSnapshot', () => {
  it('writes one row per live profile with person data, normalised as the built-in matcher does', async () => {
    const sink = new MemorySink();
    const counts = await exportSnapshot({ profiles: new DynamoProfileScan(doc, 'profiles'), sink, totalSegments: 2 });

    expect(counts).toMatchObject({ scanned: 6, written: 4, skipped: 2 });
    const rows = sink.rows();
    expect(rows.map((r) => r.profile_id).sort()).toEqual(['p-ada', 'p-alan', 'p-grace', 'p-quote']);
    const byId = new Map(rows.map((r) => [r.profile_id, r]));
    expect(byId.get('p-ada')).toMatchObject({ first_name: 'ada', last_name: 'lovelace', date_of_birth: '1815-12-10', birth_year: '1815', email: 'ada@lovelace.org' });
    expect(byId.get('p-grace')).toMatchObject({ street_number: '12', address1: 'main street', city: 'new york', postcode: '10001' });
    expect(byId.get('p-alan')).toMatchObject({ first_name: 'alan', last_name: 'turing', email: 'alan@bletchley.uk' });
    expect(byId.get('p-quote')).toMatchObject({ first_name: 'anne nan', last_name: 'oneil' });
    // Merged-away profiles, identifier and journal items never reach a row.
    expect(byId.has('p-merged')).toBe(false);
  });

  it('writes a header with profile_id and one column per person field to stable keys under the snapshot prefix', async () => {
    const sink = new MemorySink();
    const counts = await exportSnapshot({ profiles: new DynamoProfileScan(doc, 'profiles'), sink, totalSegments: 2 });

    expect(counts.keys.slice(0, 2)).toEqual([`${SNAPSHOT_PREFIX}part-00.csv`, `${SNAPSHOT_PREFIX}part-01.csv`]);
    expect(counts.keys).toHaveLength(MAX_SNAPSHOT_SEGMENTS);
    for (const [key, csv] of sink.objects) {
      expect(key.startsWith(SNAPSHOT_PREFIX)).toBe(true);
      expect(csv.split('\n')[0]).toBe(SNAPSHOT_COLUMNS.join(','));
    }
    expect(SNAPSHOT_COLUMNS.slice(0, 4)).toEqual(['profile_id', 'first_name', 'middle_name', 'last_name']);
    // Parts beyond the segment count hold only the header.
    expect(sink.objects.get(snapshotKey(2))).toBe(`${SNAPSHOT_COLUMNS.join(',')}\n`);
  });

  it('replaces the previous run: the same keys, no profile twice, whatever the segment count', async () => {
    const sink = new MemorySink();
    await exportSnapshot({ profiles: new DynamoProfileScan(doc, 'profiles'), sink, totalSegments: 4 });
    const firstKeys = [...sink.objects.keys()].sort();
    await exportSnapshot({ profiles: new DynamoProfileScan(doc, 'profiles'), sink, totalSegments: 1, pageSize: 2 });

    expect([...sink.objects.keys()].sort()).toEqual(firstKeys);
    const ids = sink.rows().map((r) => r.profile_id);
    expect(ids.sort()).toEqual(['p-ada', 'p-alan', 'p-grace', 'p-quote']);
  });

  it('scans each segment in pages with the live-profile filter', async () => {
    await exportSnapshot({ profiles: new DynamoProfileScan(doc, 'profiles'), sink: new MemorySink(), totalSegments: 3, pageSize: 2 });
    const calls = ddb.commandCalls(ScanCommand).map((c) => c.args[0].input);
    expect(new Set(calls.map((c) => c.Segment))).toEqual(new Set([0, 1, 2]));
    for (const input of calls) {
      expect(input).toMatchObject({ TableName: 'profiles', TotalSegments: 3, Limit: 2, ExpressionAttributeValues: { ':profile': 'P' } });
      expect(input.FilterExpression).toBe('#sk = :profile AND attribute_not_exists(#mergedInto)');
      expect(input.ExpressionAttributeNames).toMatchObject({ '#sk': 'sk', '#mergedInto': 'mergedInto' });
    }
    // Paging: some segment needed a second page, started after the first.
    expect(calls.some((c) => c.ExclusiveStartKey !== undefined)).toBe(true);
  });

  it('reads ambiguous numeric birth dates in the configured order', async () => {
    ddb.reset();
    fakeTable([profileItem(profile('p-1', { firstName: 'Jo', birthday: '03/04/1990' }))]);
    const dmy = new MemorySink();
    await exportSnapshot({ profiles: new DynamoProfileScan(doc, 'profiles'), sink: dmy, totalSegments: 1, normalization: { dateOrder: 'DMY' } });
    expect(dmy.rows()[0]?.date_of_birth).toBe('1990-04-03');
    const mdy = new MemorySink();
    await exportSnapshot({ profiles: new DynamoProfileScan(doc, 'profiles'), sink: mdy, totalSegments: 1 });
    expect(mdy.rows()[0]?.date_of_birth).toBe('1990-03-04');
  });

  it('fails, writing nothing, on a bad segment count or when the scan fails', async () => {
    const sink = new MemorySink();
    await expect(exportSnapshot({ profiles: new DynamoProfileScan(doc, 'profiles'), sink, totalSegments: 0 })).rejects.toThrow(/totalSegments/);
    await expect(exportSnapshot({ profiles: new DynamoProfileScan(doc, 'profiles'), sink, totalSegments: MAX_SNAPSHOT_SEGMENTS + 1 })).rejects.toThrow(/totalSegments/);
    ddb.reset();
    ddb.on(ScanCommand).rejects(new Error('ProvisionedThroughputExceededException'));
    await expect(exportSnapshot({ profiles: new DynamoProfileScan(doc, 'profiles'), sink, totalSegments: 1 })).rejects.toThrow(/Throughput/);
    expect(sink.puts).toEqual([]);
  });
});
