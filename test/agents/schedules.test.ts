import { describe, expect, it } from 'vitest';
import { dqnOptionsSchema, resolveDqnOptions } from '../../agents/dqn/options.ts';
import { scheduledEpsilon, scheduledLearningRate } from '../../agents/dqn/schedules.ts';

describe('ε schedules', () => {
  it("exponential per episode is the course lab's: ×0.995 per finished episode, floored at 0.01", () => {
    const o = resolveDqnOptions('LunarLander-v3');
    expect(o.epsilonSchedule).toBe('exponential-per-episode');
    expect(scheduledEpsilon(o, 123_456, 0)).toBe(1);
    expect(scheduledEpsilon(o, 0, 1)).toBeCloseTo(0.995, 15);
    expect(scheduledEpsilon(o, 0, 100)).toBeCloseTo(0.995 ** 100, 15);
    // 0.995^918 > 0.01 > 0.995^919: the floor takes over at episode 919.
    expect(scheduledEpsilon(o, 0, 918)).toBeGreaterThan(0.01);
    expect(scheduledEpsilon(o, 0, 919)).toBe(0.01);
    expect(scheduledEpsilon(o, 0, 5000)).toBe(0.01);
  });

  it('linear per step goes from start to end over epsilonDecaySteps, then stays (SB3)', () => {
    const o = resolveDqnOptions('LunarLander-v3', {
      epsilonSchedule: 'linear-per-step',
      epsilonStart: 1,
      epsilonEnd: 0.05,
      epsilonDecaySteps: 1000,
    });
    expect(scheduledEpsilon(o, 0, 99)).toBe(1);
    expect(scheduledEpsilon(o, 500, 0)).toBeCloseTo(0.525, 15);
    expect(scheduledEpsilon(o, 1000, 0)).toBeCloseTo(0.05, 15);
    expect(scheduledEpsilon(o, 10_000, 0)).toBeCloseTo(0.05, 15);
  });

  it('learning-rate schedules: constant, linear and exponential to learningRateFinal', () => {
    const base = { learningRate: 1e-3, learningRateFinal: 1e-5, learningRateDecaySteps: 100 };
    const constant = resolveDqnOptions('CartPole-v1', { ...base, learningRateSchedule: 'constant' });
    const linear = resolveDqnOptions('CartPole-v1', { ...base, learningRateSchedule: 'linear' });
    const exponential = resolveDqnOptions('CartPole-v1', { ...base, learningRateSchedule: 'exponential' });
    expect(scheduledLearningRate(constant, 1e-3, 50)).toBe(1e-3);
    expect(scheduledLearningRate(linear, 1e-3, 50)).toBeCloseTo(5.05e-4, 15);
    expect(scheduledLearningRate(exponential, 1e-3, 50)).toBeCloseTo(1e-4, 15);
    expect(scheduledLearningRate(linear, 1e-3, 500)).toBeCloseTo(1e-5, 15);
  });
});

describe('DQN options', () => {
  it("defaults are the course lab's; the lander preset only learns twice as often", () => {
    const o = dqnOptionsSchema.parse({});
    expect(resolveDqnOptions('LunarLander-v3')).toEqual({ ...o, trainFrequency: 2 });
    expect(o).toMatchObject({
      gamma: 0.995,
      learningRate: 1e-3,
      batchSize: 64,
      trainFrequency: 4,
      tau: 1e-3,
      targetUpdate: 'soft',
      hiddenSizes: [64, 64],
      activation: 'relu',
      loss: 'mse',
      bufferSize: 100_000,
      epsilonStart: 1,
      epsilonEnd: 0.01,
      epsilonDecay: 0.995,
      optimizer: 'adam',
    });
  });

  it('later layers override earlier ones, and envOptions merge', () => {
    const o = resolveDqnOptions(
      'LunarLander-v3',
      { gamma: 0.99, envOptions: { gravity: -5 } },
      { gamma: 0.98, envOptions: { enableWind: true } },
    );
    expect(o.gamma).toBe(0.98);
    expect(o.envOptions).toEqual({ gravity: -5, enableWind: true });
  });

  it('rejects bad values naming the field and its range', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ gamma: 1 }, /'gamma' must be in \[0, 1\) \(got 1\)/],
      [{ tau: 0 }, /'tau' must be in \(0, 1\] \(got 0\)/],
      [{ batchSize: 0 }, /'batchSize' must be in \[1, 65536\]/],
      [{ batchSize: 2.5 }, /'batchSize' must be an integer/],
      [{ hiddenSizes: [64, -1] }, /'hiddenSizes\.1' must be ≥ 1 \(got -1\)/],
      [{ loss: 'l1' }, /'loss' must be one of "mse", "huber"/],
      [{ learningRate: -1 }, /'learningRate' must be in \(0, 1\]/],
      [{ frobnicate: 1 }, /unknown field 'frobnicate'; valid: hiddenSizes, activation, gamma/],
      [{ epsilonStart: 0.1, epsilonEnd: 0.5 }, /'epsilonEnd' \(0\.5\) must be ≤ 'epsilonStart' \(0\.1\)/],
      [{ bufferSize: 10, batchSize: 64 }, /'batchSize' \(64\) must be ≤ 'bufferSize' \(10\)/],
    ];
    for (const [input, message] of cases)
      expect(() => resolveDqnOptions('LunarLander-v3', input)).toThrow(message);
  });
});
