/** The local runtime's state folder: where its lake, on-failure files and bus live under `dataDir` (runtime.json: runtime-info.ts). */
import { mkdir } from 'node:fs/promises';
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
  };
}
