import * as tf from '@tensorflow/tfjs';
import {
  checkWeights,
  type NetworkSpec,
  OPTIMIZER_SLOTS,
  type OptimizerSpec,
  type OptimizerState,
  type QLearner,
  type UpdateSettings,
  type UpdateStats,
  weightShapes,
} from './learner.ts';
import { allocateBatch, type Batch } from './replay-buffer.ts';

export interface TfjsLearnerOptions {
  spec: NetworkSpec;
  optimizer: OptimizerSpec;
  batchSize: number;
}

/**
 * The DQN update in TensorFlow.js ops on whichever backend `models/backend.ts` selected (tfjs-node where it
 * installs, wasm here). One `tf.tidy` per update, dense layers as `tf.fused.matMul` (bias and ReLU in the same
 * op), the loss/Q statistics read back only when asked, and the optimizer written with the same formulas as the
 * fused learner (TensorFlow.js's own Adam/RMSProp/momentum), so the two agree and share checkpoints.
 */
export class TfjsLearner implements QLearner {
  readonly backend: string;
  readonly spec: NetworkSpec;
  readonly batch: Batch;
  readonly tdErrors: Float32Array;
  private readonly online: tf.Variable[];
  private readonly target: tf.Variable[];
  /** Optimizer slots as one flat variable each (all parameters concatenated in layers order). */
  private readonly slots: Record<string, tf.Variable>;
  private readonly sizes: number[];
  private readonly optimizer: OptimizerSpec;
  private step = 0;

  constructor(options: TfjsLearnerOptions) {
    this.spec = options.spec;
    this.optimizer = options.optimizer;
    this.backend = `tfjs-${tf.getBackend()}`;
    this.batch = allocateBatch(options.batchSize, options.spec.inputSize);
    this.tdErrors = new Float32Array(options.batchSize);
    const shapes = weightShapes(options.spec);
    const zeros = () => shapes.map((s) => tf.variable(tf.zeros(s), false));
    this.online = shapes.map((s) => tf.variable(tf.zeros(s), true));
    this.target = zeros();
    this.sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
    const total = this.sizes.reduce((a, b) => a + b, 0);
    this.slots = Object.fromEntries(
      OPTIMIZER_SLOTS[options.optimizer.kind].map((name) => [name, tf.variable(tf.zeros([total]), false)]),
    );
  }

  qValues(inputs: Float32Array, rows: number): Float32Array {
    const n = this.spec.inputSize;
    const q = tf.tidy(() => this.forward(this.online, tf.tensor2d(inputs.subarray(0, rows * n), [rows, n])));
    const values = q.dataSync() as Float32Array;
    q.dispose();
    return values;
  }

