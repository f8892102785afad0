/**
 * The local pollers' positions in the stream: one JSON file per poller under
 * `<dataDir>/checkpoints/`, mapping each shard id to the last sequence number
 * the poller handled. Written whole to a temporary file and renamed, so a
 * stop mid-write leaves the previous position rather than a torn file.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ShardCheckpoints } from './poller';

export class FileCheckpoints implements ShardCheckpoints {
  private positions: Record<string, string> | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  async read(shardId: string): Promise<string | undefined> {
    return (await this.load())[shardId];
  }

  async write(shardId: string, sequenceNumber: string): Promise<void> {
    const positions = await this.load();
    positions[shardId] = sequenceNumber;
    const text = JSON.stringify(positions, null, 2) + '\n';
    // Shards write concurrently: one write at a time, each with every shard's latest position.
    this.writing = this.writing.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      await writeFile(`${this.file}.tmp`, text);
      await rename(`${this.file}.tmp`, this.file);
    });
    await this.writing;
  }

  private async load(): Promise<Record<string, string>> {
    if (this.positions !== undefined) return this.positions;
    let text: string | undefined;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const parsed: unknown = text === undefined ? {} : JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
      throw new Error(`${this.file} is not a checkpoint file (an object of shard id to sequence number); remove it to read the stream from its start`);
    }
    this.positions ??= parsed as Record<string, string>;
    return this.positions;
  }
}
