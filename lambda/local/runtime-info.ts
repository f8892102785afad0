/** Where a running local runtime listens: it writes this to `<dataDir>/runtime.json` for the CLI commands that talk to it. */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

export interface LocalRuntimeInfo {
  readonly kinesisEndpoint: string;
  readonly dynamodbEndpoint: string;
  readonly streamName: string;
  readonly tableName: string;
  readonly apiUrl: string;
  readonly region: string;
}

export function runtimeInfoFile(dataDir: string): string {
  return resolve(dataDir, 'runtime.json');
}

export async function writeRuntimeInfo(dataDir: string, info: LocalRuntimeInfo): Promise<void> {
  await writeFile(runtimeInfoFile(dataDir), JSON.stringify(info, null, 2));
}
