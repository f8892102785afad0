/** Starts a local runtime in a temporary folder with a free API port, for end-to-end tests. */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { parseConfig, type C360ConfigInput } from '../../lambda/config';
import { decodeProfile } from '../../lambda/unification/contracts/profile-document';
import type { Profile } from '../../lambda/unification/core/profile/profile';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../lambda/local/runtime';
import type { QuarantineEntry } from '../../lambda/unification/ports';

export async function testRuntime(
  overrides: C360ConfigInput = {},
  opts: LocalRuntimeOptions = {},
): Promise<LocalRuntime> {
  const dataDir = await mkdtemp(join(tmpdir(), 'c360-test-'));
  const config = parseConfig({
    ...overrides,
    local: { dataDir, apiPort: 0, pollIntervalMs: 20, ...overrides.local },
  });
  return startLocalRuntime(config, { apiPort: 0, dataDir, ...opts });
}

/** Every profile item in the local table (merged-away ones included). */
export async function allProfiles(runtime: LocalRuntime): Promise<Profile[]> {
  const out: Profile[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await runtime.doc.send(new ScanCommand({ TableName: runtime.tableName, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) if (item.sk === 'P') out.push(decodeProfile(item.doc));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return out.sort((a, b) => (a.profileId < b.profileId ? -1 : 1));
}

/** Every quarantine entry the local lake holds. */
export async function quarantineEntries(runtime: LocalRuntime): Promise<QuarantineEntry[]> {
  const root = join(runtime.lakeDir, 'quarantine');
  const files = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  const entries: QuarantineEntry[] = [];
  for (const f of files.filter((name) => name.endsWith('.jsonl'))) {
    const text = await readFile(join(root, f), 'utf8');
    for (const line of text.split('\n')) if (line.trim()) entries.push(JSON.parse(line) as QuarantineEntry);
  }
  return entries;
}

export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Every record on the local stream from its trim horizon, decoded as JSON. */
export async function streamEvents<T = Record<string, unknown>>(runtime: LocalRuntime): Promise<T[]> {
  const events: T[] = [];
  const { Shards } = await runtime.kinesis.send(new ListShardsCommand({ StreamName: runtime.streamName }));
  for (const shard of Shards ?? []) {
    const { ShardIterator } = await runtime.kinesis.send(
      new GetShardIteratorCommand({ StreamName: runtime.streamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const { Records } = await runtime.kinesis.send(new GetRecordsCommand({ ShardIterator }));
    for (const r of Records ?? []) events.push(JSON.parse(Buffer.from(r.Data as Uint8Array).toString('utf8')) as T);
  }
  return events;
}
