import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildViewerIfStale } from '../../server/cli/commands/start.ts';
import type { MetricsMessage } from '../../server/protocol/messages.ts';
import {
  api,
  removeDir,
  type ServerProcess,
  sleep,
  startServerProcess,
  TestClient,
  tempRunsDir,
} from './helpers.ts';

const runsDir = tempRunsDir();
const cleanup: (() => unknown)[] = [];

afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
  removeDir(runsDir);
});

async function start(args: string[] = []): Promise<ServerProcess & { demoRunId?: string }> {
  const s = await startServerProcess(['--no-build', ...args], { runsDir, command: ['start'], demo: true });
  cleanup.push(() => s.stop());
  return s as ServerProcess & { demoRunId?: string };
}

describe('gymlab start', () => {
  let demoRunId: string;

  it('serves with a LunarLander-v3 demo run already training (here in realtime), watchable', async () => {
    const server = await start(['--demo-speed', 'realtime']);
    expect(server.demoRunId).toMatch(/^LunarLander-v3__dqn__0__\d+$/);
    demoRunId = server.demoRunId!;
    const client = await TestClient.connect(server);
    await client.ack({ type: 'subscribe', runId: demoRunId });
    const state = await client.runState(demoRunId, (r) => r.status === 'running');
    expect(state.run).toMatchObject({ env: 'LunarLander-v3', speed: 'realtime', demo: true, renderFps: 50 });
    const a = await client.next<MetricsMessage>((m) => m.type === 'metrics');
    const framesFrom = client.frames.length;
    await sleep(3000);
    const b = await client.next<MetricsMessage>((m) => m.type === 'metrics');
    // Realtime: the lander's 50 FPS.
    const rate = (b.progress.step - a.progress.step) / 3.25;
    expect(rate).toBeGreaterThan(35);
    expect(rate).toBeLessThan(62);
    const frames = client.frames.slice(framesFrom);
    expect(frames.length).toBeGreaterThan(60);
    expect(frames.at(-1)!.state.kind).toBe('lunar-lander');
    // Consecutive realtime frames are mostly one or two env steps apart (50 FPS shown at ≤ 30 Hz), never the
    // jumps of hundreds of steps that training flat out gives.
    const gaps = frames
      .slice(1)
      .map((f, i) => f.header.frame - frames[i]!.header.frame)
      .filter((g) => g > 0)
      .sort((x, y) => x - y);
    expect(gaps[Math.floor(gaps.length / 2)]).toBeLessThanOrEqual(2);
    expect(gaps.at(-1)).toBeLessThanOrEqual(10);
    const page = await api(server, '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    await client.close();
    await server.stop();
  });

  it('a second start resumes the same demo run, by default training flat out so its curve moves', async () => {
    const server = await start();
    expect(server.demoRunId).toBe(demoRunId);
    const client = await TestClient.connect(server);
    await client.ack({ type: 'subscribe', runId: demoRunId });
    const state = await client.runState(demoRunId, (r) => r.status === 'running');
    expect(state.run?.speed).toBe('max');
    const config = JSON.parse(readFileSync(join(runsDir, demoRunId, 'config.json'), 'utf8'));
    expect(config.resumes.length).toBe(1);
    // It keeps training past a solve, so a late visitor still finds a live run to tune.
    expect(config.options.stopWhenSolved).toBe(false);
    expect(config.steps).toBeGreaterThanOrEqual(1_000_000);
    await client.close();
    await server.stop();
  });

  it('takes the first free port after --port when it is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => blocker.close(resolve)));
    const taken = (blocker.address() as { port: number }).port;
    const server = await startServerProcess(['--no-build', '--port', String(taken)], {
      runsDir: tempRunsDir(),
      command: ['start'],
    }).catch((err: Error) => err);
    if (server instanceof Error) throw server;
    cleanup.push(() => server.stop());
    expect(server.port).toBeGreaterThan(taken);
    expect(server.port).toBeLessThanOrEqual(taken + 20);
    await server.stop();
    removeDir(server.runsDir);
  });

  it('builds the viewer with Vite when its sources are newer than dist/, and only then', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gymlab-viewer-'));
    cleanup.push(() => removeDir(dir));
    mkdirSync(join(dir, 'src'));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><script type="module" src="/src/main.js"></script>',
    );
    writeFileSync(join(dir, 'src', 'main.js'), 'document.title = "gymlab";');
    expect(await buildViewerIfStale(dir, true)).toBe(true);
    expect(existsSync(join(dir, 'dist', 'index.html'))).toBe(true);
    expect(await buildViewerIfStale(dir, true)).toBe(false);
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'src', 'main.js'), later, later);
    expect(await buildViewerIfStale(dir, true)).toBe(true);
    // No viewer at all: nothing to build.
    expect(await buildViewerIfStale(join(dir, 'missing'), true)).toBe(false);
  });
});
