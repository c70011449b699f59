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
} from '../learner.ts';
import { allocateBatch, type Batch } from '../replay-buffer.ts';
import { FlatOptimizer } from './flat-optimizer.ts';
import { createKernels, type MatrixKernels } from './kernels.ts';

export interface FusedLearnerOptions {
  spec: NetworkSpec;
  optimizer: OptimizerSpec;
  batchSize: number;
  /** Most rows one `qValues` call computes at once (the number of vector envs); more are done in chunks. */
  maxActRows?: number;
  /** Force the plain-JavaScript kernels (tests compare the two). */
  kernels?: 'wasm-simd' | 'js';
}

const pad4 = (n: number) => Math.ceil(n / 4) * 4;

/**
 * The whole DQN update — target forward pass, TD targets, online forward and backward pass, gradient clipping,
 * optimizer step — and the target update, fused into a few calls on one preallocated float32 heap. The matrix
 * products run in two small WebAssembly SIMD kernels (./kernels.ts), everything elementwise in plain loops;
 * nothing is allocated per update. TensorFlow.js spends most of a small network's update on per-op
 * bookkeeping (~80 ops); this does the same arithmetic without it.
 *
 * Layers are padded to multiples of 4 units with zeros that stay zero (their gradients are exactly 0), and all
 * parameters live in one flat array, so the optimizer and the soft update are single loops.
 */
export class FusedLearner implements QLearner {
  readonly backend: string;
  readonly spec: NetworkSpec;
  readonly batch: Batch;
  readonly tdErrors: Float32Array;
  private readonly k: MatrixKernels;
  private readonly heap: Float32Array;
  /** Padded layer widths: input, hidden…, output. */
  private readonly dims: number[];
  /** Float offsets of each layer's kernel and bias inside a parameter block. */
  private readonly wOff: number[] = [];
  private readonly bOff: number[] = [];
  private readonly params: Float32Array;
  private readonly target: Float32Array;
  private readonly grads: Float32Array;
  private readonly paramsAt: number;
  private readonly targetAt: number;
  private readonly gradsAt: number;
  private readonly zerosAt: number;
  private readonly onesAt: number;
  /** Byte offsets of layer activations: [input, hidden…, output] for the online pass on the batch / act rows. */
  private readonly acts: number[];
  /** …for the target pass on next observations. */
  private readonly nextActs: number[];
  /** …for the online pass on next observations (Double DQN). */
  private readonly onlineNextActs: number[];
  /** Gradients w.r.t. each layer's output (index l for activations l). */
  private readonly dActs: number[];
  private readonly rows: number;
  private readonly optimizer: FlatOptimizer;
  private qOut = new Float32Array(0);
  private readonly targets: Float32Array;

  constructor(options: FusedLearnerOptions) {
    const { spec, batchSize } = options;
    this.spec = spec;
    this.batch = allocateBatch(batchSize, spec.inputSize);
    this.tdErrors = new Float32Array(batchSize);
    this.targets = new Float32Array(batchSize);
    const sizes = [spec.inputSize, ...spec.hiddenSizes, spec.numActions];
    this.dims = sizes.map(pad4);
    this.rows = Math.max(batchSize, options.maxActRows ?? 1);

    let paramCount = 0;
    for (let l = 0; l + 1 < this.dims.length; l++) {
      this.wOff.push(paramCount);
      paramCount += this.dims[l]! * this.dims[l + 1]!;
      this.bOff.push(paramCount);
      paramCount += this.dims[l + 1]!;
    }
    // Plan the heap (float offsets, 16-byte aligned), then create it once: views must never be detached.
    let top = 4; // offset 0 stays unused so 0 can mean "no mask"
    const alloc = (floats: number) => {
      const at = top;
      top += pad4(floats);
      return at;
    };
    const paramsAt = alloc(paramCount);
    const targetAt = alloc(paramCount);
    const gradsAt = alloc(paramCount);
    const maxDim = Math.max(...this.dims);
    const zerosAt = alloc(maxDim);
    const onesAt = alloc(batchSize);
    const layerSet = (rows: number) => this.dims.map((d) => alloc(rows * d) * 4);
    this.acts = layerSet(this.rows);
    this.nextActs = layerSet(batchSize);
    this.onlineNextActs = layerSet(batchSize);
    this.dActs = layerSet(batchSize);

    this.k = createKernels(top * 4, options.kernels);
    this.heap = this.k.heap;
    this.backend = `fused-${this.k.name}`;
    this.paramsAt = paramsAt * 4;
    this.targetAt = targetAt * 4;
    this.gradsAt = gradsAt * 4;
    this.zerosAt = zerosAt * 4;
    this.onesAt = onesAt * 4;
    this.params = this.heap.subarray(paramsAt, paramsAt + paramCount);
    this.target = this.heap.subarray(targetAt, targetAt + paramCount);
    this.grads = this.heap.subarray(gradsAt, gradsAt + paramCount);
    this.heap.fill(1, onesAt, onesAt + batchSize);
    this.optimizer = new FlatOptimizer(options.optimizer, paramCount);
  }

