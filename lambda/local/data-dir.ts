/** The local runtime's state folder: where its lake, on-failure files and bus live under `dataDir` (runtime.json: runtime-info.ts). */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface DataDir {
  /** The state folder, absolute. */
  readonly dataDir: string;
  /** The local lake: raw events by source and day, and the quarantine. */
  readonly lakeDir: string;
  /** On-failure destination of the unify consumer, one entry per line. */
  readonly unifyOnFailureFile: string;
  /** On-failure destination of the lake writer, one entry per line. */
  readonly lakeOnFailureFile: string;
  /** What the local event bus appends: segment entered/exited events. */
  readonly busFile: string;
  /** The local curated zone: profile exports as Parquet (lambda/analytics/contracts/curated.ts). */
  readonly curatedDir: string;
  /** The local DynamoDB's tables (dynalite on LevelDB). */
  readonly dynamodbDir: string;
  /** The local Kinesis stream (kinesalite on LevelDB): records, shards and sequence numbers survive a restart. */
  readonly kinesisDir: string;
  /** Each local poller's position in the stream (checkpoints.ts). */
  readonly checkpointsDir: string;
  /** Present once the demo dataset has been sent, so a restart does not send it again. */
  readonly demoMarker: string;
}

/** The layout under `dir`, with the folders the runtime appends to created. */
export async function prepareDataDir(dir: string): Promise<DataDir> {
  const dataDir = resolve(dir);
  const onFailure = join(dataDir, 'on-failure');
  await mkdir(onFailure, { recursive: true });
  return {
    dataDir,
    lakeDir: join(dataDir, 'lake'),
    unifyOnFailureFile: join(onFailure, 'unify-consumer.jsonl'),
    lakeOnFailureFile: join(onFailure, 'lake-writer.jsonl'),
    busFile: join(dataDir, 'bus', 'segment-events.jsonl'),
    curatedDir: join(dataDir, 'curated'),
    dynamodbDir: join(dataDir, 'dynamodb'),
    kinesisDir: join(dataDir, 'kinesis'),
    checkpointsDir: join(dataDir, 'checkpoints'),
    demoMarker: join(dataDir, 'demo-sent.json'),
  };
}

/** Entries every started runtime leaves in its data directory. */
const RUNTIME_MARKS = ['on-failure', 'runtime.json', 'dynamodb', 'kinesis'];

/**
 * Removes everything the local runtime keeps under `dir` (tables, stream,
 * checkpoints, lake, reports, keys) so the next start begins empty; resolves
 * with the absolute paths removed, none when there was nothing.
 */
export async function resetDataDir(dir: string): Promise<string[]> {
  const dataDir = resolve(dir);
  let names: string[];
  try {
    names = await readdir(dataDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  if (names.length === 0) return [];
  // A guard against a data directory set to a folder of other files: only a folder the runtime has used is emptied.
  if (!names.some((name) => RUNTIME_MARKS.includes(name))) {
    throw new Error(`${dataDir} does not look like a c360 data directory (none of ${RUNTIME_MARKS.join(', ')}); nothing removed`);
  }
  const removed = names.sort().map((name) => join(dataDir, name));
  for (const path of removed) await rm(path, { recursive: true, force: true });
  return removed;
}
