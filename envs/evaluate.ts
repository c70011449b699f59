import type { Env } from './core/env.ts';
import { makePolicy } from './policies.ts';
import { makeEnv } from './registry.ts';

export interface EvaluateOptions {
  envId: string;
  policy: string;
  episodes: number;
  /** Episode i is reset with seed + i, so "seeds 0–99" is seed 0 with 100 episodes. */
  seed: number;
  envOptions?: Record<string, unknown>;
  onEpisode?: (done: number, lastReturn: number) => void;
}

export interface EvaluateSummary {
  env: string;
  policy: string;
  episodes: number;
  meanReturn: number;
  stdReturn: number;
  /** Episodes that ended at rest (lander); 0 for envs where it does not apply. */
  landed: number;
  /** Episodes that ended with the hull touching the ground (lander); 0 for envs where it does not apply. */
  crashed: number;
  /** Episodes that ended by leaving the viewport (lander |x| ≥ 1); 0 for envs where it does not apply. */
  outOfBounds: number;
  /** Episodes cut by the time limit. */
  truncated: number;
  meanLength: number;
  stepsPerSecond: number;
  returns: number[];
}

/** Runs a named policy for N seeded episodes and summarises returns and outcomes. */
export function evaluatePolicy(opts: EvaluateOptions): EvaluateSummary {
  const env: Env = makeEnv(opts.envId, opts.envOptions ?? {});
  env.actionSpace.seed(opts.seed);
  const policy = makePolicy(opts.envId, opts.policy, env);
  const returns: number[] = [];
  let landed = 0;
  let crashed = 0;
  let outOfBounds = 0;
  let truncated = 0;
  let totalSteps = 0;
  const start = performance.now();
  for (let ep = 0; ep < opts.episodes; ep++) {
    let { obs } = env.reset({ seed: opts.seed + ep });
    let ret = 0;
    for (;;) {
      const r = env.step(policy(obs));
      ret += r.reward;
      totalSteps++;
      obs = r.obs;
      if (r.terminated || r.truncated) {
        const outcome = r.info['outcome'];
        if (r.terminated && outcome === 'landed') landed++;
        else if (r.terminated && outcome === 'crashed') crashed++;
        else if (r.terminated && outcome === 'outOfBounds') outOfBounds++;
        else if (r.truncated) truncated++;
        break;
      }
    }
    returns.push(ret);
    opts.onEpisode?.(ep + 1, ret);
  }
  const seconds = (performance.now() - start) / 1000;
  env.close();
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const variance = returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length;
  return {
    env: opts.envId,
    policy: opts.policy,
    episodes: opts.episodes,
    meanReturn: mean,
    stdReturn: Math.sqrt(variance),
    landed,
    crashed,
    outOfBounds,
    truncated,
    meanLength: totalSteps / opts.episodes,
    stepsPerSecond: totalSteps / Math.max(seconds, 1e-9),
    returns,
  };
}