  qValues(inputs: Float32Array, rows: number): Float32Array {
    const nA = this.spec.numActions;
    if (this.qOut.length < rows * nA) this.qOut = new Float32Array(rows * nA);
    for (let start = 0; start < rows; start += this.rows) {
      const n = Math.min(this.rows, rows - start);
      this.loadInputs(inputs, start, n, this.acts[0]!);
      this.forward(this.paramsAt, this.acts, n);
      this.readOutputs(this.acts[this.acts.length - 1]!, n, this.qOut, start);
    }
    return this.qOut.subarray(0, rows * nA);
  }

  update(settings: UpdateSettings, _readStats: boolean): UpdateStats {
    const { batch, heap, dims } = this;
    const B = batch.size;
    const L = dims.length - 1;
    const nA = this.spec.numActions;
    const outW = dims[L]!;
    // TD targets y = r + γ·(1 − terminated)·Q_target(s', argmax) — max for DQN, the online argmax for Double DQN.
    this.loadInputs(batch.nextObs, 0, B, this.nextActs[0]!);
    this.forward(this.targetAt, this.nextActs, B);
    const tq = this.nextActs[L]! >> 2;
    let onq = 0;
    if (settings.doubleDqn) {
      heap.copyWithin(
        this.onlineNextActs[0]! >> 2,
        this.nextActs[0]! >> 2,
        (this.nextActs[0]! >> 2) + B * dims[0]!,
      );
      this.forward(this.paramsAt, this.onlineNextActs, B);
      onq = this.onlineNextActs[L]! >> 2;
    }
    const { gamma } = settings;
    for (let i = 0; i < B; i++) {
      const row = i * outW;
      let next: number;
      if (settings.doubleDqn) {
        let best = 0;
        for (let a = 1; a < nA; a++) if (heap[onq + row + a]! > heap[onq + row + best]!) best = a;
        next = heap[tq + row + best]!;
      } else {
        next = heap[tq + row]!;
        for (let a = 1; a < nA; a++) if (heap[tq + row + a]! > next) next = heap[tq + row + a]!;
      }
      this.targets[i] = batch.rewards[i]! + gamma * next * (1 - batch.terminated[i]!);
    }
    // Online forward pass and the loss gradient w.r.t. Q(s, a) of the taken actions only.
    this.loadInputs(batch.obs, 0, B, this.acts[0]!);
    this.forward(this.paramsAt, this.acts, B);
    const q = this.acts[L]! >> 2;
    const dq = this.dActs[L]! >> 2;
    heap.fill(0, dq, dq + B * outW);
    const huber = settings.loss === 'huber';
    const delta = settings.huberDelta;
    let loss = 0;
    let sumQ = 0;
    for (let i = 0; i < B; i++) {
      const at = i * outW + batch.actions[i]!;
      const qa = heap[q + at]!;
      const err = qa - this.targets[i]!;
      const w = batch.weights[i]!;
      this.tdErrors[i] = err;
      sumQ += qa;
      let g: number;
      if (huber && Math.abs(err) > delta) {
        loss += w * delta * (Math.abs(err) - 0.5 * delta);
        g = err > 0 ? delta : -delta;
      } else if (huber) {
        loss += w * 0.5 * err * err;
        g = err;
      } else {
        loss += w * err * err;
        g = 2 * err;
      }
      heap[dq + at] = (w * g) / B;
    }
    this.backward(B);
    if (settings.maxGradNorm !== null) clipGlobalNorm(this.grads, settings.maxGradNorm);
    this.optimizer.apply(this.params, this.grads, settings.learningRate);
    return { loss: loss / B, meanQ: sumQ / B };
  }

