import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeProfile } from '../../../lambda/unification/contracts/profile-document';
import { collapseChanges, DynamoSegmentStore, InvalidCursorError } from '../../../lambda/unification/adapters/dynamodb-segment-store';
import { chunkEntries, EventBridgePublisher, MAX_BYTES_PER_CALL } from '../../../lambda/unification/adapters/eventbridge-publisher';
import { LocalBus, type SegmentEventEnvelope } from '../../../lambda/unification/adapters/local-bus';
import { documentClient } from '../../../lambda/shared/clients';
import { emptyProfile, type Profile } from '../../../lambda/unification/core/profile/profile';
import { createSegmentChangesHandler, type SegmentBatchOutcome } from '../../../lambda/unification/handlers/segment-changes';
import type { SegmentChange, SegmentEventPublisher, SegmentMembershipStore } from '../../../lambda/unification/ports';
import { applySegmentChanges, type ProfileChangeAudit } from '../../../lambda/unification/usecases/segment-changes';
import { KeyedSubjectHasher } from '../../../lambda/governance/adapters/keyed-hasher';
import type { AuditRecord } from '../../../lambda/governance/contracts/audit';
import { auditDiffs } from '../../../lambda/governance/core/audit-diff';

const ddb = mockClient(DynamoDBDocumentClient);
const eb = mockClient(EventBridgeClient);
type Item = Record<string, unknown>;
type WriteRequest = { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } };

const TABLE = 'profiles';
const BUS = 'c360-segments';
const NOW = Date.UTC(2026, 10, 1, 12);
const AT = new Date(NOW).toISOString();

const store = (opts: { retries?: number } = {}) =>
  new DynamoSegmentStore(documentClient({ region: 'us-east-1' }), TABLE, { baseDelayMs: 1, ...opts });
const publisher = (maxAttempts = 4) =>
  new EventBridgePublisher(new EventBridgeClient({ region: 'us-east-1' }), BUS, { baseDelayMs: 1, maxAttempts });

const change = (segment: string, profileId: string, kind: SegmentChange['change'], reason?: string): SegmentChange => ({
  segment,
  profileId,
  change: kind,
  at: AT,
  ...(reason === undefined ? {} : { reason }),
});

/** The membership table behind the mock: BatchWrite puts/deletes, Query pages by sk. */
function fakeMembership(opts: { unprocessedOnFirstCall?: number } = {}) {
  const items = new Map<string, Item>();
  let calls = 0;
  ddb.on(BatchWriteCommand).callsFake((input) => {
    calls++;
    const requests = (input.RequestItems as Record<string, WriteRequest[]>)[TABLE] ?? [];
    const keep = calls === 1 ? (opts.unprocessedOnFirstCall ?? 0) : 0;
    const done = requests.slice(0, requests.length - keep);
    for (const r of done) {
      if (r.PutRequest) items.set(`${r.PutRequest.Item.pk}|${r.PutRequest.Item.sk}`, r.PutRequest.Item);
      if (r.DeleteRequest) items.delete(`${r.DeleteRequest.Key.pk}|${r.DeleteRequest.Key.sk}`);
    }
    return { UnprocessedItems: keep === 0 ? {} : { [TABLE]: requests.slice(requests.length - keep) } };
  });
  ddb.on(QueryCommand).callsFake((input) => {
    const pk = input.ExpressionAttributeValues?.[':pk'];
    const start = (input.ExclusiveStartKey as Item | undefined)?.sk as string | undefined;
    const all = [...items.values()]
      .filter((i) => i.pk === pk && (start === undefined || (i.sk as string) > start))
      .sort((a, b) => ((a.sk as string) < (b.sk as string) ? -1 : 1));
    const page = all.slice(0, input.Limit);
    const last = page.at(-1);
    return {
      Items: page.map((i) => ({ sk: i.sk })),
      ...(all.length > page.length && last !== undefined ? { LastEvaluatedKey: { pk, sk: last.sk } } : {}),
    };
  });
  return items;
}

