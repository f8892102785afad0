/**
 * The tracking plan at the stream consumer: events producers wrote to the
 * stream directly are checked (blocked ones quarantined with the reason,
 * allowed ones applied and counted), KPL sub-records included; events the
 * collector flagged as checked are not checked again; an empty plan changes
 * nothing.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import { aggregate } from '../../../lambda/shared/kpl';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import type { QuarantineEntry, QuarantineSink } from '../../../lambda/unification/ports';
import { unifySettings } from '../../../lambda/unification/settings';
import { unifyBatch } from '../../../lambda/unification/usecases/unify-batch';
import { record, track } from '../../support/events';

const config = parseConfig({
  trackingPlan: {
    sources: { pos: 'block' },
    events: { 'Order Completed': { properties: { order_id: { type: 'string' } }, required: ['order_id'] } },
  },
});

function run(records: Parameters<typeof unifyBatch>[0], settings = unifySettings(config)) {
  const quarantined: QuarantineEntry[] = [];
  const quarantine: QuarantineSink = {
    async put(_batchId, entries) {
      quarantined.push(...entries);
    },
  };
  const store = new MemoryProfileStore();
  return unifyBatch(records, 'batch-1', 'kinesis', { store, quarantine, settings, clock: () => Date.UTC(2026, 10, 1, 12) }).then((outcome) => ({ outcome, quarantined }));
}

const order = (messageId: string, source: string | undefined, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  track(messageId, { event: 'Order Completed', userId: `u-${messageId}`, properties, context: { ...(source === undefined ? {} : { source }), ...extra } });

describe('unify batch with a tracking plan', () => {
  it('quarantines what a blocking source breaks, with the reason, and applies and counts what an allowing one breaks', async () => {
    const blocked = record(order('b1', 'pos', {}));
    const { outcome, quarantined } = await run([blocked, record(order('f1', 'web', { order_id: 1 })), record(order('ok', 'pos', { order_id: 'A' }))]);
    expect(outcome).toMatchObject({ applied: 2, quarantined: 1, flagged: 1, blockedByPlan: 1 });
    expect(quarantined).toEqual([
      {
        reason: 'tracking plan: Order Completed: order_id: required',
        source: 'kinesis',
        sequenceNumber: blocked.sequenceNumber,
        partitionKey: 'pk',
        receivedAt: '2026-11-01T00:00:00.000Z',
        data: blocked.data.toString('utf8'),
        encoding: 'utf8',
      },
    ]);
  });

  it('uses the consumer source for events without context.source', async () => {
    const blocking = parseConfig({ trackingPlan: { sources: { kinesis: 'block' }, events: { 'Order Completed': { required: ['x'], properties: { x: { type: 'string' } } } } } });
    const { outcome } = await run([record(order('n1', undefined, {}))], unifySettings(blocking));
    expect(outcome).toMatchObject({ applied: 0, quarantined: 1 });
  });

  it('does not check again what the collector checked', async () => {
    const checked = order('c1', 'pos', {}, { c360: { plan: 'checked' } });
    const { outcome, quarantined } = await run([record(checked)]);
    expect(outcome).toMatchObject({ applied: 1, quarantined: 0, flagged: 0, blockedByPlan: 0 });
    expect(quarantined).toEqual([]);
  });

  it('checks KPL sub-records one by one, naming the sub-record', async () => {
    const data = aggregate([
      { partitionKey: 'pk', data: Buffer.from(JSON.stringify(order('k1', 'pos', { order_id: 'A' }))) },
      { partitionKey: 'pk', data: Buffer.from(JSON.stringify(order('k2', 'pos', { order_id: false }))) },
    ]);
    const { outcome, quarantined } = await run([record(data)]);
    expect(outcome).toMatchObject({ applied: 1, quarantined: 1 });
    expect(quarantined[0]).toMatchObject({ subSequence: 1, reason: 'tracking plan: Order Completed: order_id: expected string, got boolean' });
    expect(JSON.parse(quarantined[0]?.data as string)).toMatchObject({ messageId: 'k2' });
  });

  it('quarantines unplanned events when unplannedEvents is block, next to the records that fail parsing', async () => {
    const closed = parseConfig({ trackingPlan: { unplannedEvents: 'block', events: { 'Order Completed': {} } } });
    const { outcome, quarantined } = await run([record(track('u1', { userId: 'u1', event: 'Other' })), record('not json')], unifySettings(closed));
    expect(outcome).toMatchObject({ applied: 0, quarantined: 2 });
    expect(quarantined.map((q) => q.reason)).toEqual([expect.stringMatching(/^invalid JSON/), 'tracking plan: Other: event is not in the tracking plan']);
  });

  it('changes nothing with the default (empty) plan', async () => {
    const { outcome } = await run([record(order('e1', 'pos', {}))], unifySettings(parseConfig({})));
    expect(outcome).toMatchObject({ applied: 1, quarantined: 0 });
    expect(outcome.flagged).toBeUndefined();
  });
});
