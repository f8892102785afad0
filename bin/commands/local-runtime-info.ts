/**
 * Finds the running local runtime (`npm start`) from what it wrote to
 * `<dataDir>/runtime.json`, from any directory of the project, and says
 * plainly when it is not running (no file, or a stale one).
 */
import { readFile } from 'node:fs/promises';
import { config } from '../../lambda/config/load';
import { localDataDir, runtimeInfoFile, runtimeProblem, type LocalRuntimeInfo } from '../../lambda/local/runtime-info';

/**
 * `alternative` completes the error's advice ("…, or pass --api URL").
 * A relative `dataDir` is the project's (see localDataDir).
 */
export async function localRuntimeInfo(alternative: string, dataDir: string = config.local.dataDir): Promise<LocalRuntimeInfo> {
  const file = runtimeInfoFile(localDataDir(dataDir));
  const notRunning = (why: string) => new Error(`the local runtime is not running: start it with npm start, or ${alternative} (${why})`);
  const text = await readFile(file, 'utf8').catch(() => {
    throw notRunning(`no ${file}`);
  });
  let info: LocalRuntimeInfo;
  try {
    info = JSON.parse(text) as LocalRuntimeInfo;
  } catch {
    throw notRunning(`${file} is not readable JSON`);
  }
  const problem = await runtimeProblem(info);
  if (problem !== undefined) throw notRunning(`${file} is left from a runtime that stopped: ${problem}`);
  return info;
}