  update(settings: UpdateSettings, readStats: boolean): UpdateStats | null {
    const { batch, spec } = this;
    const B = batch.size;
    const n = spec.inputSize;
    const out = tf.tidy(() => {
      const s = tf.tensor2d(batch.obs, [B, n]);
      const s2 = tf.tensor2d(batch.nextObs, [B, n]);
      const actionMask = tf.oneHot(tf.tensor1d(batch.actions, 'int32'), spec.numActions);
      const rewards = tf.tensor1d(batch.rewards);
      const notDone = tf.sub(1, tf.tensor1d(batch.terminated));
      const weights = tf.tensor1d(batch.weights);
      const tq = this.forward(this.target, s2);
      const next = settings.doubleDqn
        ? tf.sum(tf.mul(tq, tf.oneHot(tf.argMax(this.forward(this.online, s2), 1), spec.numActions)), 1)
        : tf.max(tq, 1);
      const y = tf.add(rewards, tf.mul(tf.mul(next, notDone), settings.gamma));
      // variableGrads disposes what its function creates; keep the two statistics (disposed below).
      let meanQ: tf.Tensor | undefined;
      let err: tf.Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const qa = tf.sum(tf.mul(this.forward(this.online, s), actionMask), 1);
        const e = tf.sub(qa, y);
        meanQ = tf.keep(tf.mean(qa));
        err = tf.keep(e);
        return tf.mean(tf.mul(weights, lossOf(e, settings))) as tf.Scalar;
      }, this.online);
      let g = this.online.map((v) => grads[v.name]!);
      if (settings.maxGradNorm !== null) g = clipByGlobalNorm(g, settings.maxGradNorm);
      this.applyOptimizer(g, settings.learningRate);
      return { loss: value, meanQ: meanQ!, err: err! };
    });
    this.step++;
    try {
      if (settings.wantTdErrors) this.tdErrors.set(out.err.dataSync() as Float32Array);
      if (!readStats) return null;
      return { loss: out.loss.dataSync()[0]!, meanQ: out.meanQ.dataSync()[0]! };
    } finally {
      tf.dispose([out.loss, out.meanQ, out.err]);
    }
  }

  updateTarget(tau: number): void {
    tf.tidy(() => {
      this.target.forEach((t, i) => {
        const p = this.online[i]!;
        t.assign(tau >= 1 ? p : tf.add(t, tf.mul(tf.sub(p, t), tau)));
      });
    });
  }

  getWeights(which: 'online' | 'target'): Float32Array[] {
    return (which === 'online' ? this.online : this.target).map((v) =>
      (v.dataSync() as Float32Array).slice(),
    );
  }

  setWeights(which: 'online' | 'target', weights: readonly Float32Array[]): void {
    checkWeights(this.spec, weights, `TfjsLearner.setWeights(${which})`);
    assignAll(which === 'online' ? this.online : this.target, weights);
  }

  async getOptimizerState(): Promise<OptimizerState> {
    const slots: Record<string, Float32Array[]> = {};
    for (const [name, v] of Object.entries(this.slots)) {
      const flat = (await v.data()) as Float32Array;
      let offset = 0;
      slots[name] = this.sizes.map((n) => {
        offset += n;
        return flat.slice(offset - n, offset);
      });
    }
    return { kind: this.optimizer.kind, step: this.step, slots };
  }

  async setOptimizerState(state: OptimizerState): Promise<void> {
    if (state.kind !== this.optimizer.kind) {
      throw new RangeError(
        `optimizer state is for '${state.kind}', this learner uses '${this.optimizer.kind}'`,
      );
    }
    for (const name of OPTIMIZER_SLOTS[state.kind]) {
      const tensors = state.slots[name];
      if (!tensors) throw new RangeError(`optimizer state lacks slot '${name}'`);
      checkWeights(this.spec, tensors, `optimizer slot '${name}'`);
      const flat = new Float32Array(this.sizes.reduce((a, b) => a + b, 0));
      let offset = 0;
      for (const t of tensors) {
        flat.set(t, offset);
        offset += t.length;
      }
      this.slots[name]!.assign(tf.tensor1d(flat));
    }
    this.step = state.step;
  }

  dispose(): void {
    tf.dispose([...this.online, ...this.target, ...Object.values(this.slots)]);
  }

  private forward(vars: tf.Variable[], x: tf.Tensor2D): tf.Tensor2D {
    const layers = vars.length / 2;
    let h = x;
    for (let l = 0; l < layers; l++) {
      const hidden = l < layers - 1;
      const relu = hidden && this.spec.activation === 'relu';
      h = tf.fused.matMul({
        a: h,
        b: vars[2 * l] as tf.Tensor2D,
        bias: vars[2 * l + 1],
        activation: relu ? 'relu' : 'linear',
      }) as tf.Tensor2D;
      if (hidden && !relu) h = this.spec.activation === 'tanh' ? tf.tanh(h) : (tf.elu(h) as tf.Tensor2D);
    }
    return h;
  }

  /**
   * The fused learner's formulas (see fused/flat-optimizer.ts) on all parameters at once: the gradients are
   * concatenated into one vector, so each optimizer op runs once instead of once per weight tensor (a small
   * network's update time is mostly per-op overhead).
   */
  private applyOptimizer(grads: tf.Tensor[], lr: number): void {
    const { kind, beta1, beta2, epsilon, rmspropDecay, momentum } = this.optimizer;
    const t = this.step + 1;
    const g = tf.concat(grads.map((x) => tf.reshape(x, [-1])));
    let delta: tf.Tensor;
    if (kind === 'adam') {
      const m = this.slots['m']!;
      const v = this.slots['v']!;
      const mNew = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
      const vNew = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
      m.assign(mNew);
      v.assign(vNew);
      delta = tf.div(
        tf.mul(mNew, lr / (1 - beta1 ** t)),
        tf.add(tf.sqrt(tf.div(vNew, 1 - beta2 ** t)), epsilon),
      );
    } else if (kind === 'rmsprop') {
      const ms = this.slots['meanSquare']!;
      const mom = this.slots['moment']!;
      const msNew = tf.add(tf.mul(ms, rmspropDecay), tf.mul(tf.square(g), 1 - rmspropDecay));
      const momNew = tf.add(tf.mul(mom, momentum), tf.div(tf.mul(g, lr), tf.sqrt(tf.add(msNew, epsilon))));
      ms.assign(msNew);
      mom.assign(momNew);
      delta = momNew;
    } else {
      const mom = this.slots['moment']!;
      const momNew = tf.add(tf.mul(mom, momentum), g);
      mom.assign(momNew);
      delta = tf.mul(momNew, lr);
    }
    const parts = tf.split(delta, this.sizes);
    this.online.forEach((p, i) => {
      p.assign(tf.sub(p, tf.reshape(parts[i]!, p.shape)));
    });
  }
}

function lossOf(err: tf.Tensor, settings: UpdateSettings): tf.Tensor {
  if (settings.loss === 'mse') return tf.square(err);
  const d = settings.huberDelta;
  const abs = tf.abs(err);
  const quadratic = tf.minimum(abs, d);
  // 0.5·q² + d·(|e| − q): Huber's loss, with the kink at d.
  return tf.add(tf.mul(tf.square(quadratic), 0.5), tf.mul(tf.sub(abs, quadratic), d));
}

/** PyTorch's clip_grad_norm_ rule: scale by max/(‖g‖ + 1e-6) when the global norm exceeds max. */
function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): tf.Tensor[] {
  const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
  const scale = tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1);
  return grads.map((g) => tf.mul(g, scale));
}

function assignAll(vars: tf.Variable[], values: readonly Float32Array[]): void {
  tf.tidy(() => {
    vars.forEach((v, i) => {
      v.assign(tf.tensor(values[i]!, v.shape));
    });
  });
}
