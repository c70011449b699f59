import type { Rng } from '../../envs/core/rng.ts';
import type { Batch } from './replay-buffer.ts';

/** The Q-network's shape: input → hidden layers → one output per action. */
export interface NetworkSpec {
  inputSize: number;
  hiddenSizes: readonly number[];
  activation: 'relu' | 'tanh' | 'elu';
  numActions: number;
}

export interface OptimizerSpec {
  kind: 'adam' | 'rmsprop' | 'sgd';
  beta1: number;
  beta2: number;
  epsilon: number;
  rmspropDecay: number;
  momentum: number;
}

/** Per-update settings; γ and the learning rate may change between updates (live tuning, schedules). */
export interface UpdateSettings {
  gamma: number;
  learningRate: number;
  loss: 'mse' | 'huber';
  huberDelta: number;
  maxGradNorm: number | null;
  doubleDqn: boolean;
  /** Write each row's TD error into `learner.tdErrors` (prioritized replay needs them every update). */
  wantTdErrors: boolean;
}

/** CleanRL's `losses/td_loss` and `losses/q_values` (mean Q of the taken actions) for one update. */
export interface UpdateStats {
  loss: number;
  meanQ: number;
}

/**
 * Optimizer state in a learner-independent form, so a checkpoint written by one learner resumes in the other:
 * `step` updates done, and per slot ('m'/'v' for Adam, 'meanSquare'/'moment' for RMSProp, 'moment' for SGD)
 * one array per weight tensor, in `getWeights` order.
 */
export interface OptimizerState {
  kind: OptimizerSpec['kind'];
  step: number;
  slots: Record<string, Float32Array[]>;
}

export const OPTIMIZER_SLOTS: Record<OptimizerSpec['kind'], readonly string[]> = {
  adam: ['m', 'v'],
  rmsprop: ['meanSquare', 'moment'],
  sgd: ['moment'],
};

/**
 * A Q-network with its target network and optimizer. Two implementations: the fused learner (hand-written
 * kernels, the default) and the TensorFlow.js one; they agree numerically (test/agents/learner-agreement).
 * Weights are exchanged in TensorFlow.js layers order: [kernel₁ (in × out, row-major), bias₁, kernel₂, …].
 */
export interface QLearner {
  /** What computes the updates, for summaries: 'fused-wasm-simd', 'fused-js', 'tfjs-wasm', 'tfjs-cpu', … */
  readonly backend: string;
  readonly spec: NetworkSpec;
  /** The mini-batch the replay buffer samples into (batchSize rows). */
  readonly batch: Batch;
  /** TD errors (Q − y) of the last update's rows when `wantTdErrors` was set. */
  readonly tdErrors: Float32Array;
  /** Online Q-values for `rows` inputs (rows × inputSize): rows × numActions, valid until the next call. */
  qValues(inputs: Float32Array, rows: number): Float32Array;
  /** One gradient step on `batch`. Stats only when `readStats` (a TensorFlow.js learner syncs to read them). */
  update(settings: UpdateSettings, readStats: boolean): UpdateStats | null;
  /** Q_target ← τ·Q + (1 − τ)·Q_target; τ = 1 copies. */
  updateTarget(tau: number): void;
  getWeights(which: 'online' | 'target'): Float32Array[];
  setWeights(which: 'online' | 'target', weights: readonly Float32Array[]): void;
  getOptimizerState(): Promise<OptimizerState>;
  setOptimizerState(state: OptimizerState): Promise<void>;
  dispose(): void;
}

/** [rows, cols] of each weight tensor in layers order. */
export function weightShapes(spec: NetworkSpec): number[][] {
  const sizes = [spec.inputSize, ...spec.hiddenSizes, spec.numActions];
  const shapes: number[][] = [];
  for (let l = 0; l + 1 < sizes.length; l++) shapes.push([sizes[l]!, sizes[l + 1]!], [sizes[l + 1]!]);
  return shapes;
}

/** Keras's defaults (Glorot-uniform kernels, zero biases), drawn from the agent's Rng so runs replay exactly. */
export function initialWeights(spec: NetworkSpec, rng: Rng): Float32Array[] {
  return weightShapes(spec).map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const w = new Float32Array(size);
    if (shape.length === 2) {
      const limit = Math.sqrt(6 / (shape[0]! + shape[1]!));
      for (let i = 0; i < size; i++) w[i] = rng.uniformRange(-limit, limit);
    }
    return w;
  });
}

export function checkWeights(spec: NetworkSpec, weights: readonly Float32Array[], what: string): void {
  const shapes = weightShapes(spec);
  if (weights.length !== shapes.length) {
    throw new RangeError(`${what}: expected ${shapes.length} weight tensors, got ${weights.length}`);
  }
  shapes.forEach((shape, i) => {
    const size = shape.reduce((a, b) => a * b, 1);
    if (weights[i]!.length !== size) {
      throw new RangeError(
        `${what}: tensor ${i} has ${weights[i]!.length} values, [${shape.join(', ')}] needs ${size}`,
      );
    }
  });
}

/** argmax over each row of a rows × n matrix; ties go to the lowest index. */
export function argmaxRows(values: Float32Array, rows: number, n: number, out: Int32Array): void {
  for (let i = 0; i < rows; i++) {
    let best = 0;
    let bestValue = values[i * n]!;
    for (let a = 1; a < n; a++) {
      const v = values[i * n + a]!;
      if (v > bestValue) {
        bestValue = v;
        best = a;
      }
    }
    out[i] = best;
  }
}
