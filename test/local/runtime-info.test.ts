import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localRuntimeInfo } from '../../bin/commands/local-runtime-info';
import {
  DATA_DIR_ENV,
  findProjectRoot,
  localDataDir,
  processAlive,
  runtimeProblem,
  writeRuntimeInfo,
  type LocalRuntimeInfo,
} from '../../lambda/local/runtime-info';

describe('finding the local runtime', () => {
  let root: string;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'c360-runtime-info-'));
    await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'c360' }));
    await mkdir(join(root, 'docs', 'guide'), { recursive: true });
    server = createServer((socket) => socket.end());
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    url = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    await new Promise((done) => server.close(done));
    await rm(root, { recursive: true, force: true });
  });

  const info = (over: Partial<LocalRuntimeInfo> = {}): LocalRuntimeInfo => ({
    kinesisEndpoint: url,
    dynamodbEndpoint: url,
    streamName: 's',
    tableName: 't',
    apiUrl: url,
    region: 'us-east-1',
    ...over,
  });

  it('finds the project root from a directory below it, by package.json named c360 or c360.config.ts', async () => {
    expect(findProjectRoot(join(root, 'docs', 'guide'))).toBe(root);
    expect(findProjectRoot(root)).toBe(root);
    const other = await mkdtemp(join(tmpdir(), 'c360-elsewhere-'));
    await writeFile(join(other, 'package.json'), JSON.stringify({ name: 'not-c360' }));
    expect(findProjectRoot(other)).toBeUndefined();
    await writeFile(join(other, 'c360.config.ts'), 'export default {};');
    expect(findProjectRoot(other)).toBe(other);
    await rm(other, { recursive: true, force: true });
  });

  it("resolves a relative data folder against the project's root, not the working directory; the env var overrides it", () => {
    expect(localDataDir('.c360', join(root, 'docs', 'guide'), {})).toBe(join(root, '.c360'));
    expect(localDataDir('/abs/state', join(root, 'docs'), {})).toBe('/abs/state');
    expect(localDataDir('.c360', join(root, 'docs'), { [DATA_DIR_ENV]: 'tmp-state' })).toBe(join(root, 'docs', 'tmp-state'));
  });

  it('tells a live runtime from a stale runtime.json: a dead pid, or endpoints that do not answer', async () => {
    expect(await runtimeProblem(info({ pid: process.pid }))).toBeUndefined();
    // A process that has exited.
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid as number;
    await new Promise((done) => child.once('exit', done));
    expect(processAlive(pid)).toBe(false);
    expect(await runtimeProblem(info({ pid }))).toBe(`its process ${pid} has exited`);
    // A live pid whose port no longer answers (an older runtime.json without pid too).
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as { port: number }).port;
    await new Promise((done) => closed.close(done));
    expect(await runtimeProblem(info({ apiUrl: `http://127.0.0.1:${port}` }))).toBe(`nothing answers at http://127.0.0.1:${port}`);
  });

  it('says the local runtime is not running instead of a connection error, and finds a running one', async () => {
    const dataDir = join(root, '.c360');
    await mkdir(dataDir, { recursive: true });
    await expect(localRuntimeInfo('pass --stream', dataDir)).rejects.toThrow(
      /^the local runtime is not running: start it with npm start, or pass --stream \(no .*runtime\.json\)$/,
    );
    await writeFile(join(dataDir, 'runtime.json'), JSON.stringify(info({ pid: 2 ** 22 + 12345 })));
    await expect(localRuntimeInfo('pass --stream', dataDir)).rejects.toThrow(
      /^the local runtime is not running: start it with npm start, or pass --stream \(.*runtime\.json is left from a runtime that stopped: its process \d+ has exited\)$/,
    );
    await writeRuntimeInfo(dataDir, info());
    await expect(localRuntimeInfo('pass --stream', dataDir)).resolves.toMatchObject({ apiUrl: url, pid: process.pid });
  });
});

describe('the launchers the local runtime watches', () => {
  /** Runs `launcherChain()` in a process started as npm would start it: a process titled "npm …" → sh -c → node. */
  function chainUnder(title: string): Promise<{ chain: number[]; npm: number; sh: number }> {
    const probe = `import(${JSON.stringify(join(import.meta.dirname, '..', '..', 'lambda', 'local', 'runtime-info.ts'))}).then((m) => console.log(JSON.stringify({ chain: m.launcherChain(), sh: process.ppid })))`;
    const launcher = `process.title = ${JSON.stringify(title)}; const c = require('node:child_process').spawn('sh', ['-c', ${JSON.stringify(`"${process.execPath}" --import tsx -e '${probe}'; true`)}], { stdio: 'inherit' }); c.on('exit', (code) => process.exit(code ?? 1)); /* room for the title: ${'.'.repeat(60)} */`;
    return new Promise((done, fail) => {
      const npm = spawn(process.execPath, ['-e', launcher], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      npm.stdout.on('data', (c: Buffer) => (out += c.toString()));
      npm.once('exit', () => {
        try {
          done({ ...(JSON.parse(out.trim()) as { chain: number[]; sh: number }), npm: npm.pid as number });
        } catch (err) {
          fail(new Error(`no chain in ${JSON.stringify(out)}: ${String(err)}`));
        }
      });
    });
  }

  it('walks up to npm within the process group (sh, then npm), and stops there', async () => {
    const { chain, npm, sh } = await chainUnder('npm start');
    expect(chain).toEqual([sh, npm]);
  });

  it('watches the parent alone when no npm launched it (a script that starts the runtime and exits is no reason to stop)', async () => {
    const { chain, sh } = await chainUnder('my-script');
    expect(chain).toEqual([sh]);
  });
});
