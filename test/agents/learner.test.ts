import { beforeAll, describe, expect, it } from 'vitest';
import { FusedLearner } from '../../agents/dqn/fused/fused-learner.ts';
import { createKernels } from '../../agents/dqn/fused/kernels.ts';
import {
  initialWeights,
  type NetworkSpec,
  type OptimizerSpec,
  type QLearner,
  type UpdateSettings,
} from '../../agents/dqn/learner.ts';
import { TfjsLearner } from '../../agents/dqn/tfjs-learner.ts';
import { Rng } from '../../envs/core/rng.ts';
import { initBackend } from '../../models/backend.ts';

const ADAM: OptimizerSpec = {
  kind: 'adam',
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-7,
  rmspropDecay: 0.9,
  momentum: 0,
};
const BASE: UpdateSettings = {
  gamma: 0.9,
  learningRate: 1e-3,
  loss: 'mse',
  huberDelta: 1,
  maxGradNorm: null,
  doubleDqn: false,
  wantTdErrors: true,
};

type Kind = 'fused-wasm' | 'fused-js' | 'tfjs';
const KINDS: Kind[] = ['fused-wasm', 'fused-js', 'tfjs'];

function make(kind: Kind, spec: NetworkSpec, batchSize: number, optimizer = ADAM): QLearner {
  if (kind === 'tfjs') return new TfjsLearner({ spec, optimizer, batchSize });
  return new FusedLearner({ spec, optimizer, batchSize, kernels: kind === 'fused-js' ? 'js' : 'wasm-simd' });
}

function maxRelDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < a[i]!.length; j++) {
      const v = a[i]![j]!;
      worst = Math.max(worst, Math.abs(v - b[i]![j]!) / (1e-3 + Math.abs(v)));
    }
  }
  return worst;
}

/** Largest |actual − f(tensor, index)| over a list of tensors. */
function maxAbsDiff(actual: Float32Array[], f: (i: number, j: number) => number): number {
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    for (let j = 0; j < actual[i]!.length; j++) worst = Math.max(worst, Math.abs(actual[i]![j]! - f(i, j)));
  }
  return worst;
}

beforeAll(async () => {
  await initBackend();
});

describe('fused kernels', () => {
  it('WebAssembly SIMD and JavaScript kernels compute the same products as a naive loop', () => {
    for (const kind of ['wasm-simd', 'js'] as const) {
      const k = createKernels(1 << 16, kind);
      expect(k.name).toBe(kind);
      const h = k.heap;
      const rng = new Rng(1);
      for (let i = 0; i < 4000; i++) h[i] = rng.uniformRange(-1, 1);
      const [M, K, N] = [5, 7, 20];
      // nn with A read transposed through strides: A(i, k) = h[k·M + i].
      k.nn(0, 4, M * 4, 1000 * 4, 2000 * 4, 3000 * 4, M, K, N, 1);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s = h[2000 + j]!;
          for (let kk = 0; kk < K; kk++) s += h[kk * M + i]! * h[1000 + kk * N + j]!;
          expect(h[3000 + i * N + j]).toBeCloseTo(Math.max(0, s), 5);
        }
      }
      // nt with a ReLU mask.
      k.nt(0, 1000 * 4, 3000 * 4, 2000 * 4, M, N, 8);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let kk = 0; kk < 8; kk++) s += h[i * 8 + kk]! * h[1000 + j * 8 + kk]!;
          expect(h[3000 + i * N + j]).toBeCloseTo(h[2000 + i * N + j]! > 0 ? s : 0, 5);
        }
      }
    }
  });
});

