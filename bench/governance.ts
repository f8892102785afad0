/**
 * Governance figures through the local runtime: how long erasing one person
 * takes once the demo has filled every store (target: seconds locally; the
 * deployed workflow's bound is the stream retention it waits out), what the
 * receipt counted, and what the suppression check costs per event beside the
 * JSON parse of the same event (a ratio, measured in the same run).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { C360Config } from '../lambda/config';
import { parseConfig } from '../lambda/config';
import { suppressionIdentifiers } from '../lambda/governance/contracts/suppression';
import { CachedSuppressionCheck } from '../lambda/governance/adapters/suppression-check';
import { FileSuppressionList, localSuppressionFile } from '../lambda/governance/adapters/file-suppression-list';
import { localSubjectHasher } from '../lambda/governance/adapters/local-hash-key';
import { generateDemo } from '../lambda/local/demo';
import { startLocalRuntime } from '../lambda/local/runtime';
import { payloadOf, sendPayloads } from '../lambda/local/send';
import { atMost, type Figure } from './figures';

export async function benchGovernance(base: C360Config, people: number): Promise<Figure[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'c360-bench-governance-'));
  const config = parseConfig({ ...base, local: { ...base.local, dataDir, apiPort: 0 } });
  const runtime = await startLocalRuntime(config, { apiPort: 0, dataDir });
  const figures: Figure[] = [];
  try {
    const demo = generateDemo({ people, seed: 3 });
    await sendPayloads(runtime.kinesis, runtime.streamName, demo.events.map((e) => payloadOf(JSON.stringify(e))));
    await runtime.poller?.drain(600_000);
    await runtime.lakePoller?.drain(600_000);
    await runtime.exportProfiles();
    const workload = `demo retail dataset, ${people} people, ${demo.events.length} events; after the lake landed and one profile export`;
    const email = demo.events.map((e) => (e.traits as Record<string, unknown> | undefined)?.email).find((v): v is string => typeof v === 'string');
    if (email === undefined) throw new Error('the demo has no email to erase');

    const t0 = performance.now();
    const receipt = await runtime.erase({ identifier: { type: 'email', value: email } }, { reason: 'bench' });
    const seconds = (performance.now() - t0) / 1000;
    const items = receipt.stores.reduce((n, s) => n + s.itemsAffected, 0);
    const objects = receipt.stores.reduce((n, s) => n + (s.objectsAffected ?? 0), 0);
    figures.push(
      { section: 'governance', name: 'erasure of one person, local, wall clock', value: seconds, unit: 's', workload, ...atMost(seconds, 10) },
      { section: 'governance', name: 'erasure: items and records removed', value: items, unit: 'items', workload: `${workload}; every local store (${receipt.stores.length} reports, status ${receipt.status})` },
      { section: 'governance', name: 'erasure: files rewritten or deleted', value: objects, unit: 'files', workload },
    );

    // The suppression check per event (hash every identifier, look the hashes up), beside parsing the event.
    const hasher = await localSubjectHasher(dataDir);
    const check = new CachedSuppressionCheck(new FileSuppressionList(localSuppressionFile(dataDir)), hasher);
    const texts = demo.events.slice(0, 20_000).map((e) => JSON.stringify(e));
    const options = { identifierTypes: config.unification.identity.identifiers, defaultPhoneRegion: config.normalization.defaultPhoneRegion };
    const p0 = performance.now();
    const parsed = texts.map((t) => JSON.parse(t) as Record<string, unknown>);
    const parseMs = performance.now() - p0;
    const c0 = performance.now();
    await check.suppressed(parsed.map((e) => suppressionIdentifiers(e, options)));
    const checkMs = performance.now() - c0;
    const checkWorkload = `${texts.length} demo events in one call: identifiers extracted and normalised, HMAC-SHA256 each, looked up (cold cache)`;
    figures.push(
      { section: 'governance', name: 'suppression check per event', value: (checkMs * 1000) / texts.length, unit: 'µs/event', workload: checkWorkload },
      { section: 'governance', name: 'suppression check / JSON.parse of the same events', value: checkMs / parseMs, unit: 'ratio', workload: checkWorkload },
    );
  } finally {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  return figures;
}
