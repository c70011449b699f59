import type { Rng } from '../../envs/core/rng.ts';
import { type Batch, ReplayBuffer, type ReplayBufferHeader } from './replay-buffer.ts';
import { SumMinTree } from './sum-tree.ts';

export interface PriorityOptions {
  /** Priority exponent: P(i) ∝ p_i^α. */
  alpha: number;
  /** Importance-sampling exponent at step 0, annealed linearly to 1 over `betaSteps`. */
  beta: number;
  betaSteps: number;
  /** Added to |δ| so no transition's priority reaches 0. */
  epsilon: number;
}

/**
 * Proportional prioritized replay (Schaul et al. 2016): transition i is drawn with probability p_i^α / Σ p^α,
 * one draw in each of `batch.size` equal slices of the total (stratified), and weighted by
 * w_i = (N·P(i))^−β / max_j w_j so the update stays unbiased as β → 1. New transitions get the largest
 * priority seen so far, so each is replayed at least about once.
 */
export class PrioritizedReplayBuffer extends ReplayBuffer {
  readonly priority: PriorityOptions;
  private readonly tree: SumMinTree;
  private maxPriority = 1;

  constructor(capacity: number, inputSize: number, priority: PriorityOptions) {
    super(capacity, inputSize);
    this.priority = priority;
    this.tree = new SumMinTree(capacity);
  }

  beta(step: number): number {
    const { beta, betaSteps } = this.priority;
    return Math.min(1, beta + ((1 - beta) * step) / betaSteps);
  }

  override sample(batch: Batch, rng: Rng, step = 0): void {
    const n = this.size;
    if (n === 0) throw new RangeError('ReplayBuffer.sample: the buffer is empty');
    const total = this.tree.total;
    const segment = total / batch.size;
    const beta = this.beta(step);
    // The largest weight belongs to the smallest priority.
    const maxWeight = (n * (this.tree.min / total)) ** -beta;
    for (let i = 0; i < batch.size; i++) {
      let slot = this.tree.find(segment * (i + rng.uniform()));
      if (slot >= n) slot = n - 1;
      batch.indices[i] = slot;
      const p = this.tree.get(slot) / total;
      batch.weights[i] = (n * p) ** -beta / maxWeight;
    }
    this.gather(batch);
  }

  override updatePriorities(indices: Int32Array, tdErrors: Float32Array, count: number): void {
    const { alpha, epsilon } = this.priority;
    for (let i = 0; i < count; i++) {
      const p = Math.abs(tdErrors[i]!) + epsilon;
      if (!Number.isFinite(p)) continue;
      if (p > this.maxPriority) this.maxPriority = p;
      this.tree.set(indices[i]!, p ** alpha);
    }
  }

  protected override onAdd(slot: number): void {
    this.tree.set(slot, this.maxPriority ** this.priority.alpha);
  }

  protected override kind(): ReplayBufferHeader['kind'] {
    return 'prioritized';
  }

  private restoredLeaves?: Float64Array;

  protected override extraSections(forRestore = false): [string, ArrayBufferView][] {
    if (forRestore) {
      this.restoredLeaves = new Float64Array(this.capacity + 1);
      return [['priorities', this.restoredLeaves]];
    }
    const leaves = new Float64Array(this.size + 1);
    leaves.set(this.tree.leafValues(this.size));
    leaves[this.size] = this.maxPriority;
    return [['priorities', leaves]];
  }

  protected override afterRestore(): void {
    const leaves = this.restoredLeaves!;
    for (let i = 0; i < this.size; i++) this.tree.set(i, leaves[i]!);
    this.maxPriority = leaves[this.size]! || 1;
    this.restoredLeaves = undefined;
  }
}
