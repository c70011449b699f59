import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricsMessage } from '../../server/protocol/messages.ts';
import {
  api,
  removeDir,
  type ServerProcess,
  startServerProcess,
  TestClient,
  tinyCartPole,
} from './helpers.ts';

let server: ServerProcess;
let client: TestClient;

beforeAll(async () => {
  // The workers of seed-13 runs throw at step 1500 (a deliberate fault, see RunManagerOptions.fault).
  server = await startServerProcess([], { env: { GYMLAB_FAULT: 'throw@1500:seed=13' } });
  client = await TestClient.connect(server);
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
  if (server) removeDir(server.runsDir);
});

describe('training server: failing runs', () => {
  it('a worker that throws marks its run failed with the reason; the server and the other runs go on', async () => {
    const healthy = await client.createRun(tinyCartPole({ seed: 14, steps: 30_000 }));
    const crashing = await client.createRun(tinyCartPole({ seed: 13, steps: 30_000 }));
    await client.ack({ type: 'subscribe', runId: crashing, channels: ['metrics'] });
    const failed = await client.runState(crashing, (r) => r.status === 'failed');
    expect(failed.run.error).toMatch(/worker crashed: injected fault at step 15\d\d/);
    // Asking a failed run to pause is refused, not forwarded to a dead worker.
    expect((await client.error({ type: 'control', runId: crashing, action: 'pause' })).code).toBe(
      'bad_state',
    );
    await client.runState(healthy, (r) => r.status === 'finished');
    // A finished run continues only with a larger budget, from where it ended.
    const spent = await client.error({ type: 'control', runId: healthy, action: 'resume' });
    expect(spent).toMatchObject({
      code: 'bad_state',
      message: expect.stringMatching(/used its budget of 30000 steps/),
    });
    await client.ack({ type: 'control', runId: healthy, action: 'resume', totalSteps: 32_000 });
    const extended = await client.runState(
      healthy,
      (r) => r.status === 'finished' && r.totalSteps === 32_000,
    );
    expect(extended.run.steps).toBeGreaterThan(31_000);
    const status = JSON.parse(readFileSync(join(server.runsDir, crashing, 'status.json'), 'utf8'));
    expect(status).toMatchObject({ status: 'failed', error: expect.stringMatching(/injected fault/) });
    expect(readFileSync(join(server.runsDir, crashing, 'metrics.jsonl'), 'utf8')).toMatch(/"name":"failed"/);
    // Still serving: REST answers and a new run trains.
    expect((await api(server, '/api/health')).json()).toMatchObject({ ok: true });
    const after = await client.createRun(tinyCartPole({ seed: 15, steps: 3000 }));
    await client.runState(after, (r) => r.status === 'finished');
  });

  it('a diverging network (NaN loss) stops its run as failed with the reason', async () => {
    const diverging = await client.createRun(
      tinyCartPole({
        seed: 3,
        steps: 200_000,
        optimizer: 'sgd',
        learningRate: 1,
        momentum: 0.99,
        loss: 'mse',
        learningStarts: 100,
        learningRateSchedule: 'constant',
        maxGradNorm: null,
      }),
      // It diverges within a second at max speed: subscribe while it crawls, then let it run flat out.
      { speed: 'realtime' },
    );
    await client.ack({ type: 'subscribe', runId: diverging, channels: ['metrics'] });
    await client.ack({ type: 'setParams', runId: diverging, params: { speed: 'max' } });
    const failed = await client.runState(diverging, (r) => r.status === 'failed');
    expect(failed.run.error).toMatch(/diverged/);
    expect(failed.run.steps).toBeLessThan(200_000);
    const metrics = client.messages.filter(
      (m) => m.type === 'metrics' && m.runId === diverging,
    ) as MetricsMessage[];
    // NaN travels as null on the wire (JSON has no NaN), never as an invalid message.
    expect(client.invalid).toEqual([]);
    expect(metrics.length).toBeGreaterThan(0);
  });

  it('a worker that exits abruptly marks its run failed', async () => {
    await server.stop();
    removeDir(server.runsDir);
    server = await startServerProcess([], { env: { GYMLAB_FAULT: 'exit@800' } });
    await client.close();
    client = await TestClient.connect(server);
    const runId = await client.createRun(tinyCartPole({ seed: 1, steps: 30_000 }));
    const failed = await client.runState(runId, (r) => r.status === 'failed');
    expect(failed.run.error).toMatch(/worker exited with code 3 before the run ended/);
    expect((await api(server, '/api/runs')).status).toBe(200);
  });
});