  updateTarget(tau: number): void {
    const p = this.params;
    const t = this.target;
    if (tau >= 1) {
      t.set(p);
      return;
    }
    for (let i = 0; i < p.length; i++) t[i] = t[i]! + tau * (p[i]! - t[i]!);
  }

  getWeights(which: 'online' | 'target'): Float32Array[] {
    return this.unpack(which === 'online' ? this.params : this.target);
  }

  setWeights(which: 'online' | 'target', weights: readonly Float32Array[]): void {
    checkWeights(this.spec, weights, `FusedLearner.setWeights(${which})`);
    this.pack(weights, which === 'online' ? this.params : this.target);
  }

  async getOptimizerState(): Promise<OptimizerState> {
    const slots: Record<string, Float32Array[]> = {};
    for (const [name, flat] of Object.entries(this.optimizer.slots)) slots[name] = this.unpack(flat);
    return { kind: this.optimizer.spec.kind, step: this.optimizer.step, slots };
  }

  async setOptimizerState(state: OptimizerState): Promise<void> {
    if (state.kind !== this.optimizer.spec.kind) {
      throw new RangeError(
        `optimizer state is for '${state.kind}', this learner uses '${this.optimizer.spec.kind}'`,
      );
    }
    for (const name of OPTIMIZER_SLOTS[state.kind]) {
      const tensors = state.slots[name];
      if (!tensors) throw new RangeError(`optimizer state lacks slot '${name}'`);
      checkWeights(this.spec, tensors, `optimizer slot '${name}'`);
      this.pack(tensors, this.optimizer.slots[name]!);
    }
    this.optimizer.step = state.step;
  }

  dispose(): void {}

  private forward(paramsAt: number, acts: number[], rows: number): void {
    const { dims, k } = this;
    const L = dims.length - 1;
    const relu = this.spec.activation === 'relu';
    for (let l = 0; l < L; l++) {
      const hidden = l < L - 1;
      k.nn(
        acts[l]!,
        dims[l]! * 4,
        4,
        paramsAt + this.wOff[l]! * 4,
        paramsAt + this.bOff[l]! * 4,
        acts[l + 1]!,
        rows,
        dims[l]!,
        dims[l + 1]!,
        hidden && relu ? 1 : 0,
      );
      if (hidden && !relu) this.activate(acts[l + 1]! >> 2, rows * dims[l + 1]!);
    }
  }

  private backward(B: number): void {
    const { dims, k, heap } = this;
    const L = dims.length - 1;
    const relu = this.spec.activation === 'relu';
    for (let l = L - 1; l >= 0; l--) {
      const inW = dims[l]!;
      const outW = dims[l + 1]!;
      // ∂L/∂W = Xᵀ·δ (X read transposed through the strides), ∂L/∂b = 1ᵀ·δ.
      k.nn(
        this.acts[l]!,
        4,
        inW * 4,
        this.dActs[l + 1]!,
        this.zerosAt,
        this.gradsAt + this.wOff[l]! * 4,
        inW,
        B,
        outW,
        0,
      );
      k.nn(
        this.onesAt,
        0,
        4,
        this.dActs[l + 1]!,
        this.zerosAt,
        this.gradsAt + this.bOff[l]! * 4,
        1,
        B,
        outW,
        0,
      );
      if (l === 0) break;
      // ∂L/∂X = δ·Wᵀ, times the activation's derivative (ReLU's is folded into the kernel as a mask).
      k.nt(
        this.dActs[l + 1]!,
        this.paramsAt + this.wOff[l]! * 4,
        this.dActs[l]!,
        relu ? this.acts[l]! : 0,
        B,
        inW,
        outW,
      );
      if (!relu) {
        const h = this.acts[l]! >> 2;
        const d = this.dActs[l]! >> 2;
        const n = B * inW;
        if (this.spec.activation === 'tanh') {
          for (let i = 0; i < n; i++) heap[d + i] = heap[d + i]! * (1 - heap[h + i]! * heap[h + i]!);
        } else {
          for (let i = 0; i < n; i++)
            if (!(heap[h + i]! > 0)) heap[d + i] = heap[d + i]! * (heap[h + i]! + 1);
        }
      }
    }
  }

