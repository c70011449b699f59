import { appendFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MetricsMessage, RunInfo } from '../../server/protocol/messages.ts';
import {
  api,
  removeDir,
  type ServerProcess,
  startServerProcess,
  TestClient,
  tempRunsDir,
  tinyCartPole,
} from './helpers.ts';

const runsDir = tempRunsDir();
const servers: ServerProcess[] = [];

afterAll(async () => {
  for (const s of servers) await s.stop('SIGKILL');
  removeDir(runsDir);
});

async function start(): Promise<{ server: ServerProcess; client: TestClient }> {
  const server = await startServerProcess([], { runsDir });
  servers.push(server);
  const client = await TestClient.connect(server);
  return { server, client };
}

function episodes(runId: string): Record<string, unknown>[] {
  return readFileSync(join(runsDir, runId, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => 'episode' in l);
}

describe('training server: persistence across restarts', () => {
  let runId: string;
  let stoppedAt: number;

  it('SIGTERM stops a running run with a final checkpoint and exits cleanly', async () => {
    const { server, client } = await start();
    runId = await client.createRun(tinyCartPole({ steps: 5_000_000, checkpointEvery: 20_000 }));
    await client.ack({ type: 'subscribe', runId, channels: ['metrics'] });
    await client.next<MetricsMessage>((m) => m.type === 'metrics' && m.progress.step > 3000);
    // One server per runs directory.
    await expect(startServerProcess([], { runsDir })).rejects.toThrow(
      /is in use by another gymlab server \(pid \d+/,
    );
    const code = await server.stop('SIGTERM');
    expect(code).toBe(0);
    expect(server.stderr()).toMatch(/SIGTERM: stopping 1 run\(s\) with a final checkpoint/);
    const status = JSON.parse(readFileSync(join(runsDir, runId, 'status.json'), 'utf8'));
    expect(status).toMatchObject({
      status: 'stopped',
      note: expect.stringMatching(/interrupted by server shutdown/),
    });
    const latest = JSON.parse(readFileSync(join(runsDir, runId, 'checkpoints', 'latest.json'), 'utf8'));
    stoppedAt = latest.step;
    // The final checkpoint holds the run's last step, not only the last periodic one.
    expect(stoppedAt).toBeGreaterThan(3000);
    expect(stoppedAt % 20_000).not.toBe(0);
  });

  it('after a restart the run is listed with its metrics and resumes from its checkpoint', async () => {
    const { server, client } = await start();
    const list = await client.request({ type: 'listRuns' });
    expect(list.type).toBe('runList');
    const run = (list as { runs: RunInfo[] }).runs.find((r) => r.id === runId)!;
    expect(run).toMatchObject({ status: 'stopped', checkpointStep: stoppedAt, env: 'CartPole-v1' });
    expect(run.episodes).toBeGreaterThan(10);
    expect(run.steps).toBeGreaterThan(0);
    expect(run.meanReturn100).not.toBeNull();
    const lines = (await api(server, `/api/runs/${runId}/metrics`)).text.trim().split('\n');
    expect(lines.length).toBeGreaterThan(10);

    await client.ack({ type: 'subscribe', runId, channels: ['metrics'] });
    const resumed = await client.ack({ type: 'control', runId, action: 'resume' });
    expect(resumed.run?.status).toMatch(/queued|starting/);
    const first = await client.next<MetricsMessage>((m) => m.type === 'metrics' && m.runId === runId);
    expect(first.progress.step).toBeGreaterThanOrEqual(stoppedAt);
    expect(first.progress.episodes).toBeGreaterThanOrEqual(run.episodes);
    const config = JSON.parse(readFileSync(join(runsDir, runId, 'config.json'), 'utf8'));
    expect(config.resumes).toHaveLength(1);
    expect(config.resumes[0].step).toBe(stoppedAt);
    // metrics.jsonl is appended in whole lines every 2 s.
    await expect
      .poll(() => readFileSync(join(runsDir, runId, 'metrics.jsonl'), 'utf8'), { timeout: 10_000 })
      .toContain(`"events":[{"name":"resumed","from":null,"to":${stoppedAt}}]`);
    await client.next<MetricsMessage>((m) => m.type === 'metrics' && m.progress.step > stoppedAt + 25_000);
    // A crash (SIGKILL: no shutdown at all) loses nothing before the last periodic checkpoint.
    await server.stop('SIGKILL');
    const again = await start();
    const listed = ((await again.client.request({ type: 'listRuns' })) as { runs: RunInfo[] }).runs.find(
      (r) => r.id === runId,
    )!;
    expect(listed.status).toBe('stopped');
    expect(listed.note).toMatch(/did not shut down cleanly/);
    expect(listed.checkpointStep).toBeGreaterThan(stoppedAt);
    await again.client.ack({ type: 'subscribe', runId, channels: ['metrics'] });
    await again.client.ack({ type: 'control', runId, action: 'resume' });
    const back = await again.client.next<MetricsMessage>((m) => m.type === 'metrics' && m.runId === runId);
    expect(back.progress.step).toBeGreaterThanOrEqual(listed.checkpointStep!);
    await again.client.ack({ type: 'control', runId, action: 'stop' });
    await again.client.runState(runId, (r) => r.status === 'stopped');
    await again.client.close();
    await again.server.stop();
  });

  it('a solved run still reads solved after a restart (from its checkpoint, or from metrics.jsonl)', async () => {
    // Solving CartPole takes minutes, so two copies of the stopped run are marked solved the two ways a solve
    // reaches the disk: the checkpoint's trainer state, and episode records whose 100-episode mean reached 475.
    const fromCheckpoint = `${runId}-ckpt`;
    const fromMetrics = `${runId}-log`;
    for (const id of [fromCheckpoint, fromMetrics])
      cpSync(join(runsDir, runId), join(runsDir, id), { recursive: true });
    const latest = JSON.parse(
      readFileSync(join(runsDir, fromCheckpoint, 'checkpoints', 'latest.json'), 'utf8'),
    ) as { dir: string; step: number };
    const manifestPath = join(runsDir, fromCheckpoint, 'checkpoints', latest.dir, 'agent-state.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    expect(manifest.trainer.solvedAtStep).toBeNull();
    manifest.trainer.solvedAtStep = 12_345;
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const logged = episodes(fromMetrics);
    const last = logged.at(-1)!;
    let step = Number(last['step']);
    const extra = Array.from({ length: 100 }, (_, k) => {
      step += 500;
      const mean = 400 + k; // reaches 475 at the 76th extra episode
      return JSON.stringify({ step, episode: Number(last['episode']) + k + 1, meanReturn100: mean });
    });
    appendFileSync(join(runsDir, fromMetrics, 'metrics.jsonl'), `${extra.join('\n')}\n`);
    const solvedStep = Number(last['step']) + 76 * 500;

    const { server, client } = await start();
    const runs = ((await client.request({ type: 'listRuns' })) as { runs: RunInfo[] }).runs;
    expect(runs.find((r) => r.id === runId)?.solvedAtStep).toBeNull();
    expect(runs.find((r) => r.id === fromCheckpoint)?.solvedAtStep).toBe(12_345);
    expect(runs.find((r) => r.id === fromMetrics)?.solvedAtStep).toBe(solvedStep);
    const viaRest = (await api(server, `/api/runs/${fromMetrics}`)).json()['run'] as RunInfo;
    expect(viaRest.solvedAtStep).toBe(solvedStep);
    for (const id of [fromCheckpoint, fromMetrics]) await client.ack({ type: 'deleteRun', runId: id });
    await client.close();
    await server.stop();
  });

  it('--max-runs bounds the workers: more runs wait in a queue and start as others end', async () => {
    const server = await startServerProcess(['--max-runs', '1'], { runsDir });
    servers.push(server);
    const client = await TestClient.connect(server);
    const first = await client.createRun(tinyCartPole({ seed: 21, steps: 1_000_000 }));
    const second = await client.createRun(tinyCartPole({ seed: 22, steps: 1_000_000 }));
    await client.runState(first, (r) => r.status === 'running');
    const queued = (await api(server, `/api/runs/${second}`)).json()['run'] as RunInfo;
    expect(queued).toMatchObject({ status: 'queued', queuePosition: 1 });
    expect((await client.error({ type: 'control', runId: second, action: 'pause' })).code).toBe('bad_state');
    expect((await api(server, '/api/health')).json()['runs']).toMatchObject({ active: 1, queued: 1 });
    await client.ack({ type: 'control', runId: first, action: 'stop' });
    await client.runState(second, (r) => r.status === 'running');
    await client.ack({ type: 'control', runId: second, action: 'stop' });
    await client.runState(second, (r) => r.status === 'stopped');
    await client.close();
    await server.stop();
  });

  it('two runs with the same config and seed train identically (in parallel workers)', async () => {
    const { client } = await start();
    const config = tinyCartPole({ seed: 7, steps: 4000 });
    const a = await client.createRun(config);
    // b starts in realtime and switches to max while its worker loads: speed never changes what is learned.
    const b = await client.createRun(config, { speed: 'realtime' });
    await client.ack({ type: 'setParams', runId: b, params: { speed: 'max' } });
    await client.runState(a, (r) => r.status === 'finished');
    await client.runState(b, (r) => r.status === 'finished');
    // Episode records carry no timing, so they match exactly: same returns, lengths, ε, at the same steps.
    expect(episodes(a).length).toBeGreaterThan(20);
    expect(episodes(a)).toEqual(episodes(b));
    await client.close();
  });
});
