import type { KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import { aggregate } from '../../../lambda/shared/kpl';
import { createInteractionsConsumer } from '../../../lambda/activation/handlers/interactions';
import type { Interaction } from '../../../lambda/activation/contracts/recommendations';
import type { PersonalizeIngest } from '../../../lambda/activation/ports';
import { recordInteractionSettings, type InteractionBatchOutcome } from '../../../lambda/activation/usecases/record-interactions';
import { FakeViews, MemoryInteractions, view } from './support';

const config = parseConfig({});
const settings = recordInteractionSettings(config, (v) => (v === 'undefined' ? 'blocked value' : undefined));
const ARRIVAL = Date.UTC(2026, 10, 1, 12);

let seq = 0;
function kinesisEvent(payloads: Array<Buffer | object>, arrivalMs = ARRIVAL): KinesisStreamEvent {
  return {
    Records: payloads.map((p) => {
      seq++;
      const data = Buffer.isBuffer(p) ? p : Buffer.from(JSON.stringify(p));
      return {
        eventID: `shardId-000000000000:${seq}`,
        eventName: 'aws:kinesis:record',
        eventSource: 'aws:kinesis',
        eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/events',
        eventVersion: '1.0',
        awsRegion: 'us-east-1',
        invokeIdentityArn: 'arn:aws:iam::123456789012:role/consumer',
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: 'pk',
          sequenceNumber: String(seq).padStart(20, '0'),
          data: data.toString('base64'),
          approximateArrivalTimestamp: arrivalMs / 1000,
        },
      };
    }),
  };
}

const viewed = (messageId: string, ids: Record<string, string>, sku = 'SKU-1') => ({
  type: 'track',
  messageId,
  event: 'Product Viewed',
  timestamp: '2026-11-01T10:00:00.000Z',
  properties: { sku },
  ...ids,
});

class RecordingIngest implements PersonalizeIngest {
  readonly events: Interaction[] = [];
  async putEvents(interactions: readonly Interaction[]): Promise<void> {
    this.events.push(...interactions);
  }
  async putItems(): Promise<void> {
    throw new Error('not used');
  }
}

function setup(now = ARRIVAL + 1000) {
  const views = new FakeViews();
  const store = new MemoryInteractions();
  const ingest = new RecordingIngest();
  const outcomes: InteractionBatchOutcome[] = [];
  const consumer = createInteractionsConsumer({ views, interactions: store, personalize: ingest, settings, clock: () => now, observe: (o) => outcomes.push(o) });
  return { views, store, ingest, outcomes, consumer };
}

