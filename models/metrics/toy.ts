import { Rng } from '../../envs/core/rng.ts';
import type { Modes } from '../data/toy.ts';

/** Samples the VEEGAN/PacGAN mode metrics use. */
export const MODE_SAMPLES = 2500;

export interface ModeStats {
  /** Modes nearest to at least one high-quality sample. */
  modesCovered: number;
  /** Fraction of samples within 3 std of their nearest mode. */
  highQualityRate: number;
}

/** VEEGAN/PacGAN mode metrics of interleaved x,y `samples` against a mixture's modes (3σ rule). */
export function modeStats(samples: Float32Array, modes: Modes): ModeStats {
  const m = modes.centers.length / 2;
  const n = samples.length / 2;
  const limit = (3 * modes.std) ** 2;
  const hit = new Uint8Array(m);
  let hq = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[2 * i]!;
    const y = samples[2 * i + 1]!;
    let best = Number.POSITIVE_INFINITY;
    let arg = 0;
    for (let k = 0; k < m; k++) {
      const d = (x - modes.centers[2 * k]!) ** 2 + (y - modes.centers[2 * k + 1]!) ** 2;
      if (d < best) {
        best = d;
        arg = k;
      }
    }
    if (best <= limit) {
      hq++;
      hit[arg] = 1;
    }
  }
  return { modesCovered: hit.reduce((a, b) => a + b, 0), highQualityRate: n === 0 ? 0 : hq / n };
}

function meanDistance(a: Float32Array, b: Float32Array, self: boolean): number {
  const na = a.length / 2;
  const nb = b.length / 2;
  let sum = 0;
  for (let i = 0; i < na; i++) {
    const x = a[2 * i]!;
    const y = a[2 * i + 1]!;
    for (let j = self ? i + 1 : 0; j < nb; j++) sum += Math.hypot(x - b[2 * j]!, y - b[2 * j + 1]!);
  }
  return self ? (2 * sum) / (na * (na - 1)) : sum / (na * nb);
}

/** Energy distance 2E|X−Y| − E|X−X'| − E|Y−Y'| (unbiased self terms), ≈ 0 for samples of one distribution. */
export function energyDistance(a: Float32Array, b: Float32Array): number {
  return 2 * meanDistance(a, b, false) - meanDistance(a, a, true) - meanDistance(b, b, true);
}

/**
 * Sliced Wasserstein-1 distance: the mean over `projections` seeded random directions of the 1-D W1 distance
 * of the projected samples (sorted quantiles; the larger sample is matched at the smaller one's quantiles).
 */
export function slicedWasserstein(a: Float32Array, b: Float32Array, projections = 50, seed = 0): number {
  const rng = new Rng(seed);
  const na = a.length / 2;
  const nb = b.length / 2;
  const m = Math.min(na, nb);
  const pa = new Float64Array(na);
  const pb = new Float64Array(nb);
  let total = 0;
  for (let p = 0; p < projections; p++) {
    const angle = 2 * Math.PI * rng.uniform();
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    for (let i = 0; i < na; i++) pa[i] = c * a[2 * i]! + s * a[2 * i + 1]!;
    for (let i = 0; i < nb; i++) pb[i] = c * b[2 * i]! + s * b[2 * i + 1]!;
    pa.sort();
    pb.sort();
    let sum = 0;
    for (let q = 0; q < m; q++) {
      sum += Math.abs(pa[Math.floor(((q + 0.5) * na) / m)]! - pb[Math.floor(((q + 0.5) * nb) / m)]!);
    }
    total += sum / m;
  }
  return total / projections;
}

export interface ToyMetrics {
  modesCovered: number | null;
  highQualityRate: number | null;
  energyDistance: number;
  slicedWasserstein: number;
}

/** All toy metrics of generated samples against held-out real samples (mode metrics null without modes). */
export function toyMetrics(fake: Float32Array, real: Float32Array, modes: Modes | undefined): ToyMetrics {
  const stats = modes ? modeStats(fake, modes) : undefined;
  return {
    modesCovered: stats ? stats.modesCovered : null,
    highQualityRate: stats ? stats.highQualityRate : null,
    energyDistance: energyDistance(fake, real),
    slicedWasserstein: slicedWasserstein(fake, real),
  };
}
