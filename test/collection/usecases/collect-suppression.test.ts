/**
 * The suppression list on the collection paths: the collector drops an
 * erased person's events before the stream and answers success with the
 * count, the file import counts their rows as rejected without keeping them,
 * and without a check nothing changes.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import { ConfigWriteKeys } from '../../../lambda/collection/adapters/write-keys';
import { createCollector } from '../../../lambda/collection/handlers/collector';
import type { EventSink, OutgoingRecord } from '../../../lambda/collection/ports';
import { collect, ingestOptionsOf } from '../../../lambda/collection/usecases/collect';
import { importFile, importSettings } from '../../../lambda/collection/usecases/import-file';
import { SUPPRESSED_REASON } from '../../../lambda/governance/contracts/suppression';
import type { IngestSuppression } from '../../../lambda/governance/ports';
import type { Identifier } from '../../../lambda/shared/events';
import { httpApiEvent } from '../../../lambda/local/http-api-event';

const KEY = 'web-write-key-0001';
const NOW = Date.UTC(2026, 10, 1, 12, 0, 0);
const config = parseConfig({
  collection: {
    sources: {
      web: { localWriteKeys: [KEY] },
      crm: { file: { type: 'identify', userId: 'customer_id', email: 'email', traits: { firstName: 'first_name' } } },
    },
  },
});

/** Suppresses anyone holding one of `erased` (`type:value`); records what it was asked. */
function suppressionOf(erased: string[]): IngestSuppression & { asked: Identifier[][][] } {
  const asked: Identifier[][][] = [];
  return {
    asked,
    check: {
      suppressed: async (sets) => {
        asked.push(sets.map((s) => [...s]));
        return sets.map((ids) => ids.some((id) => erased.includes(`${id.type}:${id.value}`)));
      },
    },
    identifiers: { identifierTypes: config.unification.identity.identifiers, defaultPhoneRegion: 'US' },
  };
}

function memorySink(): EventSink & { records: OutgoingRecord[] } {
  const records: OutgoingRecord[] = [];
  return {
    records,
    async put(group) {
      records.push(...group);
      return { calls: 1, retried: 0 };
    },
  };
}

const userIds = (records: OutgoingRecord[]) => records.map((r) => (JSON.parse(r.data.toString('utf8')) as { userId?: string }).userId);

describe('collect with a suppression check', () => {
  it('drops the events of an erased person before the stream, counts them, and asks once per request with normalised identifiers', async () => {
    const sink = memorySink();
    const suppression = suppressionOf(['email:ana@example.com']);
    const outcome = await collect(
      {
        events: [
          { type: 'identify', userId: 'u-1', messageId: 'm1', traits: { email: ' ANA@example.com' } },
          { type: 'track', event: 'E', userId: 'u-2', messageId: 'm2' },
          { type: 'track', userId: 'u-3' },
        ],
        source: 'web',
        receivedAt: NOW,
      },
      { events: sink, ingest: ingestOptionsOf(config), suppression },
    );
    expect(outcome).toMatchObject({ accepted: 1, written: 1, suppressed: 1, messageIds: ['m2'] });
    expect(outcome.rejected).toHaveLength(1);
    expect(userIds(sink.records)).toEqual(['u-2']);
    expect(suppression.asked).toHaveLength(1);
    expect(suppression.asked[0]?.[0]).toEqual(expect.arrayContaining([{ type: 'email', value: 'ana@example.com' }, { type: 'userId', value: 'u-1' }]));
  });

  it('changes nothing without a check', async () => {
    const sink = memorySink();
    const outcome = await collect({ events: [{ type: 'track', event: 'E', userId: 'u-1' }], source: 'web', receivedAt: NOW }, { events: sink, ingest: ingestOptionsOf(config) });
    expect(outcome).not.toHaveProperty('suppressed');
    expect(outcome.written).toBe(1);
  });

  it('answers the SDK with success for a suppressed single event and batch, with the count', async () => {
    const sink = memorySink();
    const handler = createCollector({
      writeKeys: new ConfigWriteKeys(config.collection.sources),
      events: sink,
      ingest: ingestOptionsOf(config),
      corsAllowedOrigins: ['*'],
      suppression: suppressionOf(['userId:u-erased']),
      now: () => NOW,
    });
    const post = (path: string, body: object) =>
      handler(
        httpApiEvent({
          method: 'POST',
          path,
          headers: { authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}`, 'content-type': 'application/json' },
          body: Buffer.from(JSON.stringify(body)),
          now: NOW,
        }),
      ).then((r) => ({ status: r.statusCode, body: JSON.parse(r.body) as Record<string, unknown> }));

    expect(await post('/v1/track', { userId: 'u-erased', event: 'E' })).toEqual({ status: 200, body: { success: true, accepted: 0, written: 0, notWritten: 0, suppressed: 1 } });
    const batch = await post('/v1/batch', { batch: [{ type: 'track', userId: 'u-erased', event: 'E' }] });
    expect(batch).toEqual({ status: 200, body: { success: true, accepted: 0, written: 0, notWritten: 0, suppressed: 1, rejected: [] } });
    expect(sink.records).toEqual([]);
  });
});

describe('import with a suppression check', () => {
  const memory = (suppression?: IngestSuppression) => {
    const sent: OutgoingRecord[] = [];
    let rejectsText = '';
    return {
      sent,
      rejects: () => rejectsText,
      deps: {
        settings: importSettings(config),
        clock: () => NOW,
        events: { put: async (r: readonly OutgoingRecord[]) => (sent.push(...r), { calls: 1, retried: 0 }) },
        rejects: { open: () => ({ location: 'mem://rejects', write: async (t: string) => void (rejectsText += t), close: async () => {}, abort: async () => {} }) },
        reports: { location: 'mem://report', put: async () => {} },
        ...(suppression === undefined ? {} : { suppression }),
        batchSize: 2,
      },
    };
  };
  const csv = 'customer_id,email,first_name\nc-1,ana@example.com,Ana\nc-2,bob@example.com,Bob\nc-3,ANA@example.com,Ana\n,,Nobody\n';
  const input = () => ({ key: 'landing/crm/contacts.csv', body: Readable.from([Buffer.from(csv)]), fileTime: NOW });

  it("counts an erased person's rows as rejected under the suppression reason, sends none and keeps none in the rejects file", async () => {
    const m = memory(suppressionOf(['email:ana@example.com']));
    const report = await importFile(input(), m.deps);
    expect(report).toMatchObject({ rowsRead: 4, sent: 1, rejected: 3, duplicates: 0, unsent: 0 });
    expect(report.reasons).toMatchObject({ [SUPPRESSED_REASON]: 2 });
    expect(userIds(m.sent)).toEqual(['c-2']);
    expect(m.rejects()).not.toMatch(/ana@|c-1|c-3/i);
    expect(m.rejects()).toMatch(/Nobody/);
  });

  it('changes nothing without a check', async () => {
    const m = memory();
    const report = await importFile(input(), m.deps);
    expect(report).toMatchObject({ sent: 3, rejected: 1 });
  });

  it('fails the import (rows counted unsent) when the suppression list cannot answer, instead of sending', async () => {
    const m = memory({ check: { suppressed: async () => Promise.reject(new Error('list unavailable')) }, identifiers: { identifierTypes: ['email'], defaultPhoneRegion: 'US' } });
    await expect(importFile(input(), m.deps)).rejects.toMatchObject({ report: { status: 'failed', sent: 0, reason: 'list unavailable' } });
    expect(m.sent).toEqual([]);
  });
});
