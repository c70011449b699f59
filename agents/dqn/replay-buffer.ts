import type { Rng } from '../../envs/core/rng.ts';

/** One mini-batch, laid out flat for the learner; the buffer writes into arrays the learner owns. */
export interface Batch {
  size: number;
  /** size × inputSize */
  obs: Float32Array;
  /** size × inputSize: the observation after the action (the episode's last one where it ended). */
  nextObs: Float32Array;
  actions: Int32Array;
  rewards: Float32Array;
  /** 1 where the MDP terminated after the transition: the target does not bootstrap there. */
  terminated: Float32Array;
  /** Importance-sampling weights (all 1 for uniform sampling). */
  weights: Float32Array;
  /** Buffer slots the rows came from (prioritized replay updates their priorities). */
  indices: Int32Array;
}

export function allocateBatch(size: number, inputSize: number): Batch {
  return {
    size,
    obs: new Float32Array(size * inputSize),
    nextObs: new Float32Array(size * inputSize),
    actions: new Int32Array(size),
    rewards: new Float32Array(size),
    terminated: new Float32Array(size),
    weights: new Float32Array(size).fill(1),
    indices: new Int32Array(size),
  };
}

/** Header of a serialised buffer; the typed arrays follow in this order in one binary blob. */
export interface ReplayBufferHeader {
  kind: 'uniform' | 'prioritized';
  capacity: number;
  inputSize: number;
  size: number;
  next: number;
  /** Byte length of each array in the blob, in order. */
  sections: { name: string; bytes: number }[];
}

/**
 * Fixed-capacity ring of transitions in preallocated typed arrays (no per-step allocation). Terminated and
 * truncated are kept apart: only `terminated` stops the target from bootstrapping, so a time-limit cut still
 * bootstraps from the real last observation (the vector env's `finalObs`). Sampling is uniform with
 * replacement, drawn from the agent's seeded Rng so a run replays exactly.
 */
export class ReplayBuffer {
  readonly capacity: number;
  readonly inputSize: number;
  protected readonly obs: Float32Array;
  protected readonly nextObs: Float32Array;
  protected readonly actions: Int32Array;
  protected readonly rewards: Float32Array;
  protected readonly terminated: Uint8Array;
  protected readonly truncated: Uint8Array;
  private count = 0;
  private nextSlot = 0;