/** EventBridge behind the mock: records every entry it accepted; `fail` decides which to reject. */
function fakeBus(fail: (entry: PutEventsRequestEntry, call: number) => string | undefined = () => undefined) {
  const accepted: PutEventsRequestEntry[] = [];
  let call = 0;
  eb.on(PutEventsCommand).callsFake((input) => {
    call++;
    const results = (input.Entries as PutEventsRequestEntry[]).map((entry, i) => {
      const code = fail(entry, call);
      if (code !== undefined) return { ErrorCode: code, ErrorMessage: 'try again' };
      accepted.push(entry);
      return { EventId: `ev-${call}-${i}` };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  });
  return accepted;
}

const putCalls = () => eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
const writeCalls = () =>
  ddb.commandCalls(BatchWriteCommand).map((c) => (c.args[0].input.RequestItems as Record<string, WriteRequest[]>)[TABLE] ?? []);

beforeEach(() => {
  ddb.reset();
  eb.reset();
});

describe('DynamoSegmentStore', () => {
  it('puts entered members and deletes exited ones, in calls of at most 25, applying only the last change per member', async () => {
    const items = fakeMembership();
    const changes = [
      ...Array.from({ length: 27 }, (_, i) => change('vip', `p${String(i).padStart(2, '0')}`, 'entered')),
      change('vip', 'p03', 'exited'),
      change('churn', 'p03', 'entered'),
      change('vip', 'gone', 'entered'),
      change('vip', 'gone', 'exited', 'profile deleted'),
    ];
    await store().apply(changes);

    const calls = writeCalls();
    expect(calls.map((c) => c.length)).toEqual([25, 4]);
    // Never two requests for one key in a call (DynamoDB rejects that), and one request per (segment, profile) overall.
    const keys = calls.flat().map((r) => JSON.stringify(r.PutRequest ? [r.PutRequest.Item.pk, r.PutRequest.Item.sk] : [r.DeleteRequest?.Key.pk, r.DeleteRequest?.Key.sk]));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(29);

    expect(items.has('SEG#vip|p03')).toBe(false);
    expect(items.has('SEG#vip|gone')).toBe(false);
    expect(items.get('SEG#churn|p03')).toEqual({ pk: 'SEG#churn', sk: 'p03', profileId: 'p03', segment: 'churn', enteredAt: AT });
    expect([...items.keys()].filter((k) => k.startsWith('SEG#vip|'))).toHaveLength(26);
  });

  it('retries unprocessed items, sending only those again', async () => {
    const items = fakeMembership({ unprocessedOnFirstCall: 3 });
    await store().apply(['a', 'b', 'c', 'd', 'e'].map((p) => change('vip', p, 'entered')));
    const calls = writeCalls();
    expect(calls).toHaveLength(2);
    expect(calls[1]?.map((r) => r.PutRequest?.Item.sk)).toEqual(['c', 'd', 'e']);
    expect([...items.keys()].sort()).toEqual(['SEG#vip|a', 'SEG#vip|b', 'SEG#vip|c', 'SEG#vip|d', 'SEG#vip|e']);
  });

  it('throws after a bounded number of retries when items stay unprocessed', async () => {
    ddb.on(BatchWriteCommand).callsFake((input) => ({ UnprocessedItems: input.RequestItems }));
    await expect(store({ retries: 2 }).apply([change('vip', 'a', 'entered'), change('vip', 'b', 'exited')])).rejects.toThrow(
      /left 2 segment membership writes unprocessed after 2 retries/,
    );
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(3);
  });

  it('collapses to the last change per member, in the order of those last changes', () => {
    const collapsed = collapseChanges([
      change('vip', 'a', 'entered'),
      change('vip', 'b', 'entered'),
      change('vip', 'a', 'exited'),
      change('new', 'a', 'entered'),
    ]);
    expect(collapsed.map((c) => `${c.change} ${c.segment} ${c.profileId}`)).toEqual(['entered vip b', 'exited vip a', 'entered new a']);
  });

  it('sends nothing for no changes', async () => {
    await store().apply([]);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('pages members in profile-id order; the cursor is base64url of the last id and round-trips', async () => {
    fakeMembership();
    const s = store();
    await s.apply([...['p5', 'p1', 'p4', 'p2', 'p3'].map((p) => change('vip', p, 'entered')), change('other', 'p0', 'entered')]);

    const first = await s.members('vip', 2);
    expect(first.profileIds).toEqual(['p1', 'p2']);
    expect(first.next).toBe(Buffer.from('p2').toString('base64url'));

    const pages = [first.profileIds];
    let cursor = first.next;
    while (cursor !== undefined) {
      const page = await s.members('vip', 2, cursor);
      pages.push(page.profileIds);
      cursor = page.next;
    }
    expect(pages).toEqual([['p1', 'p2'], ['p3', 'p4'], ['p5']]);

    const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries[0]).toMatchObject({ TableName: TABLE, Limit: 2, ExpressionAttributeValues: { ':pk': 'SEG#vip' } });
    expect(queries[0]).not.toHaveProperty('ExclusiveStartKey');
    expect(queries[1]?.ExclusiveStartKey).toEqual({ pk: 'SEG#vip', sk: 'p2' });
    expect(queries[2]?.ExclusiveStartKey).toEqual({ pk: 'SEG#vip', sk: 'p4' });
  });

  it('rejects a malformed cursor or limit before querying', async () => {
    fakeMembership();
    const s = store();
    for (const bad of ['', 'not base64!', 'cDI=', 'cDJ', 'c', '_w']) {
      await expect(s.members('vip', 10, bad), bad).rejects.toBeInstanceOf(InvalidCursorError);
    }
    await expect(s.members('vip', 10, 'a+b/')).rejects.toThrow(/malformed cursor/);
    await expect(s.members('vip', 0)).rejects.toThrow(RangeError);
    await expect(s.members('vip', 1.5)).rejects.toThrow(RangeError);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe('EventBridgePublisher', () => {
  it('publishes each change as an event, 23 changes in 3 calls of at most 10', async () => {
    const accepted = fakeBus();
    const changes = Array.from({ length: 23 }, (_, i) => change(`s${i}`, 'p1', i % 2 === 0 ? 'entered' : 'exited', i === 1 ? 'merged into p0' : undefined));
    await publisher().publish(changes);

    expect(putCalls().map((e) => e.length)).toEqual([10, 10, 3]);
    expect(accepted).toHaveLength(23);
    expect(accepted.map((e) => JSON.parse(e.Detail ?? 'null') as SegmentChange)).toEqual(changes);
    expect(accepted[0]).toMatchObject({ EventBusName: BUS, Source: 'c360.segments', DetailType: 'Segment Entered', Time: new Date(AT) });
    expect(accepted[1]).toMatchObject({ DetailType: 'Segment Exited' });
  });

  it('retries only the entries that failed', async () => {
    const accepted = fakeBus((entry, call) => (call === 1 && entry.Detail?.includes('"b"') ? 'ThrottlingException' : undefined));
    await publisher().publish([change('a', 'p1', 'entered'), change('b', 'p1', 'entered'), change('c', 'p1', 'exited')]);

    const calls = putCalls();
    expect(calls).toHaveLength(2);
    expect(calls[0]).toHaveLength(3);
    expect(calls[1]?.map((e) => (JSON.parse(e.Detail ?? '{}') as SegmentChange).segment)).toEqual(['b']);
    expect(accepted.map((e) => (JSON.parse(e.Detail ?? '{}') as SegmentChange).segment).sort()).toEqual(['a', 'b', 'c']);
  });

  it('throws after bounded retries, naming how many were not published', async () => {
    fakeBus((entry) => (entry.Detail?.includes('"a"') ? undefined : 'InternalFailure'));
    await expect(
      publisher(3).publish([change('a', 'p1', 'entered'), change('b', 'p1', 'entered'), change('c', 'p1', 'entered')]),
    ).rejects.toThrow(/did not publish 2 of 3 segment changes .* after 3 attempts \(InternalFailure ×2\)/);
    expect(putCalls().map((e) => e.length)).toEqual([3, 2, 2]);
  });

  it('keeps every call under 256 KB', () => {
    const big = 'x'.repeat(60 * 1024);
    const entries = Array.from({ length: 9 }, (_, i) => publisher().toEntry(change(`s${i}`, 'p1', 'exited', big)));
    const chunks = chunkEntries(entries);
    expect(chunks.map((c) => c.length)).toEqual([4, 4, 1]);
    for (const c of chunks) {
      expect(c.reduce((n, e) => n + Buffer.byteLength(e.Detail ?? ''), 0)).toBeLessThan(MAX_BYTES_PER_CALL);
    }
    expect(() => chunkEntries([publisher().toEntry(change('s', 'p', 'exited', 'y'.repeat(MAX_BYTES_PER_CALL)))])).toThrow(/exceeds the PutEvents limit/);
  });
});

describe('LocalBus', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-bus-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends one EventBridge-shaped JSON line per change and notifies subscribers', async () => {
    const path = join(dir, 'nested', 'bus', 'segments.jsonl');
    const errors: unknown[] = [];
    const bus = new LocalBus(path, { onSubscriberError: (err) => errors.push(err) });
    const seen: SegmentEventEnvelope[] = [];
    const unsubscribe = bus.subscribe((e) => {
      seen.push(e);
    });
    bus.subscribe(() => {
      throw new Error('subscriber broke');
    });

    const first = [change('vip', 'p1', 'entered'), change('churn', 'p2', 'exited', 'merged into p1')];
    await bus.publish(first);
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as SegmentEventEnvelope);
    expect(lines).toEqual([
      { source: 'c360.segments', 'detail-type': 'Segment Entered', time: AT, detail: first[0] },
      { source: 'c360.segments', 'detail-type': 'Segment Exited', time: AT, detail: first[1] },
    ]);
    expect(seen).toEqual(lines);
    expect(errors.map((e) => (e as Error).message)).toEqual(['subscriber broke', 'subscriber broke']);

    unsubscribe();
    await bus.publish([change('vip', 'p3', 'entered')]);
    expect((await readFile(path, 'utf8')).trimEnd().split('\n')).toHaveLength(3);
    expect(seen).toHaveLength(2);
  });
});

// ---- the stream handler -------------------------------------------------

function profile(id: string, segments: string[], extra: Partial<Profile> = {}): Profile {
  return {
    ...emptyProfile(id, '2026-10-01T00:00:00.000Z'),
    segments: Object.fromEntries(segments.map((s) => [s, '2026-10-02T00:00:00.000Z'])),
    ...extra,
  };
}

const profileItem = (p: Profile): Item => ({
  pk: `P#${p.profileId}`,
  sk: 'P',
  profileId: p.profileId,
  version: p.version,
  ...(p.mergedInto === undefined ? {} : { mergedInto: p.mergedInto }),
  updatedAt: p.updatedAt,
  doc: encodeProfile(p),
});

/** A stream image as the Lambda JSON event carries it: binary as base64 text. */
function image(item: Item): Record<string, AttributeValue> {
  const toJson = (v: unknown): unknown => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (Array.isArray(v)) return v.map(toJson);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
    return v;
  };
  return toJson(marshall(item)) as Record<string, AttributeValue>;
}

let seq = 100;
function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', oldItem: Item | undefined, newItem: Item | undefined): DynamoDBRecord {
  const key = (newItem ?? oldItem) as Item;
  const sequenceNumber = String(++seq).padStart(21, '0');
  return {
    eventID: `e-${sequenceNumber}`,
    eventName,
    eventSource: 'aws:dynamodb',
    eventVersion: '1.1',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/profiles/stream/2026-11-01T00:00:00.000',
    dynamodb: {
      ApproximateCreationDateTime: NOW / 1000,
      Keys: image({ pk: key.pk, sk: key.sk }),
      ...(oldItem === undefined ? {} : { OldImage: image(oldItem) }),
      ...(newItem === undefined ? {} : { NewImage: image(newItem) }),
      SequenceNumber: sequenceNumber,
      SizeBytes: 512,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

function handler(observed: SegmentBatchOutcome[] = []) {
  return createSegmentChangesHandler({ membership: store(), publisher: publisher(2), clock: () => NOW, observe: (o) => observed.push(o) });
}

const published = (entries: PutEventsRequestEntry[]) =>
  entries.map((e) => {
    const c = JSON.parse(e.Detail ?? '{}') as SegmentChange;
    return `${e.DetailType}: ${c.profileId} ${c.segment}${c.reason === undefined ? '' : ` (${c.reason})`}`;
  });

describe('segment changes stream handler', () => {
  it('delivers the changes of profile records, skipping other items, a merged-away profile exiting its segments', async () => {
    const members = fakeMembership();
    const accepted = fakeBus();
    const p2Before = profile('p2', ['vip', 'churn-risk']);
    const event: DynamoDBStreamEvent = {
      Records: [
        record('INSERT', undefined, profileItem(profile('p1', ['vip']))),
        // The journal and the identifier index are in the same table, without a doc.
        record('INSERT', undefined, { pk: 'P#p1', sk: 'J#0001', events: [] }),
        record('MODIFY', { pk: 'ID#email#a@b.c', sk: 'ID', profileId: 'p2' }, { pk: 'ID#email#a@b.c', sk: 'ID', profileId: 'p1' }),
        record('MODIFY', profileItem(p2Before), profileItem({ ...p2Before, version: 2, mergedInto: 'p1' })),
        record('MODIFY', profileItem(profile('p1', ['vip'])), profileItem(profile('p1', ['vip', 'churn-risk'], { version: 2 }))),
        record('REMOVE', profileItem(profile('p9', ['dormant'])), undefined),
      ],
    };
    const observed: SegmentBatchOutcome[] = [];
    const response = await handler(observed)(event);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(published(accepted)).toEqual([
      'Segment Entered: p1 vip',
      'Segment Exited: p2 churn-risk (merged into p1)',
      'Segment Exited: p2 vip (merged into p1)',
      'Segment Entered: p1 churn-risk',
      'Segment Exited: p9 dormant (profile deleted)',
    ]);
    expect(accepted.every((e) => (JSON.parse(e.Detail ?? '{}') as SegmentChange).at === AT)).toBe(true);
    expect([...members.keys()].sort()).toEqual(['SEG#churn-risk|p1', 'SEG#vip|p1']);
    expect(observed).toEqual([{ records: 6, profileRecords: 4, entered: 2, exited: 3, audited: 0 }]);
  });

  it('reports the first record it cannot read, after delivering those before it', async () => {
    const members = fakeMembership();
    const accepted = fakeBus();
    const broken = record('MODIFY', profileItem(profile('p2', [])), profileItem(profile('p2', ['vip'])));
    if (broken.dynamodb?.NewImage) broken.dynamodb.NewImage.doc = { B: Buffer.from('not deflated json').toString('base64') };
    const event: DynamoDBStreamEvent = {
      Records: [
        record('INSERT', undefined, profileItem(profile('p1', ['vip']))),
        broken,
        record('INSERT', undefined, profileItem(profile('p3', ['vip']))),
      ],
    };
    const observed: SegmentBatchOutcome[] = [];
    const response = await handler(observed)(event);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: broken.dynamodb?.SequenceNumber }] });
    expect(published(accepted)).toEqual(['Segment Entered: p1 vip']);
    expect([...members.keys()]).toEqual(['SEG#vip|p1']);
    expect(observed[0]?.failedSequenceNumber).toBe(broken.dynamodb?.SequenceNumber);
  });

  it('reports the first profile record when delivery fails, so the whole batch is retried from there', async () => {
    fakeMembership();
    fakeBus(() => 'InternalFailure');
    const first = record('INSERT', undefined, profileItem(profile('p1', ['vip'])));
    const event: DynamoDBStreamEvent = {
      Records: [
        record('INSERT', undefined, { pk: 'ID#userId#u1', sk: 'ID', profileId: 'p1' }),
        first,
        record('INSERT', undefined, profileItem(profile('p2', ['vip']))),
      ],
    };
    const response = await handler()(event);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: first.dynamodb?.SequenceNumber }] });
    expect(putCalls()).toHaveLength(2);
  });

  it('does nothing for a batch without segment changes', async () => {
    const p = profile('p1', ['vip']);
    const response = await handler()({
      Records: [record('MODIFY', profileItem(p), profileItem({ ...p, version: 2 })), record('INSERT', undefined, { pk: 'ID#x', sk: 'ID' })],
    });
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ddb.calls()).toHaveLength(0);
    expect(eb.calls()).toHaveLength(0);
  });
});

