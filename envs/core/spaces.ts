import { entropySeed, Rng } from './rng.ts';

/** Plain description of a space, for the wire and for config files. */
export type SpaceJSON =
  | { type: 'discrete'; n: number; start: number }
  | { type: 'box'; shape: number[]; low: number[]; high: number[] };

export interface Space<T> {
  readonly type: 'discrete' | 'box';
  /** A random element, drawn from the space's own seeded RNG. */
  sample(): T;
  contains(x: unknown): boolean;
  seed(seed?: number): void;
  toJSON(): SpaceJSON;
}

/** {start, start + 1, …, start + n − 1}, as Gymnasium's Discrete. */
export class Discrete implements Space<number> {
  readonly type = 'discrete' as const;
  readonly n: number;
  readonly start: number;
  private rng: Rng;

  constructor(n: number, options: { start?: number; seed?: number } = {}) {
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`Discrete: n must be a positive integer (got ${n})`);
    const start = options.start ?? 0;
    if (!Number.isInteger(start)) throw new RangeError(`Discrete: start must be an integer (got ${start})`);
    this.n = n;
    this.start = start;
    this.rng = new Rng(options.seed ?? entropySeed());
  }

  seed(seed?: number): void {
    this.rng = new Rng(seed ?? entropySeed());
  }

  sample(): number {
    return this.start + this.rng.int(this.n);
  }

  contains(x: unknown): boolean {
    return typeof x === 'number' && Number.isInteger(x) && x >= this.start && x < this.start + this.n;
  }

  toJSON(): SpaceJSON {
    return { type: 'discrete', n: this.n, start: this.start };
  }
}

/** An n-dimensional box of float32 values with per-element bounds, as Gymnasium's Box. */
export class Box implements Space<Float32Array> {
  readonly type = 'box' as const;
  readonly shape: readonly number[];
  readonly size: number;
  readonly low: Float32Array;
  readonly high: Float32Array;
  private rng: Rng;

  constructor(
    low: number | ArrayLike<number>,
    high: number | ArrayLike<number>,
    shape?: readonly number[],
    options: { seed?: number } = {},
  ) {
    const inferred =
      shape ??
      (typeof low !== 'number' ? [low.length] : typeof high !== 'number' ? [high.length] : undefined);
    if (!inferred) throw new TypeError('Box: shape is required when low and high are scalars');
    if (inferred.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new RangeError(`Box: shape must be positive integers (got [${inferred.join(', ')}])`);
    }
    this.shape = [...inferred];
    this.size = inferred.reduce((a, b) => a * b, 1);
    this.low = broadcast(low, this.size, 'low');
    this.high = broadcast(high, this.size, 'high');
    for (let i = 0; i < this.size; i++) {
      if (!(this.low[i]! <= this.high[i]!)) {
        throw new RangeError(`Box: low[${i}] = ${this.low[i]} must be ≤ high[${i}] = ${this.high[i]}`);
      }
    }
    this.rng = new Rng(options.seed ?? entropySeed());
  }

  seed(seed?: number): void {
    this.rng = new Rng(seed ?? entropySeed());
  }

  /** Uniform on bounded dimensions, normal on unbounded, shifted exponential on half-bounded (as Gymnasium). */
  sample(): Float32Array {
    const out = new Float32Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i]!;
      const hi = this.high[i]!;
      const loFinite = Number.isFinite(lo);
      const hiFinite = Number.isFinite(hi);
      if (loFinite && hiFinite) out[i] = this.rng.uniformRange(lo, hi);
      else if (!loFinite && !hiFinite) out[i] = this.rng.normal();
      else if (loFinite) out[i] = lo - Math.log(1 - this.rng.uniform());
      else out[i] = hi + Math.log(1 - this.rng.uniform());
      // float32 rounding can land exactly on an open upper bound; clamp into the box.
      if (out[i]! > hi) out[i] = hi;
      if (out[i]! < lo) out[i] = lo;
    }
    return out;
  }

  contains(x: unknown): boolean {
    const arr = toNumberArray(x);
    if (!arr || arr.length !== this.size) return false;
    for (let i = 0; i < this.size; i++) {
      const v = Math.fround(arr[i]!);
      if (!(v >= this.low[i]! && v <= this.high[i]!)) return false;
    }
    return true;
  }

  toJSON(): SpaceJSON {
    return { type: 'box', shape: [...this.shape], low: Array.from(this.low), high: Array.from(this.high) };
  }
}

/** Number of floats one element of the space occupies in a flat batch (1 for Discrete). */
export function flatSize(space: Space<unknown>): number {
  return space instanceof Box ? space.size : 1;
}

function broadcast(v: number | ArrayLike<number>, size: number, name: string): Float32Array {
  if (typeof v === 'number') return new Float32Array(size).fill(v);
  if (v.length !== size) throw new RangeError(`Box: ${name} has ${v.length} elements, shape needs ${size}`);
  return Float32Array.from(v);
}

function toNumberArray(x: unknown): ArrayLike<number> | undefined {
  if (x instanceof Float32Array || x instanceof Float64Array) return x;
  if (Array.isArray(x) && x.every((v) => typeof v === 'number')) return x;
  return undefined;
}
