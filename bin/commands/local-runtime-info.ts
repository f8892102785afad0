/** Where a running local runtime (`npm start`) listens: it writes this to `<dataDir>/runtime.json`. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { config } from '../../lambda/config/load';

export interface LocalRuntimeInfo {
  readonly kinesisEndpoint: string;
  readonly dynamodbEndpoint: string;
  readonly streamName: string;
  readonly tableName: string;
  readonly apiUrl: string;
  readonly region: string;
}

export async function localRuntimeInfo(alternative: string): Promise<LocalRuntimeInfo> {
  const file = resolve(config.local.dataDir, 'runtime.json');
  const text = await readFile(file, 'utf8').catch(() => {
    throw new Error(`no local runtime found (${file}); start one with npm start, or ${alternative}`);
  });
  return JSON.parse(text) as LocalRuntimeInfo;
}
