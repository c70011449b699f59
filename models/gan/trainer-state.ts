import * as tf from '@tensorflow/tfjs';

/**
 * A GAN trainer's resumable state: named tensors (weights, sngan's u vectors, weight averages) and optimiser
 * slots in one float32 buffer (`state.bin`), described by a manifest (`state.json`) that also holds the step
 * count and the Rng state (which seeds every tfjs random op), so a resumed run continues bit for bit.
 */
export interface GanTrainerState {
  version: 1;
  steps: number;
  rng: number[];
  tensors: { name: string; shape: number[] }[];
}

export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** Packs `named` tensors and each optimiser's slots (names prefixed `<prefix>/`). */
export async function packTrainerState(
  named: NamedTensor[],
  optimizers: [prefix: string, opt: tf.Optimizer][],
  steps: number,
  rng: number[],
): Promise<{ state: GanTrainerState; data: Uint8Array }> {
  const opt: NamedTensor[] = [];
  for (const [prefix, o] of optimizers) {
    for (const w of await o.getWeights()) opt.push({ name: `${prefix}/${w.name}`, tensor: w.tensor });
  }
  const all = [...named, ...opt];
  const parts = await Promise.all(all.map((n) => n.tensor.data() as Promise<Float32Array>));
  // getWeights hands out the optimiser's own slot variables, plus a fresh 'iter' scalar to free.
  tf.dispose(opt.filter((o) => o.name.endsWith('/iter')).map((o) => o.tensor));
  const flat = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    flat.set(p, at);
    at += p.length;
  }
  return {
    state: { version: 1, steps, rng, tensors: all.map((n) => ({ name: n.name, shape: n.tensor.shape })) },
    data: new Uint8Array(flat.buffer),
  };
}

/** The saved tensors by name; throws on a version or length mismatch. */
export class SavedTensors {
  private readonly byName = new Map<string, { shape: number[]; values: Float32Array }>();
  readonly state: GanTrainerState;

  constructor(state: GanTrainerState, data: Uint8Array) {
    this.state = state;
    if (state.version !== 1) throw new RangeError(`unsupported GAN state version ${state.version}`);
    const flat = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    let at = 0;
    for (const t of state.tensors) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      if (at + n > flat.length) throw new RangeError('GAN state data is shorter than its manifest');
      this.byName.set(t.name, { shape: t.shape, values: flat.subarray(at, at + n) });
      at += n;
    }
  }

  /** The saved values of `name`, which must have `shape` (a view into the loaded buffer). */
  values(name: string, shape: number[]): Float32Array {
    const got = this.byName.get(name);
    if (!got || got.shape.join() !== shape.join()) {
      throw new RangeError(`GAN state: '${name}' missing or shaped [${got?.shape}] instead of [${shape}]`);
    }
    return got.values;
  }

  /** Assigns the saved `name` to `v` (same shape required). */
  into(name: string, v: tf.Variable): void {
    const values = this.values(name, v.shape);
    tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
  }

  /** Restores each optimiser's slots saved under `<prefix>/`. */
  async intoOptimizers(optimizers: [prefix: string, opt: tf.Optimizer][]): Promise<void> {
    for (const [prefix, opt] of optimizers) {
      const weights = this.state.tensors
        .filter((t) => t.name.startsWith(`${prefix}/`))
        .map((t) => {
          const v = this.byName.get(t.name)!;
          return { name: t.name.slice(prefix.length + 1), tensor: tf.tensor(v.values, v.shape) };
        });
      await opt.setWeights(weights);
      tf.dispose(weights.map((w) => w.tensor));
      restoreAdamPowers(opt);
    }
  }
}

/**
 * tfjs's Adam keeps β₁ᵗ and β₂ᵗ as running float32 products, but `setWeights` recomputes them with `pow`,
 * which differs in the last bits; recompute them as the running products so a resumed run is bit-identical.
 */
function restoreAdamPowers(opt: tf.Optimizer): void {
  const adam = opt as unknown as {
    beta1?: number;
    beta2?: number;
    iterations_?: number;
    accBeta1?: tf.Variable;
    accBeta2?: tf.Variable;
  };
  if (!(opt instanceof tf.AdamOptimizer) || !adam.accBeta1 || !adam.accBeta2) return;
  const n = adam.iterations_ ?? 0;
  for (const [acc, beta] of [
    [adam.accBeta1, adam.beta1!],
    [adam.accBeta2, adam.beta2!],
  ] as const) {
    const b = Math.fround(beta);
    let p = b;
    for (let i = 0; i < n; i++) p = Math.fround(p * b);
    tf.tidy(() => acc.assign(tf.scalar(p)));
  }
}