  constructor(capacity: number, inputSize: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`ReplayBuffer: capacity must be a positive integer (got ${capacity})`);
    }
    if (!Number.isInteger(inputSize) || inputSize < 1) {
      throw new RangeError(`ReplayBuffer: inputSize must be a positive integer (got ${inputSize})`);
    }
    this.capacity = capacity;
    this.inputSize = inputSize;
    this.obs = new Float32Array(capacity * inputSize);
    this.nextObs = new Float32Array(capacity * inputSize);
    this.actions = new Int32Array(capacity);
    this.rewards = new Float32Array(capacity);
    this.terminated = new Uint8Array(capacity);
    this.truncated = new Uint8Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Slot the next `add` writes (the oldest transition once the ring is full). */
  get position(): number {
    return this.nextSlot;
  }

  /** Stores one transition; `obs` and `nextObs` are read from `inputSize` floats at the given offsets. */
  add(
    obs: ArrayLike<number>,
    obsOffset: number,
    action: number,
    reward: number,
    nextObs: ArrayLike<number>,
    nextObsOffset: number,
    terminated: boolean,
    truncated: boolean,
  ): number {
    const slot = this.nextSlot;
    const n = this.inputSize;
    const base = slot * n;
    for (let k = 0; k < n; k++) {
      this.obs[base + k] = obs[obsOffset + k]!;
      this.nextObs[base + k] = nextObs[nextObsOffset + k]!;
    }
    this.actions[slot] = action;
    this.rewards[slot] = reward;
    this.terminated[slot] = terminated ? 1 : 0;
    this.truncated[slot] = truncated ? 1 : 0;
    this.nextSlot = (slot + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
    this.onAdd(slot);
    return slot;
  }

  /** Fills `batch` with `batch.size` transitions drawn uniformly with replacement. */
  sample(batch: Batch, rng: Rng, _step = 0): void {
    if (this.count === 0) throw new RangeError('ReplayBuffer.sample: the buffer is empty');
    for (let i = 0; i < batch.size; i++) batch.indices[i] = rng.int(this.count);
    batch.weights.fill(1);
    this.gather(batch);
  }

  /** Prioritized replay overrides this; uniform replay has nothing to update. */
  updatePriorities(_indices: Int32Array, _tdErrors: Float32Array, _count: number): void {}

  /** A stored transition, for tests and inspection. */
  get(slot: number): {
    obs: Float32Array;
    nextObs: Float32Array;
    action: number;
    reward: number;
    terminated: boolean;
    truncated: boolean;
  } {
    if (!(slot >= 0 && slot < this.count))
      throw new RangeError(`ReplayBuffer.get: no transition in slot ${slot}`);
    const n = this.inputSize;
    return {
      obs: this.obs.slice(slot * n, (slot + 1) * n),
      nextObs: this.nextObs.slice(slot * n, (slot + 1) * n),
      action: this.actions[slot]!,
      reward: this.rewards[slot]!,
      terminated: this.terminated[slot] === 1,
      truncated: this.truncated[slot] === 1,
    };
  }

  protected gather(batch: Batch): void {
    const n = this.inputSize;
    for (let i = 0; i < batch.size; i++) {
      const slot = batch.indices[i]!;
      batch.obs.set(this.obs.subarray(slot * n, (slot + 1) * n), i * n);
      batch.nextObs.set(this.nextObs.subarray(slot * n, (slot + 1) * n), i * n);
      batch.actions[i] = this.actions[slot]!;
      batch.rewards[i] = this.rewards[slot]!;
      batch.terminated[i] = this.terminated[slot]!;
    }
  }

  protected onAdd(_slot: number): void {}

  /** The stored transitions only (the first `size` slots), so a checkpoint of a young buffer stays small. */
  serialize(): { header: ReplayBufferHeader; data: Uint8Array } {
    const used = this.count;
    const n = this.inputSize;
    const parts: [string, ArrayBufferView][] = [
      ['obs', this.obs.subarray(0, used * n)],
      ['nextObs', this.nextObs.subarray(0, used * n)],
      ['actions', this.actions.subarray(0, used)],
      ['rewards', this.rewards.subarray(0, used)],
      ['terminated', this.terminated.subarray(0, used)],
      ['truncated', this.truncated.subarray(0, used)],
      ...this.extraSections(),
    ];
    const total = parts.reduce((s, [, v]) => s + v.byteLength, 0);
    const data = new Uint8Array(total);
    let offset = 0;
    for (const [, view] of parts) {
      data.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), offset);
      offset += view.byteLength;
    }
    return {
      header: {
        kind: this.kind(),
        capacity: this.capacity,
        inputSize: n,
        size: used,
        next: this.nextSlot,
        sections: parts.map(([name, v]) => ({ name, bytes: v.byteLength })),
      },
      data,
    };
  }

  /** Restores what `serialize` wrote into this (empty, same-shaped) buffer. */
  restore(header: ReplayBufferHeader, data: Uint8Array): void {
    if (header.kind !== this.kind()) {
      throw new RangeError(
        `replay buffer: checkpoint holds a ${header.kind} buffer, this run uses ${this.kind()}`,
      );
    }
    if (header.inputSize !== this.inputSize || header.size > this.capacity) {
      throw new RangeError(
        `replay buffer: checkpoint has ${header.size} transitions of ${header.inputSize} floats; this buffer ` +
          `holds ${this.capacity} of ${this.inputSize}`,
      );
    }
    let offset = 0;
    const targets = new Map<string, ArrayBufferView>([
      ['obs', this.obs],
      ['nextObs', this.nextObs],
      ['actions', this.actions],
      ['rewards', this.rewards],
      ['terminated', this.terminated],
      ['truncated', this.truncated],
      ...this.extraSections(true),
    ]);
    for (const { name, bytes } of header.sections) {
      const target = targets.get(name);
      if (!target) throw new RangeError(`replay buffer: unknown section '${name}' in checkpoint`);
      if (bytes > target.byteLength) throw new RangeError(`replay buffer: section '${name}' is too large`);
      new Uint8Array(target.buffer, target.byteOffset, bytes).set(data.subarray(offset, offset + bytes));
      offset += bytes;
    }
    this.count = header.size;
    this.nextSlot = header.next % this.capacity;
    this.afterRestore();
  }

  protected kind(): ReplayBufferHeader['kind'] {
    return 'uniform';
  }

  protected extraSections(_forRestore = false): [string, ArrayBufferView][] {
    return [];
  }

  protected afterRestore(): void {}
}
