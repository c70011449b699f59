import { describe, expect, it } from 'vitest';
import { evaluateGreedy } from '../../agents/dqn/evaluate.ts';
import { PRESETS, resolveDqnOptions } from '../../agents/dqn/options.ts';
import { DqnTrainer } from '../../agents/dqn/trainer.ts';
import { solveMarsRover } from '../../envs/mars-rover/solver.ts';

/** Largest |Q − Q*| / |Q*| over the rover's 6 states × 2 actions. */
async function roverError(
  gamma: number,
  misstepProbability: number,
): Promise<{ worst: number; q: number[] }> {
  const options = resolveDqnOptions('MarsRover-v0', { gamma, envOptions: { misstepProbability } });
  const trainer = await DqnTrainer.create({
    envId: 'MarsRover-v0',
    options,
    seed: 0,
    numEnvs: 1,
    totalSteps: PRESETS['MarsRover-v0']!.steps,
  });
  const summary = await trainer.run();
  expect(summary.status).toBe('finished');
  // One-hot rows for states 1..6.
  const inputs = new Float32Array(36);
  for (let s = 0; s < 6; s++) inputs[s * 6 + s] = 1;
  const q = Array.from(trainer.agent.learner.qValues(inputs, 6));
  trainer.close();
  const exact = solveMarsRover({ gamma, misstepProbability }).q.flat();
  const worst = Math.max(...q.map((v, i) => Math.abs(v - exact[i]!) / Math.abs(exact[i]!)));
  return { worst, q };
}

describe('DQN learns', () => {
  it('MarsRover-v0: Q within 1% of the exact solver for γ = 0.5 and γ = 0.9', async () => {
    for (const gamma of [0.5, 0.9]) {
      const { worst, q } = await roverError(gamma, 0);
      expect(worst, `γ ${gamma}: ${q.map((v) => v.toFixed(2)).join(' ')}`).toBeLessThan(0.01);
    }
  });

  it('MarsRover-v0 with 10% missteps: Q within 1% of the stochastic solution (γ = 0.9)', async () => {
    const { worst, q } = await roverError(0.9, 0.1);
    expect(worst, q.map((v) => v.toFixed(2)).join(' ')).toBeLessThan(0.01);
  });

  it('CartPole-v1 (preset, seed 0): 100-episode mean ≥ 475 within 100,000 steps, and the greedy policy holds', async () => {
    const trainer = await DqnTrainer.create({
      envId: 'CartPole-v1',
      options: resolveDqnOptions('CartPole-v1'),
      seed: 0,
      numEnvs: 1,
      totalSteps: PRESETS['CartPole-v1']!.steps,
    });
    const summary = await trainer.run();
    expect(summary.status).toBe('solved');
    expect(summary.solvedAtStep).toBeLessThanOrEqual(100_000);
    expect(summary.meanReturn100).toBeGreaterThanOrEqual(475);
    const greedy = evaluateGreedy({
      envId: 'CartPole-v1',
      spec: trainer.agent.spec,
      weights: trainer.best!.weights,
      episodes: 10,
      seed: 0,
    });
    expect(greedy.meanReturn).toBeGreaterThanOrEqual(475);
    trainer.close();
  });
});
