import { makeEnv } from '../../envs/registry.ts';
import { makeEncoder } from './encoder.ts';
import { FusedLearner } from './fused/fused-learner.ts';
import { argmaxRows, type NetworkSpec } from './learner.ts';

export interface GreedyEvalOptions {
  envId: string;
  envOptions?: Record<string, unknown>;
  spec: NetworkSpec;
  weights: Float32Array[];
  episodes: number;
  /** Episode i is reset with seed + i. */
  seed: number;
  onEpisode?: (done: number, lastReturn: number) => void;
}

export interface GreedyEvalSummary {
  meanReturn: number;
  stdReturn: number;
  episodes: number;
  /** Lander episodes that ended at rest on the ground; 0 for other envs. */
  landed: number;
  /** Lander episodes that ended in a crash or out of bounds; 0 for other envs. */
  crashed: number;
  truncated: number;
  meanLength: number;
  returns: number[];
}

/** Runs the greedy policy argmax_a Q(s, a) of a trained network for N seeded episodes (no exploration). */
export function evaluateGreedy(o: GreedyEvalOptions): GreedyEvalSummary {
  const env = makeEnv(o.envId, o.envOptions ?? {});
  const encoder = makeEncoder(env.observationSpace);
  if (encoder.inputSize !== o.spec.inputSize) {
    throw new RangeError(
      `the network takes ${o.spec.inputSize} inputs but ${o.envId} observations encode to ${encoder.inputSize}`,
    );
  }
  // The forward pass only; optimizer settings are irrelevant here.
  const net = new FusedLearner({
    spec: o.spec,
    batchSize: 1,
    optimizer: { kind: 'sgd', beta1: 0, beta2: 0, epsilon: 1, rmspropDecay: 0, momentum: 0 },
  });
  net.setWeights('online', o.weights);
  const input = new Float32Array(encoder.inputSize);
  const action = new Int32Array(1);
  const returns: number[] = [];
  let landed = 0;
  let crashed = 0;
  let truncated = 0;
  let steps = 0;
  for (let ep = 0; ep < o.episodes; ep++) {
    let { obs } = env.reset({ seed: o.seed + ep });
    let ret = 0;
    for (;;) {
      encoder.encode(typeof obs === 'number' ? [obs] : obs, 0, input, 0);
      argmaxRows(net.qValues(input, 1), 1, o.spec.numActions, action);
      const r = env.step(action[0]!);
      ret += r.reward;
      steps++;
      obs = r.obs;
      if (r.terminated || r.truncated) {
        const outcome = r.info['outcome'];
        if (r.terminated && outcome === 'landed') landed++;
        else if (r.terminated && (outcome === 'crashed' || outcome === 'outOfBounds')) crashed++;
        if (r.truncated) truncated++;
        break;
      }
    }
    returns.push(ret);
    o.onEpisode?.(ep + 1, ret);
  }
  env.close();
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const variance = returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length;
  return {
    meanReturn: mean,
    stdReturn: Math.sqrt(variance),
    episodes: o.episodes,
    landed,
    crashed,
    truncated,
    meanLength: steps / o.episodes,
    returns,
  };
}
