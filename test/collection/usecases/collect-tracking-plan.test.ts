/**
 * The tracking plan at the collector: a blocked violation rejects the event
 * with its reasons (a single call answers 400, a batch lists it in
 * `rejected`), an allowed one is written flagged with its violations, every
 * written event carries the checked flag, and an empty plan changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import { ConfigWriteKeys } from '../../../lambda/collection/adapters/write-keys';
import { createCollector } from '../../../lambda/collection/handlers/collector';
import type { EventSink, OutgoingRecord } from '../../../lambda/collection/ports';
import { collect, ingestOptionsOf } from '../../../lambda/collection/usecases/collect';
import { httpApiEvent } from '../../../lambda/local/http-api-event';

const WEB_KEY = 'web-write-key-0001';
const POS_KEY = 'pos-write-key-0001';
const NOW = Date.UTC(2026, 10, 1, 12, 0, 0);

const config = parseConfig({
  collection: { sources: { web: { localWriteKeys: [WEB_KEY] }, pos: { localWriteKeys: [POS_KEY] } } },
  trackingPlan: {
    mode: 'allow',
    sources: { pos: 'block' },
    events: {
      'Order Completed': {
        properties: { order_id: { type: 'string' }, revenue: { type: 'number', min: 0 } },
        required: ['order_id', 'revenue'],
      },
    },
  },
});

type Json = Record<string, unknown>;

function memorySink(): EventSink & { records: OutgoingRecord[]; events: () => Json[] } {
  const records: OutgoingRecord[] = [];
  return {
    records,
    async put(group) {
      records.push(...group);
      return { calls: 1, retried: 0 };
    },
    events: () => records.map((r) => JSON.parse(r.data.toString('utf8')) as Json),
  };
}

const order = (messageId: string, properties: Json) => ({ type: 'track', event: 'Order Completed', messageId, userId: 'u1', properties });

describe('collect with a tracking plan', () => {
  it('rejects what a blocking source breaks, with the reasons, and writes the rest checked', async () => {
    const sink = memorySink();
    const outcome = await collect(
      { events: [order('m1', { order_id: 'A-1', revenue: 10 }), order('m2', { revenue: -1 }), { type: 'page', userId: 'u1', messageId: 'm3' }], source: 'pos', receivedAt: NOW },
      { events: sink, ingest: ingestOptionsOf(config) },
    );
    expect(outcome.rejected).toEqual([{ index: 1, messageId: 'm2', reason: 'tracking plan: Order Completed: order_id: required; revenue: below min 0' }]);
    expect(outcome).toMatchObject({ accepted: 2, written: 2, flagged: 0, messageIds: ['m1', 'm3'] });
    expect(sink.events().map((e) => (e.context as Json).c360)).toEqual([{ plan: 'checked' }, { plan: 'checked' }]);
  });

  it('accepts what an allowing source breaks, flagged with its violations', async () => {
    const sink = memorySink();
    const outcome = await collect(
      { events: [order('m1', { order_id: 7, revenue: 10 })], source: 'web', receivedAt: NOW },
      { events: sink, ingest: ingestOptionsOf(config) },
    );
    expect(outcome).toMatchObject({ accepted: 1, written: 1, flagged: 1, rejected: [] });
    const [event] = sink.events();
    expect((event?.context as Json).c360).toEqual({ plan: 'checked', violations: [{ property: 'order_id', reason: 'expected string, got number' }] });
    expect((event?.context as Json).source).toBe('web');
  });

  it('checks the event as the client sent it, after the batch defaults apply', async () => {
    const strict = parseConfig({ trackingPlan: { mode: 'block', identify: { properties: { email: { type: 'string', pattern: '^[A-Z]' } }, required: ['email'] } } });
    const sink = memorySink();
    const outcome = await collect(
      // Ingest lower-cases emails; the plan sees the address as sent.
      { events: [{ type: 'identify', userId: 'u1', traits: { email: 'Ana@Example.com' } }, { type: 'identify', userId: 'u2', traits: {} }], source: 'web', receivedAt: NOW },
      { events: sink, ingest: ingestOptionsOf(strict) },
    );
    expect(outcome.accepted).toBe(1);
    expect(outcome.rejected.map((r) => r.reason)).toEqual(['tracking plan: identify: email: required']);
  });

  it('reports invalid events as before, before the plan', async () => {
    const sink = memorySink();
    const outcome = await collect({ events: [{ type: 'track', event: 'Order Completed' }], source: 'pos', receivedAt: NOW }, { events: sink, ingest: ingestOptionsOf(config) });
    expect(outcome.rejected[0]?.reason).toBe('an event needs a userId or an anonymousId');
  });

  it('changes nothing with the default (empty) plan: no flag, no count', async () => {
    const sink = memorySink();
    const outcome = await collect(
      { events: [order('m1', { anything: true })], source: 'pos', receivedAt: NOW },
      { events: sink, ingest: ingestOptionsOf(parseConfig({})) },
    );
    expect(outcome.accepted).toBe(1);
    expect(outcome.flagged).toBeUndefined();
    expect((sink.events()[0]?.context as Json).c360).toBeUndefined();
  });
});

describe('the collector with a tracking plan', () => {
  function post(path: string, key: string, body: unknown) {
    const sink = memorySink();
    const handler = createCollector({
      writeKeys: new ConfigWriteKeys(config.collection.sources),
      events: sink,
      ingest: ingestOptionsOf(config),
      corsAllowedOrigins: ['*'],
      now: () => NOW,
    });
    const request = httpApiEvent({
      method: 'POST',
      path,
      headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`, 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(body)),
      now: NOW,
    });
    return handler(request).then((r) => ({ statusCode: r.statusCode, body: JSON.parse(r.body) as Json, sink }));
  }

  it('answers a blocked single call with 400 and the reason', async () => {
    const res = await post('/v1/track', POS_KEY, { event: 'Order Completed', userId: 'u1', messageId: 'm1', properties: { order_id: 'A-1' } });
    expect(res.statusCode).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_event', message: 'tracking plan: Order Completed: revenue: required', messageId: 'm1' });
    expect(res.sink.records).toHaveLength(0);
  });

  it('lists blocked events of a batch in rejected and writes the others', async () => {
    const res = await post('/v1/batch', POS_KEY, {
      batch: [
        { type: 'track', event: 'Order Completed', userId: 'u1', messageId: 'ok', properties: { order_id: 'A-1', revenue: 1 } },
        { type: 'track', event: 'Order Completed', userId: 'u1', messageId: 'bad', properties: { order_id: 'A-2', revenue: 'ten' } },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ success: true, accepted: 1, written: 1, rejected: [{ index: 1, messageId: 'bad', reason: 'tracking plan: Order Completed: revenue: expected number, got string' }] });
  });

  it('accepts an allowed violation with 200', async () => {
    const res = await post('/v1/track', WEB_KEY, { event: 'Order Completed', userId: 'u1', properties: {} });
    expect(res.statusCode).toBe(200);
    expect(((res.sink.events()[0]?.context as Json).c360 as Json).violations).toHaveLength(2);
  });
});
