import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

/** Serialisable RNG state: the four 32-bit words of xoroshiro128+. */
export type RngState = readonly number[];

const TWO_POW_32 = 0x1_0000_0000;
const TWO_POW_53 = 2 ** 53;

/**
 * Seeded random numbers shared by envs, spaces and agents.
 * Each env owns its own instance, so two envs stepping interleaved never perturb each other,
 * and the state can be saved in a checkpoint and restored exactly.
 */
export class Rng {
  private gen: JumpableRandomGenerator;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    this.gen = xoroshiro128plus(seed | 0);
    // xoroshiro's first outputs are correlated with small seeds; a few draws decorrelate them.
    for (let i = 0; i < 8; i++) this.gen.next();
  }

  static fromState(state: RngState): Rng {
    const rng = Object.create(Rng.prototype) as Rng;
    rng.gen = xoroshiro128plusFromState([...state]);
    rng.spareNormal = undefined;
    return rng;
  }

  getState(): number[] {
    // A cached second normal would be lost on restore, so drop it: restore then replays exactly.
    this.spareNormal = undefined;
    return [...this.gen.getState()];
  }

  /** Unsigned 32-bit integer. */
  nextUint32(): number {
    return this.gen.next() >>> 0;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.gen.next() >>> 5; // 27 bits
    const lo = this.gen.next() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** Uniform float in [low, high). */
  uniformRange(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n))
      throw new RangeError(`Rng.int: n must be a positive integer (got ${n})`);
    if (n <= TWO_POW_32) {
      // Rejection sampling keeps it unbiased.
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      for (;;) {
        const x = this.nextUint32();
        if (x < limit) return x % n;
      }
    }
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Marsaglia polar method). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const s = this.spareNormal;
      this.spareNormal = undefined;
      return s;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * m;
        return u * m;
      }
    }
  }

  /** A new independent generator derived from this one (advances this one). */
  spawn(): Rng {
    return new Rng(this.nextUint32() | 0);
  }
}

/** A seed from the platform's entropy source, for resets without a seed (works in Node and browsers). */
export function entropySeed(): number {
  const buf = new Uint32Array(1);
  globalThis.crypto.getRandomValues(buf);
  return buf[0]! | 0;
}
