import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATA_DIR_ENV, endpointAnswers, processAlive, runtimeInfoFile, type LocalRuntimeInfo } from '../../lambda/local/runtime-info';

/** Polls `check` until it holds; fails naming `what` if it never does. */
async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 45_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

describe('npm start, stopped by a signal', () => {
  const started: { npm: ChildProcess; dataDir: string }[] = [];

  afterEach(async () => {
    for (const { npm, dataDir } of started.splice(0)) {
      // npm was started as its own process group: whatever is left of it goes.
      if (npm.pid !== undefined && processAlive(npm.pid)) process.kill(-npm.pid, 'SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  /** `npm start -- --no-demo --port 0` in its own process group, as a terminal runs it; resolves once it serves. */
  async function start() {
    const dataDir = await mkdtemp(join(tmpdir(), 'c360-signals-'));
    const npm = spawn('npm', ['start', '--', '--no-demo', '--port', '0'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, [DATA_DIR_ENV]: dataDir },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push({ npm, dataDir });
    let stdout = '';
    let stderr = '';
    npm.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    npm.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await until('the runtime to start', () => stdout.includes('Press Ctrl-C to stop.') || npm.exitCode !== null);
    if (npm.exitCode !== null) throw new Error(`npm start exited (${npm.exitCode}): ${stderr}`);
    const info = JSON.parse(await readFile(runtimeInfoFile(dataDir), 'utf8')) as LocalRuntimeInfo;
    return { npm, info, output: () => ({ stdout, stderr }) };
  }

  /** Stops whatever `stopIt` does; then the runtime's process exits, and neither its API nor its Kinesis port answers. */
  async function expectStopped(stopIt: (npm: ChildProcess) => void) {
    const { npm, info, output } = await start();
    expect(await endpointAnswers(info.apiUrl)).toBe(true);
    expect(info.pid).toBeDefined();
    const runtimePid = info.pid as number;
    expect(runtimePid).not.toBe(npm.pid);
    expect(processAlive(runtimePid)).toBe(true);

    stopIt(npm);
    await until('the runtime process to exit', () => !processAlive(runtimePid)).catch((err: Error) => {
      throw new Error(`${err.message}; its output: ${JSON.stringify(output())}`);
    });
    expect(await endpointAnswers(info.apiUrl)).toBe(false);
    expect(await endpointAnswers(info.kinesisEndpoint)).toBe(false);
    // The AWS SDK's Node-version notice is not printed (the start command makes SDK clients).
    expect(output().stderr).not.toContain('NodeVersionSupportWarning');
    return output();
  }

  it('stops the runtime on SIGINT to the npm process alone (the start script execs tsx, so npm passes it on to it)', async () => {
    await expectStopped((npm) => npm.kill('SIGINT'));
  });

  it('stops the runtime on SIGTERM to the npm process', async () => {
    await expectStopped((npm) => npm.kill('SIGTERM'));
  });

  it('stops the runtime when npm is killed outright (SIGKILL: nothing can pass it on; the runtime sees its launcher gone)', async () => {
    const { stdout } = await expectStopped((npm) => npm.kill('SIGKILL'));
    expect(stdout).toMatch(/The process that started c360 \(\d+\) has exited: stopping\./);
  });

  it('stops the runtime on Ctrl-C (SIGINT to the whole process group, as a terminal sends it)', async () => {
    await expectStopped((npm) => process.kill(-(npm.pid as number), 'SIGINT'));
  });
});
