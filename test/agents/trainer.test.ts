import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { UpdateSettings } from '../../agents/dqn/learner.ts';
import { resolveDqnOptions } from '../../agents/dqn/options.ts';
import { DqnTrainer, type EventRecord, type TrainerConfig } from '../../agents/dqn/trainer.ts';
import type { Env } from '../../envs/core/env.ts';
import { SyncVectorEnv } from '../../envs/core/vector-env.ts';
import { unwrap } from '../../envs/core/wrapper.ts';
import { TimeLimit } from '../../envs/core/wrappers/time-limit.ts';
import type { LunarLander } from '../../envs/lunar-lander/index.ts';
import { initBackend } from '../../models/backend.ts';
import { CountingEnv } from '../helpers/counting-env.ts';

beforeAll(async () => {
  await initBackend();
});

function config(
  envId: string,
  options: Record<string, unknown> = {},
  extra: Partial<TrainerConfig> = {},
): TrainerConfig {
  return {
    envId,
    options: resolveDqnOptions(envId, { batchSize: 8, bufferSize: 2000, ...options }),
    seed: 3,
    numEnvs: 1,
    totalSteps: 100_000,
    ...extra,
  };
}

describe('DqnTrainer', () => {
  it('stores the real last observation and separate terminated/truncated flags across vector-env resets', async () => {
    // env 0 terminates after 3 steps; env 1 never terminates but a 4-step time limit truncates it.
    const makeVec = () =>
      new SyncVectorEnv([
        () => new TimeLimit(new CountingEnv(3), 100) as Env,
        () => new TimeLimit(new CountingEnv(), 4) as Env,
      ]);
    const trainer = await DqnTrainer.create(
      config('counting', { learningStarts: 1_000_000 }, { numEnvs: 2 }),
      {},
      { makeVectorEnv: makeVec },
    );
    trainer.step(8);
    const buffer = trainer.agent.buffer;
    expect(buffer.size).toBe(16);
    // Slot 2k is env 0's k-th transition, 2k + 1 env 1's.
    const env0 = Array.from({ length: 8 }, (_, k) => buffer.get(2 * k));
    const env1 = Array.from({ length: 8 }, (_, k) => buffer.get(2 * k + 1));
    expect(env0.map((t) => t.obs[0])).toEqual([0, 1, 2, 0, 1, 2, 0, 1]);
    expect(env0.map((t) => t.nextObs[0])).toEqual([1, 2, 3, 1, 2, 3, 1, 2]);
    expect(env0.map((t) => t.terminated)).toEqual([false, false, true, false, false, true, false, false]);
    expect(env0.every((t) => !t.truncated)).toBe(true);
    expect(env1.map((t) => t.obs[0])).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    // At the cut the next observation is the episode's last one (t = 4), not the next episode's first.
    expect(env1.map((t) => t.nextObs[0])).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    expect(env1.map((t) => t.truncated)).toEqual([false, false, false, true, false, false, false, true]);
    expect(env1.every((t) => !t.terminated)).toBe(true);
    // Each episode is reset with its own seed: the `start` component differs between episodes.
    expect(new Set(env1.map((t) => t.obs[1])).size).toBe(2);
    expect(trainer.episodes).toBe(4);
    trainer.close();
  });

  it('live changes of γ, τ, learning rate and ε take effect at the next step and are recorded', async () => {
    const events: EventRecord[] = [];
    const options = {
      learningStarts: 0,
      trainFrequency: 1,
      targetUpdate: 'soft',
      tau: 0.005,
      learningRateSchedule: 'linear',
      learningRateFinal: 1e-4,
    };
    const trainer = await DqnTrainer.create(config('CartPole-v1', options), {
      onEvent: (e) => events.push(e),
    });
    const { learner } = trainer.agent;
    const seen: UpdateSettings[] = [];
    const taus: number[] = [];
    const update = learner.update.bind(learner);
    const updateTarget = learner.updateTarget.bind(learner);
    learner.update = (s, r) => {
      seen.push({ ...s });
      return update(s, r);
    };
    learner.updateTarget = (tau) => {
      taus.push(tau);
      updateTarget(tau);
    };
    trainer.step(20);
    expect(seen.at(-1)!.gamma).toBe(0.99);
    expect(taus.at(-1)).toBe(0.005);
    const scheduledLr = seen.at(-1)!.learningRate;

    const changes = trainer.setParams({ gamma: 0.5, tau: 0.2, learningRate: 0.01, epsilon: 0 });
    expect(changes.map((c) => c.name).sort()).toEqual(['epsilon', 'gamma', 'learningRate', 'tau']);
    expect(events).toEqual([{ step: 20, events: changes }]);
    expect(changes.find((c) => c.name === 'gamma')).toEqual({ name: 'gamma', from: 0.99, to: 0.5 });
    seen.length = 0;
    trainer.step(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ gamma: 0.5, learningRate: 0.01 });
    expect(taus.at(-1)).toBe(0.2);
    expect(trainer.agent.epsilon).toBe(0);

    // ε = 0: every action is the greedy one.
    const inputs = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i));
    const acted = new Int32Array(10);
    const greedy = new Int32Array(10);
    trainer.agent.act(inputs, 10, acted);
    trainer.agent.greedyActions(inputs, 10, greedy);
    expect(Array.from(acted)).toEqual(Array.from(greedy));

    // null hands ε and the learning rate back to their schedules.
    trainer.setParams({ epsilon: null, learningRate: null });
    trainer.step(1);
    expect(trainer.agent.epsilon).toBeGreaterThan(0.9);
    expect(seen.at(-1)!.learningRate).toBeCloseTo(scheduledLr, 5);
    expect(events).toHaveLength(2);
    expect(events[1]!.step).toBe(21);

    // A bad value is rejected with its name and changes nothing.
    expect(() => trainer.setParams({ gamma: 0.9, tau: 2 })).toThrow(/'tau' must be in \(0, 1\]/);
    expect(trainer.agent.gamma).toBe(0.5);
    expect(() => trainer.setParams({ rewardWeights: { mainEngine: 0 } })).toThrow(/has no reward weights/);
    trainer.close();
  });

  it("live reward weights reach every vector env's lander", async () => {
    const events: EventRecord[] = [];
    const trainer = await DqnTrainer.create(config('LunarLander-v3', {}, { numEnvs: 2 }), {
      onEvent: (e) => events.push(e),
    });
    trainer.step(3);
    trainer.setParams({ rewardWeights: { mainEngine: 0, crash: -50 } });
    for (const env of trainer.vec.envs) {
      expect((unwrap(env) as LunarLander).getRewardWeights()).toMatchObject({
        mainEngine: 0,
        crash: -50,
        landed: 100,
      });
    }
    expect(events[0]!.events[0]!.name).toBe('rewardWeights');
    expect(events[0]!.step).toBe(6);
    expect(() => trainer.setParams({ gamma: 0.9, rewardWeights: { bogus: 1 } })).toThrow(/bogus/);
    expect(trainer.agent.gamma).toBe(0.995);
    trainer.close();
  });

  it('a diverged network stops the run with a failed status instead of spinning', async () => {
    const trainer = await DqnTrainer.create(config('CartPole-v1', { learningStarts: 0 }));
    trainer.step(50);
    const broken = trainer.agent.learner.getWeights('online').map((w) => w.map(() => Number.NaN));
    trainer.agent.learner.setWeights('online', broken);
    // Greedy actions read the NaN Q-values at once; learning steps would report a NaN loss a few steps later.
    trainer.setParams({ epsilon: 0 });
    const summary = await trainer.run();
    expect(summary.status).toBe('failed');
    expect(summary.error).toMatch(/diverged/);
    expect(summary.steps).toBe(50);
    // A failed trainer does not start again.
    expect((await trainer.run()).steps).toBe(summary.steps);
    trainer.close();
  });

  it('run() can be paused, resumed and stopped between steps', async () => {
    const trainer = await DqnTrainer.create(config('CartPole-v1', { stopWhenSolved: false }));
    const started = performance.now();
    const done = trainer.run({ sliceMs: 2 });
    await new Promise((r) => setTimeout(r, 30));
    trainer.pause();
    await new Promise((r) => setTimeout(r, 10));
    expect(trainer.status).toBe('paused');
    const pausedAt = trainer.steps;
    await new Promise((r) => setTimeout(r, 30));
    expect(trainer.steps).toBe(pausedAt);
    trainer.resume();
    await new Promise((r) => setTimeout(r, 30));
    expect(trainer.steps).toBeGreaterThan(pausedAt);
    trainer.stop();
    const summary = await done;
    const elapsed = (performance.now() - started) / 1000;
    expect(summary.status).toBe('stopped');
    // Wall time is the run's own (pauses included), and steps/s is steps over it.
    expect(summary.wallSeconds).toBeLessThanOrEqual(elapsed);
    expect(summary.wallSeconds).toBeGreaterThan(0.05);
    expect(summary.stepsPerSecond * summary.wallSeconds).toBeCloseTo(summary.steps, 0);
    trainer.close();
  });

  it('the TensorFlow.js learner keeps tf.memory().numTensors flat over 2,000 updates', async () => {
    const trainer = await DqnTrainer.create(
      config('LunarLander-v3', {
        learner: 'tfjs',
        batchSize: 16,
        hiddenSizes: [32],
        metricsEvery: 50,
        doubleDqn: true,
        maxGradNorm: 10,
        prioritizedReplay: true,
      }),
    );
    expect(trainer.agent.learner.backend).toMatch(/^tfjs-/);
    trainer.step(300);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2000; i++) trainer.agent.learnOnce();
    trainer.step(40);
    expect(tf.memory().numTensors).toBe(before);
    await trainer.snapshot(false);
    expect(tf.memory().numTensors).toBe(before);
    trainer.close();
  });
});
