/** Finds a running local runtime (`npm start`) from what it wrote to `<dataDir>/runtime.json`. */
import { readFile } from 'node:fs/promises';
import { config } from '../../lambda/config/load';
import { runtimeInfoFile, type LocalRuntimeInfo } from '../../lambda/local/runtime-info';

/** `alternative` completes the error's advice ("…, or pass --api URL"). */
export async function localRuntimeInfo(alternative: string, dataDir: string = config.local.dataDir): Promise<LocalRuntimeInfo> {
  const file = runtimeInfoFile(dataDir);
  const text = await readFile(file, 'utf8').catch(() => {
    throw new Error(`no local runtime found (${file}); start one with npm start, or ${alternative}`);
  });
  return JSON.parse(text) as LocalRuntimeInfo;
}
