import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../helpers/cli.ts';

const BIN = fileURLToPath(new URL('../../server/cli/gymlab.mjs', import.meta.url));

export interface GymlabServer {
  url: string;
  runsDir: string;
  stop(): Promise<void>;
}

/**
 * The real `gymlab start` (builds the viewer into viewer/dist when its sources are newer, then serves it) on a
 * free loopback port with an empty runs folder and no demo run.
 */
export async function startGymlab(): Promise<GymlabServer> {
  const runsDir = mkdtempSync(join(tmpdir(), 'gymlab-e2e-'));
  const proc: ChildProcess = spawn(
    process.execPath,
    [BIN, 'start', '--json', '--port', '0', '--no-demo', '--runs', runsDir, '--max-runs', '2'],
    { cwd: REPO_ROOT, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gymlab start did not listen within 90 s:\n${stderr}`)),
      90_000,
    );
    proc.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const nl = stdout.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, nl));
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gymlab start exited with ${code}:\n${stderr}`));
    });
  });
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    runsDir,
    stop: async () => {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(runsDir, { recursive: true, force: true });
    },
  };
}
