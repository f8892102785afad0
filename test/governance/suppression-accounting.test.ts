/**
 * The accounting invariant with an erased person on the stream: after an
 * erasure of someone the runtime never saw (which still completes and still
 * suppresses the identifier named), every record sent is applied,
 * quarantined with a reason, or counted as suppressed, exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../lambda/local/runtime';
import { payloadOf, sendPayloads } from '../../lambda/local/send';
import { expectAccounting, expectedOutcome } from '../support/accounting';
import { allProfiles, testRuntime } from '../support/runtime';

const GONE = { type: 'email', value: 'gone.person@example.com' };

describe('accounting with suppressed events', () => {
  let runtime: LocalRuntime;
  beforeAll(async () => {
    runtime = await testRuntime();
  }, 60_000);
  afterAll(async () => runtime?.stop());

  it('completes an erasure of someone unknown, every store nothing-found or not-deployed', async () => {
    const receipt = await runtime.erase({ identifier: GONE }, { reason: 'unknown person' });
    expect(receipt).toMatchObject({ status: 'complete', profiles: 0, identifiers: 1, suppressed: 1 });
    expect(receipt.stores.every((s) => s.status === 'nothing-found' || s.status === 'not-deployed')).toBe(true);
    expect(receipt.stores.filter((s) => s.status === 'nothing-found').map((s) => s.store)).toContain('profiles');
  });

  it('applies, quarantines or suppresses every record sent, once', async () => {
    const at = new Date(Date.now() - 3600_000).toISOString();
    const events = [
      { type: 'identify', messageId: 'g-1', userId: 'u-gone', traits: { email: 'Gone.Person@Example.com' }, timestamp: at },
      { type: 'track', messageId: 'g-2', event: 'Viewed', anonymousId: 'a-gone', context: { traits: { email: GONE.value } }, timestamp: at },
      { type: 'track', messageId: 'g-3', userId: 'u-gone-2', context: { traits: { email: GONE.value } } },
      { type: 'identify', messageId: 'k-1', userId: 'u-kept', traits: { email: 'kept@example.com' }, timestamp: at },
      { type: 'track', messageId: 'k-2', event: 'Viewed', userId: 'u-kept', timestamp: at },
      { type: 'track', messageId: 'k-3', userId: 'u-kept' },
    ];
    const records = [...events.map((e) => payloadOf(JSON.stringify(e))), payloadOf('not json at all')];
    await sendPayloads(runtime.kinesis, runtime.streamName, records);
    await runtime.poller?.drain();

    const expected = expectedOutcome(runtime, records, (ids) => ids.some((id) => id.type === GONE.type && id.value === GONE.value));
    expect(expected).toMatchObject({ suppressedPayloads: 3, rejectedPayloads: 2 });
    expect(expected.validKeys).toHaveLength(2);
    await expectAccounting(runtime, expected);
    expect((await allProfiles(runtime)).flatMap((p) => p.identifiers.email ?? [])).toEqual(['kept@example.com']);
  });
});