  private activate(at: number, n: number): void {
    const heap = this.heap;
    if (this.spec.activation === 'tanh') {
      for (let i = at; i < at + n; i++) heap[i] = Math.tanh(heap[i]!);
    } else {
      for (let i = at; i < at + n; i++) if (!(heap[i]! > 0)) heap[i] = Math.expm1(heap[i]!);
    }
  }

  /** Copies rows of `inputSize` floats into a padded activation block. */
  private loadInputs(src: Float32Array, startRow: number, rows: number, at: number): void {
    const n = this.spec.inputSize;
    const w = this.dims[0]!;
    const base = at >> 2;
    if (n === w) {
      this.heap.set(src.subarray(startRow * n, (startRow + rows) * n), base);
      return;
    }
    for (let i = 0; i < rows; i++) {
      const row = base + i * w;
      for (let j = 0; j < n; j++) this.heap[row + j] = src[(startRow + i) * n + j]!;
      for (let j = n; j < w; j++) this.heap[row + j] = 0;
    }
  }

  private readOutputs(at: number, rows: number, out: Float32Array, startRow: number): void {
    const nA = this.spec.numActions;
    const w = this.dims[this.dims.length - 1]!;
    const base = at >> 2;
    for (let i = 0; i < rows; i++) {
      for (let a = 0; a < nA; a++) out[(startRow + i) * nA + a] = this.heap[base + i * w + a]!;
    }
  }

  /** Flat padded block → unpadded tensors in layers order. */
  private unpack(flat: Float32Array): Float32Array[] {
    const out: Float32Array[] = [];
    const shapes = weightShapes(this.spec);
    for (let l = 0; l < this.wOff.length; l++) {
      const [rows, cols] = shapes[2 * l]!;
      const w = new Float32Array(rows! * cols!);
      const pw = this.dims[l + 1]!;
      for (let r = 0; r < rows!; r++) {
        for (let c = 0; c < cols!; c++) w[r * cols! + c] = flat[this.wOff[l]! + r * pw + c]!;
      }
      out.push(w, flat.slice(this.bOff[l]!, this.bOff[l]! + cols!));
    }
    return out;
  }

  private pack(tensors: readonly Float32Array[], flat: Float32Array): void {
    flat.fill(0);
    const shapes = weightShapes(this.spec);
    for (let l = 0; l < this.wOff.length; l++) {
      const [rows, cols] = shapes[2 * l]!;
      const w = tensors[2 * l]!;
      const pw = this.dims[l + 1]!;
      for (let r = 0; r < rows!; r++) {
        for (let c = 0; c < cols!; c++) flat[this.wOff[l]! + r * pw + c] = w[r * cols! + c]!;
      }
      flat.set(tensors[2 * l + 1]!, this.bOff[l]!);
    }
  }
}

/** PyTorch's clip_grad_norm_: scale by max/(‖g‖ + 1e-6) when the global L2 norm exceeds max. */
export function clipGlobalNorm(grads: Float32Array, maxNorm: number): number {
  let sq = 0;
  for (let i = 0; i < grads.length; i++) sq += grads[i]! * grads[i]!;
  const norm = Math.sqrt(sq);
  if (norm > maxNorm) {
    const scale = maxNorm / (norm + 1e-6);
    for (let i = 0; i < grads.length; i++) grads[i] = grads[i]! * scale;
  }
  return norm;
}