describe('applySegmentChanges', () => {
  it('writes membership before publishing, and publishes nothing when membership fails', async () => {
    const order: string[] = [];
    let failMembership = false;
    const membership: SegmentMembershipStore = {
      apply: async (changes) => {
        order.push(`membership ${changes.length}`);
        if (failMembership) throw new Error('throttled');
      },
      members: async () => ({ profileIds: [] }),
    };
    const pub: SegmentEventPublisher = {
      publish: async (changes) => {
        order.push(`publish ${changes.map((c) => `${c.change} ${c.segment} ${c.at}`).join(', ')}`);
      },
    };
    const counts = await applySegmentChanges(
      [{ after: profile('p1', ['a', 'b']) }, { before: profile('p2', ['a']), after: profile('p2', []) }],
      { membership, publisher: pub, clock: () => NOW },
    );
    expect(counts).toEqual({ entered: 2, exited: 1, audited: 0 });
    expect(order).toEqual(['membership 3', `publish entered a ${AT}, entered b ${AT}, exited a ${AT}`]);

    failMembership = true;
    order.length = 0;
    await expect(applySegmentChanges([{ after: profile('p1', ['a']) }], { membership, publisher: pub })).rejects.toThrow('throttled');
    expect(order).toEqual(['membership 1']);
  });
});

