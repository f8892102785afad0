/**
 * Where a running local runtime listens: it writes this to
 * `<dataDir>/runtime.json` for the CLI commands that talk to it, which find
 * the project's data folder from any directory inside the project and check
 * that the runtime recorded there still answers. Also how the runtime
 * notices that whatever launched it (npm start) is gone, so it does not go on
 * serving as an orphan.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';

export interface LocalRuntimeInfo {
  readonly kinesisEndpoint: string;
  readonly dynamodbEndpoint: string;
  readonly streamName: string;
  readonly tableName: string;
  readonly apiUrl: string;
  readonly region: string;
  /** The runtime's process (written by writeRuntimeInfo); absent from files of older runtimes. */
  readonly pid?: number;
}

/** Overrides the data folder of the runtime and of the commands (an absolute path, or relative to the working directory). */
export const DATA_DIR_ENV = 'C360_DATA_DIR';

export function runtimeInfoFile(dataDir: string): string {
  return resolve(dataDir, 'runtime.json');
}

/** Records where the runtime listens, with this process's pid so that a stale file can be told from a live runtime. */
export async function writeRuntimeInfo(dataDir: string, info: LocalRuntimeInfo): Promise<void> {
  await writeFile(runtimeInfoFile(dataDir), JSON.stringify({ ...info, pid: process.pid }, null, 2));
}

const isProjectRoot = (dir: string): boolean => {
  if (existsSync(join(dir, 'c360.config.ts'))) return true;
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name === 'c360';
  } catch {
    return false;
  }
};

/** The nearest folder at or above `from` holding c360.config.ts or the c360 package.json; undefined outside a project. */
export function findProjectRoot(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (isProjectRoot(dir)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The local data folder, absolute: $C360_DATA_DIR when set (relative to
 * `cwd`), else the configured `local.dataDir`, which when relative is the
 * project's (found from `cwd` upwards), so every command agrees on it
 * whichever directory of the project it runs in.
 */
export function localDataDir(configured: string, cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string {
  const override = env[DATA_DIR_ENV];
  if (override !== undefined && override.length > 0) return resolve(cwd, override);
  return resolve(findProjectRoot(cwd) ?? cwd, configured);
}

/** Whether a process of this pid exists (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether something accepts a TCP connection at the URL's host and port within `timeoutMs`. */
export function endpointAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(false);
  }
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const host = target.hostname.replace(/^\[|\]$/g, '');
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/**
 * Why the runtime recorded in `info` is not running (undefined when it is):
 * its process is gone, or its endpoints do not answer.
 */
export async function runtimeProblem(info: LocalRuntimeInfo, timeoutMs = 1000): Promise<string | undefined> {
  if (info.pid !== undefined && !processAlive(info.pid)) return `its process ${info.pid} has exited`;
  const endpoints = [info.apiUrl, info.kinesisEndpoint, info.dynamodbEndpoint];
  const answers = await Promise.all(endpoints.map((u) => endpointAnswers(u, timeoutMs)));
  const silent = endpoints.filter((_, i) => !answers[i]);
  return silent.length === 0 ? undefined : `nothing answers at ${silent.join(', ')}`;
}

/** A process's parent, process group and command line, by `ps` (Linux, macOS). */
function processInfo(pid: number): { ppid: number; pgid: number; args: string } {
  const out = execFileSync('ps', ['-o', 'ppid=,pgid=,args=', '-p', String(pid)], { encoding: 'utf8' });
  const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/s.exec(out.trim());
  if (m === null) throw new Error(`ps gave no parent for process ${pid}`);
  return { ppid: Number(m[1]), pgid: Number(m[2]), args: (m[3] ?? '').trim() };
}

/** npm sets its process title to `npm <command> ...` (npx runs as `npm exec`); else its script is npm-cli.js / npx-cli.js. */
const isNpm = (args: string): boolean => /^npm(\s|$)/.test(args) || /\bnp[mx]-cli\.js\b/.test(args);

/**
 * The processes that launched `pid`, nearest first: up to and including
 * npm (for `npm start`: tsx, sh and npm) as long as they are in its process
 * group (a terminal runs a command line as one group; the shell it was typed
 * in is outside it). Without npm among them, the parent alone: a launcher
 * script that exits after starting the runtime in the background is not a
 * reason to stop it.
 */
export function launcherChain(pid: number = process.pid): number[] {
  const self = processInfo(pid);
  const chain: number[] = [];
  for (let p = self.ppid; p > 1 && chain.length < 32; ) {
    const next = processInfo(p);
    if (next.pgid !== self.pgid) break;
    chain.push(p);
    if (isNpm(next.args)) return chain;
    p = next.ppid;
  }
  return chain.slice(0, 1);
}

/**
 * Calls `onGone` once when this process's parent, or a launcher of it up to
 * npm (see launcherChain), has exited: `npm start` stopped by a signal sent to npm
 * alone leaves tsx and the runtime running (sh does not pass the signal on),
 * and this is how the runtime finds out. Call it first thing, while the
 * launchers are all there to be found. Returns a function that stops watching.
 */
export function onLauncherExit(onGone: (pid: number) => void, everyMs = 500): () => void {
  const parent = process.ppid;
  let chain: number[] = [parent];
  try {
    chain = [...new Set([parent, ...launcherChain()])];
  } catch {
    // No ps (Windows): the parent alone is watched.
  }
  const timer = setInterval(() => {
    const gone = process.ppid !== parent ? parent : chain.find((p) => !processAlive(p));
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(gone);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