describe('the interactions consumer', () => {
  it('records interactions of a consenting profile under its profile id, with the anonymous id as session, in the store and Personalize', async () => {
    const { views, store, ingest, consumer, outcomes } = setup();
    views.add(view('p-1'), [['userId', 'u-1']]);
    const response = await consumer(kinesisEvent([viewed('m1', { userId: 'u-1', anonymousId: 'a-1' })]));
    expect(response.batchItemFailures).toEqual([]);
    const recorded = [...store.items.values()];
    expect(recorded).toEqual([expect.objectContaining({ profileId: 'p-1', itemId: 'SKU-1', eventType: 'View', sessionId: 'a-1', messageId: 'm1#0' })]);
    expect(ingest.events).toEqual(recorded);
    expect(outcomes[0]).toMatchObject({ payloads: 1, mapped: 1, recordedEvents: 1, interactions: 1, personalizeEvents: 1 });
  });

  it('skips the events of a profile without personalization consent, as a reason and not an error', async () => {
    const { views, store, ingest, consumer, outcomes } = setup();
    views.add(view('p-1', { personalization: 'denied', analytics: 'granted' }), [['anonymousId', 'a-1']]);
    const response = await consumer(kinesisEvent([viewed('m1', { anonymousId: 'a-1' })]));
    expect(response.batchItemFailures).toEqual([]);
    expect(store.items.size).toBe(0);
    expect(ingest.events).toEqual([]);
    expect(outcomes[0]).toMatchObject({ skippedNoConsent: 1, recordedEvents: 0, retried: 0 });
  });

  it('needs every purpose the recommendations use names', async () => {
    const strict = recordInteractionSettings(parseConfig({ governance: { consent: { uses: { recommendations: ['personalization', 'analytics'] } } } }));
    const views = new FakeViews().add(view('p-1', { personalization: 'granted', analytics: 'denied' }), [['anonymousId', 'a-1']]);
    const store = new MemoryInteractions();
    const outcomes: InteractionBatchOutcome[] = [];
    await createInteractionsConsumer({ views, interactions: store, settings: strict, clock: () => ARRIVAL, observe: (o) => outcomes.push(o) })(kinesisEvent([viewed('m1', { anonymousId: 'a-1' })]));
    expect(outcomes[0]?.skippedNoConsent).toBe(1);
    expect(store.items.size).toBe(0);
  });

  it('hands a record back for retry while no profile owns its identifiers, and records it once the profile exists', async () => {
    const { views, store, consumer, outcomes } = setup();
    const event = kinesisEvent([viewed('m1', { anonymousId: 'a-1' }), viewed('m2', { anonymousId: 'a-2' })]);
    views.add(view('p-2'), [['anonymousId', 'a-2']]);
    const first = await consumer(event);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.kinesis.sequenceNumber }]);
    expect(outcomes[0]).toMatchObject({ retried: 1, recordedEvents: 1 });
    views.add(view('p-1'), [['anonymousId', 'a-1']]);
    const second = await consumer(event);
    expect(second.batchItemFailures).toEqual([]);
    // The redelivered m2 wrote the same item again: two interactions in all.
    expect([...store.items.values()].map((i) => i.profileId).sort()).toEqual(['p-1', 'p-2']);
  });

  it('stops retrying an event no profile has claimed after the grace period: skipped, so it cannot hold the shard', async () => {
    const { consumer, outcomes } = setup(ARRIVAL + settings.unresolvedGraceMs + 1);
    const response = await consumer(kinesisEvent([viewed('m1', { anonymousId: 'nobody' })]));
    expect(response.batchItemFailures).toEqual([]);
    expect(outcomes[0]).toMatchObject({ skippedNoProfile: 1, retried: 0 });
  });

  it('resolves by identifier priority and records under the survivor the view resolves a merged-away owner to', async () => {
    const { views, store, consumer } = setup();
    const survivor = view('p-survivor');
    views.add(survivor);
    // userId's owner is merged away: the reader answers with the survivor's view.
    views.owners.set('userId:u-1', 'p-old');
    views.views.set('p-old', survivor);
    views.add(view('p-anon'), [['anonymousId', 'a-1']]);
    await consumer(kinesisEvent([viewed('m1', { userId: 'u-1', anonymousId: 'a-1' })]));
    expect([...store.items.values()].map((i) => i.profileId)).toEqual(['p-survivor']);
  });

  it('reads KPL-aggregated records, and accounts for every payload', async () => {
    const { views, consumer, outcomes } = setup();
    views.add(view('p-1'), [['anonymousId', 'a-1']]);
    const packed = aggregate(
      [viewed('k1', { anonymousId: 'a-1' }), { type: 'identify', messageId: 'k2', anonymousId: 'a-1', traits: {} }, { type: 'track', messageId: 'k3', event: 'Product Viewed', anonymousId: 'a-1', properties: {} }].map((e) => ({
        partitionKey: 'a-1',
        data: Buffer.from(JSON.stringify(e)),
      })),
    );
    const response = await consumer(kinesisEvent([packed, Buffer.from('{not json')]));
    expect(response.batchItemFailures).toEqual([]);
    const o = outcomes[0] as InteractionBatchOutcome;
    expect(o).toMatchObject({ records: 2, payloads: 4, invalid: 1, notInteractions: 1, mapped: 2, recordedEvents: 1, noItems: 1, rejectedItems: 1 });
    expect(o.rejectedReasons).toEqual({ 'no item id: the event has no product_id or sku and no products list': 1 });
    expect(o.payloads).toBe(o.invalid + o.notInteractions + o.mapped);
    expect(o.mapped).toBe(o.recordedEvents + o.noItems + o.skippedNoConsent + o.skippedNoProfile + o.retried);
  });

  it('looks each identifier up once per batch', async () => {
    const { views, consumer } = setup();
    views.add(view('p-1'), [['anonymousId', 'a-1']]);
    await consumer(kinesisEvent([viewed('m1', { anonymousId: 'a-1' }, 'A'), viewed('m2', { anonymousId: 'a-1' }, 'B'), viewed('m3', { anonymousId: 'a-1' }, 'C')]));
    expect(views.lookups).toBe(1);
  });

  it('hands back every record with writes when the store fails, and loses nothing on the retry', async () => {
    const { views, store, consumer, outcomes } = setup();
    views.add(view('p-1'), [['anonymousId', 'a-1']]);
    const event = kinesisEvent([viewed('m1', { anonymousId: 'a-1' }, 'A'), viewed('m2', { anonymousId: 'a-1' }, 'B')]);
    store.failNext = Object.assign(new Error('Throughput exceeded'), { name: 'ProvisionedThroughputExceededException' });
    const first = await consumer(event);
    expect(first.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(event.Records.map((r) => r.kinesis.sequenceNumber));
    expect(outcomes[0]).toMatchObject({ retried: 2, recordedEvents: 0, interactions: 0, errors: ['ProvisionedThroughputExceededException: Throughput exceeded'] });
    await consumer(event);
    expect([...store.items.values()].map((i) => i.itemId).sort()).toEqual(['A', 'B']);
  });

  it('does not look up events that record nothing', async () => {
    const { views, consumer } = setup();
    await consumer(kinesisEvent([{ type: 'identify', messageId: 'i1', userId: 'u-1', traits: { email: 'a@example.com' } }, viewed('m1', { anonymousId: 'a-1' }, '')]));
    expect(views.lookups).toBe(0);
  });
});