describe('learners', () => {
  it('the fused learners (SIMD and JS kernels) and the TensorFlow.js learner agree update by update', () => {
    const cases: { spec: NetworkSpec; optimizer: OptimizerSpec; settings: Partial<UpdateSettings> }[] = [
      {
        spec: { inputSize: 8, hiddenSizes: [64, 64], activation: 'relu', numActions: 4 },
        optimizer: ADAM,
        settings: {},
      },
      {
        // Sizes that are not multiples of 4 exercise the fused learner's zero padding.
        spec: { inputSize: 6, hiddenSizes: [5, 7], activation: 'tanh', numActions: 3 },
        optimizer: { ...ADAM, kind: 'rmsprop', momentum: 0.5 },
        settings: { loss: 'huber', maxGradNorm: 0.5 },
      },
      {
        spec: { inputSize: 3, hiddenSizes: [9], activation: 'elu', numActions: 2 },
        optimizer: { ...ADAM, kind: 'sgd', momentum: 0.9 },
        settings: { doubleDqn: true, learningRate: 1e-2 },
      },
      {
        spec: { inputSize: 4, hiddenSizes: [], activation: 'relu', numActions: 2 },
        optimizer: ADAM,
        settings: {},
      },
    ];
    for (const { spec, optimizer, settings } of cases) {
      const rng = new Rng(42);
      const w = initialWeights(spec, rng);
      const learners = KINDS.map((k) => make(k, spec, 16, optimizer));
      for (const l of learners) {
        l.setWeights('online', w);
        l.setWeights('target', initialWeights(spec, new Rng(7)));
      }
      for (let step = 0; step < 15; step++) {
        const data = new Rng(100 + step);
        const obs = Float32Array.from({ length: 16 * spec.inputSize }, () => data.normal());
        const next = Float32Array.from({ length: 16 * spec.inputSize }, () => data.normal());
        const actions = Int32Array.from({ length: 16 }, () => data.int(spec.numActions));
        const rewards = Float32Array.from({ length: 16 }, () => data.normal() * 3);
        const terminated = Float32Array.from({ length: 16 }, () => (data.uniform() < 0.2 ? 1 : 0));
        const stats = learners.map((l) => {
          l.batch.obs.set(obs);
          l.batch.nextObs.set(next);
          l.batch.actions.set(actions);
          l.batch.rewards.set(rewards);
          l.batch.terminated.set(terminated);
          const s = l.update({ ...BASE, ...settings }, true)!;
          l.updateTarget(0.05);
          return s;
        });
        for (const s of stats.slice(1)) {
          expect(s.loss).toBeCloseTo(stats[0]!.loss, 4);
          expect(s.meanQ).toBeCloseTo(stats[0]!.meanQ, 4);
        }
      }
      const ref = learners[0]!;
      for (const l of learners.slice(1)) {
        expect(maxRelDiff(ref.getWeights('online'), l.getWeights('online')), l.backend).toBeLessThan(2e-4);
        expect(maxRelDiff(ref.getWeights('target'), l.getWeights('target')), l.backend).toBeLessThan(2e-4);
        const x = Float32Array.from({ length: 3 * spec.inputSize }, (_, i) => Math.sin(i));
        const qa = ref.qValues(x, 3);
        const qb = l.qValues(x, 3);
        expect(maxAbsDiff([qb], (_, i) => qa[i]!)).toBeLessThan(1e-3);
      }
      for (const l of learners) l.dispose();
    }
  });

  it('targets bootstrap through truncation but not through termination (y = r + γ·max Q_target·(1 − terminated))', () => {
    // A linear Q (no hidden layer) with online Q ≡ 0, so each TD error is −y.
    const spec: NetworkSpec = { inputSize: 2, hiddenSizes: [], activation: 'relu', numActions: 2 };
    for (const kind of KINDS) {
      const l = make(kind, spec, 4);
      l.setWeights('online', [new Float32Array(4), new Float32Array(2)]);
      // Q_target(s') = [s'₀, 2·s'₀]: the max is 2·s'₀ for s'₀ > 0. Online Q for Double DQN below.
      l.setWeights('target', [Float32Array.from([1, 2, 0, 0]), new Float32Array(2)]);
      const b = l.batch;
      b.obs.fill(0);
      b.nextObs.set([3, 0, 3, 0, 5, 0, 5, 0]);
      b.rewards.set([1, 1, -2, 0.5]);
      // Rows 0 and 2: cut by a time limit (truncated, not terminated) → bootstrap; rows 1 and 3 terminated.
      b.terminated.set([0, 1, 0, 1]);
      b.actions.set([0, 1, 0, 1]);
      l.update({ ...BASE, gamma: 0.9, learningRate: 1e-9 }, true);
      const y = Array.from(l.tdErrors, (e) => -e);
      expect(y[0]).toBeCloseTo(1 + 0.9 * 6, 4);
      expect(y[1]).toBeCloseTo(1, 6);
      expect(y[2]).toBeCloseTo(-2 + 0.9 * 10, 4);
      expect(y[3]).toBeCloseTo(0.5, 6);
      // Double DQN: the online network picks the action (here action 0), the target network values it.
      l.setWeights('online', [Float32Array.from([1e-3, -1e-3, 0, 0]), new Float32Array(2)]);
      l.update({ ...BASE, gamma: 0.9, learningRate: 1e-9, doubleDqn: true }, true);
      expect(-l.tdErrors[0]!).toBeCloseTo(1 + 0.9 * 3, 4);
      expect(-l.tdErrors[2]!).toBeCloseTo(-2 + 0.9 * 5, 4);
      l.dispose();
    }
  });

  it('soft update: Q_target ← τ·Q + (1 − τ)·Q_target; τ = 1 copies', () => {
    const spec: NetworkSpec = { inputSize: 5, hiddenSizes: [6], activation: 'relu', numActions: 3 };
    for (const kind of KINDS) {
      const l = make(kind, spec, 4);
      const a = initialWeights(spec, new Rng(1));
      const b = initialWeights(spec, new Rng(2));
      a[1]!.fill(0.5);
      l.setWeights('online', a);
      l.setWeights('target', b);
      l.updateTarget(0.1);
      expect(maxAbsDiff(l.getWeights('target'), (i, j) => 0.1 * a[i]![j]! + 0.9 * b[i]![j]!)).toBeLessThan(
        1e-7,
      );
      for (let n = 1; n < 10; n++) l.updateTarget(0.1);
      const f = 1 - 0.9 ** 10;
      expect(maxAbsDiff(l.getWeights('target'), (i, j) => f * a[i]![j]! + (1 - f) * b[i]![j]!)).toBeLessThan(
        1e-6,
      );
      l.updateTarget(1);
      expect(l.getWeights('target')).toEqual(a);
      l.dispose();
    }
  });

  it('optimizer state round-trips between the two implementations', async () => {
    const spec: NetworkSpec = { inputSize: 3, hiddenSizes: [5], activation: 'relu', numActions: 2 };
    const fused = make('fused-wasm', spec, 8);
    const tfjs = make('tfjs', spec, 8);
    const w = initialWeights(spec, new Rng(3));
    fused.setWeights('online', w);
    fused.setWeights('target', w);
    const data = new Rng(9);
    for (let i = 0; i < fused.batch.obs.length; i++) fused.batch.obs[i] = data.normal();
    fused.batch.rewards.fill(1);
    for (let s = 0; s < 5; s++) fused.update(BASE, false);
    const state = await fused.getOptimizerState();
    expect(state.step).toBe(5);
    await tfjs.setOptimizerState(state);
    const back = await tfjs.getOptimizerState();
    expect(back.step).toBe(5);
    expect(back.slots).toEqual(state.slots);
    fused.dispose();
    tfjs.dispose();
  });
});
