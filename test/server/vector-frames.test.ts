import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAME_FLAG_EPISODE_START } from '../../server/protocol/frames.ts';
import type { MetricsMessage } from '../../server/protocol/messages.ts';
import {
  removeDir,
  type ServerProcess,
  sleep,
  startServerProcess,
  TestClient,
  tinyCartPole,
} from './helpers.ts';

let server: ServerProcess;
let client: TestClient;

beforeAll(async () => {
  server = await startServerProcess();
  client = await TestClient.connect(server);
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
  if (server) removeDir(server.runsDir);
});

const argmax = (q: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < q.length; i++) if (q[i]! > q[best]!) best = i;
  return best;
};

describe('training server: frames of every env, with the agent view', () => {
  it('a 4-env CartPole run streams env 0..3 (each ≤ 30 Hz) with Q-values, action, ε and a return that accumulates', async () => {
    // No learning (learningStarts beyond the test), so the network is fixed and ε = 0 makes every action greedy.
    const runId = await client.createRun(
      tinyCartPole({ seed: 5, numEnvs: 4, steps: 5_000_000, learningStarts: 4_000_000 }),
    );
    const sub = await client.ack({ type: 'subscribe', runId, channels: ['frames', 'metrics'] });
    const handle = sub.run!.handle;
    await client.runState(runId, (r) => r.status === 'running');
    const from = client.frames.length;
    await sleep(2000);
    const live = client.frames.slice(from).filter((f) => f.header.runHandle === handle);
    const byEnv = new Map<number, typeof live>();
    for (const f of live) byEnv.set(f.header.envIndex, [...(byEnv.get(f.header.envIndex) ?? []), f]);
    expect([...byEnv.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const frames of byEnv.values()) {
      // Each env at the display rate on its own: ~60 in 2 s, never more than 30 in one second (+2 for jitter).
      expect(frames.length).toBeGreaterThan(20);
      const span = (frames.at(-1)!.receivedAt - frames[0]!.receivedAt) / 1000;
      expect(frames.length).toBeLessThanOrEqual(Math.ceil(span * 30) + 2);
    }
    for (const f of live) {
      const a = f.agent!;
      expect(a.q).toHaveLength(2);
      expect(a.epsilon).toBeGreaterThan(0);
      // CartPole pays 1 per step: the return so far is the episode's step count (a reset frame: 0).
      expect(a.ret).toBe(f.header.flags & FRAME_FLAG_EPISODE_START ? 0 : f.header.frame);
      if (f.header.frame > 0) expect([0, 1]).toContain(a.action);
    }

    // ε = 0, paused, single steps: every action is the greedy one, i.e. the argmax of the Q-values the previous
    // frame of the same env carried.
    await client.ack({ type: 'setParams', runId, params: { epsilon: 0 } });
    await client.ack({ type: 'control', runId, action: 'pause' });
    await client.runState(runId, (r) => r.status === 'paused');
    const stepFrom = client.frames.length;
    for (let i = 0; i < 12; i++) {
      await client.ack({ type: 'control', runId, action: 'step', count: 1 });
      // Slower than the display rate, so the gate passes every env's frame of every step.
      await sleep(60);
    }
    await sleep(200);
    const stepped = client.frames.slice(stepFrom).filter((f) => f.header.runHandle === handle);
    let pairs = 0;
    for (let env = 0; env < 4; env++) {
      const frames = stepped.filter((f) => f.header.envIndex === env);
      for (let k = 1; k < frames.length; k++) {
        const [a, b] = [frames[k - 1]!, frames[k]!];
        if (b.header.frame !== a.header.frame + 1) continue;
        expect(b.agent!.epsilon).toBe(0);
        expect(b.agent!.action).toBe(argmax(a.agent!.q!));
        expect(b.agent!.ret).toBe(a.agent!.ret + 1);
        pairs++;
      }
    }
    expect(pairs).toBeGreaterThanOrEqual(4 * 8);
    await client.ack({ type: 'control', runId, action: 'stop' });
    await client.runState(runId, (r) => r.status === 'stopped');
    expect(client.messages.some((m) => m.type === 'metrics' && (m as MetricsMessage).runId === runId)).toBe(
      true,
    );
    expect(client.invalid).toEqual([]);
  });
});