// ---- the audit of profile writes -----------------------------------------

describe('segment changes stream handler with an audit log', () => {
  const hasher = new KeyedSubjectHasher(Buffer.alloc(32, 7));
  function audit(opts: { fail?: boolean; order?: string[] } = {}) {
    const appended: AuditRecord[] = [];
    const value: ProfileChangeAudit = {
      log: {
        append: async (records) => {
          opts.order?.push(`audit ${records.length}`);
          if (opts.fail === true) throw new Error('Firehose did not take 2 of 2 audit records');
          appended.push(...records);
        },
      },
      records: (pairs, at) => auditDiffs(pairs, { hasher, at }),
    };
    return { appended, value };
  }
  const merge = { at: '2026-11-01T11:00:00.000Z', survivor: 'p1', merged: 'p2', rule: 'shared-identifier' as const, identifier: { type: 'email', value: 'ana@example.com' }, messageId: 'm-1' };
  const consent = { marketing_email: [{ status: 'denied' as const, at: Date.UTC(2026, 10, 1, 10), source: 'event', policyVersion: '1', messageId: 'm-0' }] };

  it('records the merges and consent changes the images show, hashed, whether or not segments changed', async () => {
    fakeMembership();
    fakeBus();
    const { appended, value } = audit();
    const p2 = profile('p2', []);
    const observed: SegmentBatchOutcome[] = [];
    const consume = createSegmentChangesHandler({ membership: store(), publisher: publisher(2), clock: () => NOW, audit: value, observe: (o) => observed.push(o) });
    const response = await consume({
      Records: [
        record('MODIFY', profileItem(p2), profileItem({ ...p2, version: 2, mergedInto: 'p1' })),
        record('MODIFY', profileItem(profile('p1', [])), profileItem(profile('p1', [], { version: 2, merges: [merge], mergedFrom: ['p2'], consent }))),
      ],
    });
    expect(response).toEqual({ batchItemFailures: [] });
    expect(appended).toEqual([
      {
        at: merge.at,
        action: 'profile.merge',
        actor: 'service:unify-consumer',
        subject: hasher.profile('p1'),
        detail: { rule: 'shared-identifier', merged: hasher.profile('p2'), messageId: 'm-1', identifierType: 'email' },
      },
      {
        at: '2026-11-01T10:00:00.000Z',
        action: 'consent.change',
        actor: 'service:unify-consumer',
        subject: hasher.profile('p1'),
        detail: { purpose: 'marketing_email', status: 'denied', source: 'event', previous: null },
      },
    ]);
    expect(JSON.stringify(appended)).not.toMatch(/ana@example\.com|"p1"|"p2"/);
    expect(observed).toEqual([{ records: 2, profileRecords: 2, entered: 0, exited: 0, audited: 2 }]);
    expect(eb.calls()).toHaveLength(0);
  });

  it('appends the records before membership and events, and retries the batch from its first profile record when they cannot be appended', async () => {
    fakeMembership();
    fakeBus();
    const order: string[] = [];
    const { value } = audit({ fail: true, order });
    const first = record('INSERT', undefined, profileItem(profile('p1', ['vip'], { consent })));
    const consume = createSegmentChangesHandler({ membership: store(), publisher: publisher(2), clock: () => NOW, audit: value });
    const response = await consume({ Records: [record('INSERT', undefined, { pk: 'ID#userId#u1', sk: 'ID', profileId: 'p1' }), first] });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: first.dynamodb?.SequenceNumber }] });
    expect(order).toEqual(['audit 1']);
    // Nothing else was done: the retry does it all, the audit first.
    expect(ddb.calls()).toHaveLength(0);
    expect(eb.calls()).toHaveLength(0);
  });

  it('appends nothing for writes that changed neither merges nor consent', async () => {
    const order: string[] = [];
    const { value } = audit({ order });
    const p = profile('p1', [], { merges: [merge], consent });
    const counts = await applySegmentChanges([{ before: p, after: { ...p, version: 2 } }], {
      membership: { apply: async () => {}, members: async () => ({ profileIds: [] }) },
      publisher: { publish: async () => {} },
      audit: value,
    });
    expect(counts).toEqual({ entered: 0, exited: 0, audited: 0 });
    expect(order).toEqual([]);
  });
});
