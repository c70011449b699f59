import { Rng } from '../../envs/core/rng.ts';
import { loadMnist, MNIST_SIZE } from '../data/mnist.ts';
import { meanAndCovariance, trace, traceSqrtProduct } from './linalg.ts';
import type { MnistClassifier } from './mnist-classifier.ts';

/**
 * Image-GAN metrics computed with the small MNIST classifier (models/metrics/mnist-classifier.ts) instead of an
 * Inception network — no downloaded weights. What the numbers mean:
 *
 * - inceptionScore (1..10): exp(E_x KL(p(y|x) ‖ p(y))). High when each image is classified confidently (quality)
 *   AND the predicted classes are spread over all ten digits (diversity). 10 is the maximum (ten equally used,
 *   perfectly confident classes); 1 means every image gets the same class distribution (e.g. all one digit, or
 *   all uninformative). The real MNIST test split scores 9.33 with this classifier (`realDataScores`; a larger
 *   classifier trained on all 60,000 MNIST digits gives ≈ 9.9 — ours is less confident, so compare generators with
 *   the real-data value, not with 10); a GAN that draws only three digits cleanly scores ≈ 3, uniform noise ≈ 1.0.
 * - frechetDistance (≥ 0, lower is better): the Fréchet distance between Gaussians fitted to the classifier's
 *   penultimate-layer features (128 dims) of the generated images and of the real held-out test split — the FID
 *   recipe with this classifier in place of Inception. Its scale is this classifier's, not comparable to
 *   published FIDs. Finite samples make it positive even for real data: `realDataScores().frechetDistance`
 *   (training digits vs test digits, same sample count) is the floor, the value a perfect generator would get.
 *   It is biased upwards for small samples, so compare runs at the same count (METRIC_SAMPLES = 1,500).
 *   Measured (1,500 images unless noted): real-vs-real floor 3.4; real digits blurred 3×3 ≈ 100; only digits
 *   0, 3, 7 (465) ≈ 143; only the digit 1 (1,127) ≈ 360; uniform noise ≈ 435.
 * - classCoverage (0..1): 1 − total-variation distance between the histogram of predicted classes (argmax) and
 *   the uniform distribution over the ten digits. 1 = all ten digits equally often; k digits used equally often
 *   give k/10 (one digit only: 0.1). Mode collapse shows here as a drop, mode dropping as values < 1.
 */

export interface ImageScores {
  inceptionScore: number;
  frechetDistance: number;
  classCoverage: number;
}

/** The sample size the reference numbers are computed at (the size of the MNIST test split, ~1,500). */
export const METRIC_SAMPLES = 1500;

const CLASSES = 10;

/** exp(mean_i KL(p_i ‖ p̄)) over `count` rows of class probabilities (count × K, K = probs.length / count). */
export function inceptionScore(probs: Float32Array, count: number): number {
  const k = checkProbs(probs, count);
  const marginal = new Float64Array(k);
  for (let i = 0; i < count; i++) for (let j = 0; j < k; j++) marginal[j] = marginal[j]! + probs[i * k + j]!;
  for (let j = 0; j < k; j++) marginal[j] = marginal[j]! / count;
  let kl = 0;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < k; j++) {
      const p = probs[i * k + j]!;
      if (p > 0) kl += p * Math.log(p / marginal[j]!);
    }
  }
  return Math.exp(kl / count);
}

/** Fraction of rows whose argmax is each class (length K). */
export function classHistogram(probs: Float32Array, count: number): Float64Array {
  const k = checkProbs(probs, count);
  const hist = new Float64Array(k);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (probs[i * k + j]! > probs[i * k + best]!) best = j;
    hist[best] = hist[best]! + 1 / count;
  }
  return hist;
}

/**
 * 1 − TV(histogram of argmax classes, uniform over K classes) = Σ_k min(h_k, 1/K): 1 when every class is
 * predicted equally often; k of K classes equally often → k/K.
 */
export function classCoverage(probs: Float32Array, count: number): number {
  const hist = classHistogram(probs, count);
  const k = hist.length;
  let tv = 0;
  for (const h of hist) tv += Math.abs(h - 1 / k);
  return Math.min(1, Math.max(0, 1 - tv / 2));
}

function checkProbs(probs: Float32Array, count: number): number {
  if (!Number.isInteger(count) || count < 1 || probs.length % count !== 0 || probs.length === 0) {
    throw new RangeError(`expected count (${count}) rows of class probabilities, got ${probs.length} values`);
  }
  return probs.length / count;
}

/** A Gaussian fitted to feature vectors: mean and (unbiased) covariance, float64. */
export interface GaussianStats {
  dim: number;
  mean: Float64Array;
  cov: Float64Array;
}

export function gaussianStats(features: ArrayLike<number>, dim: number): GaussianStats {
  if (!Number.isInteger(dim) || dim < 1 || features.length % dim !== 0) {
    throw new RangeError(`features: length ${features.length} is not a multiple of dim ${dim}`);
  }
  const { mean, cov } = meanAndCovariance(features, features.length / dim, dim);
  return { dim, mean, cov };
}

/** |μa − μb|² + Tr(Σa + Σb − 2 (Σa^½ Σb Σa^½)^½), clamped at 0 (rounding can make it −1e-12). */
export function frechetFromStats(a: GaussianStats, b: GaussianStats): number {
  if (a.dim !== b.dim) throw new RangeError(`Fréchet distance: dims differ (${a.dim} vs ${b.dim})`);
  const n = a.dim;
  let d2 = 0;
  for (let i = 0; i < n; i++) d2 += (a.mean[i]! - b.mean[i]!) ** 2;
  const value = d2 + trace(a.cov, n) + trace(b.cov, n) - 2 * traceSqrtProduct(a.cov, b.cov, n);
  return Math.max(0, value);
}

/** Fréchet distance between Gaussians fitted to two sets of `dim`-dimensional row vectors (≥ 2 rows each). */
export function frechetDistance(a: Float32Array, b: Float32Array, dim: number): number {
  return frechetFromStats(gaussianStats(a, dim), gaussianStats(b, dim));
}

// ---------------------------------------------------------------------------------------------------------
// Scores against real MNIST, with the reference statistics computed once per classifier.

interface RealCache {
  test?: GaussianStats;
  real?: ImageScores;
}
const realCache = new WeakMap<MnistClassifier, RealCache>();

function cacheOf(classifier: MnistClassifier): RealCache {
  let c = realCache.get(classifier);
  if (!c) {
    c = {};
    realCache.set(classifier, c);
  }
  return c;
}

/** Feature statistics of the held-out MNIST test split (computed once per classifier). */
export function testSplitStats(classifier: MnistClassifier): GaussianStats {
  const cache = cacheOf(classifier);
  if (!cache.test) {
    const test = loadMnist({ split: 'test' });
    cache.test = gaussianStats(classifier.predict(test.images, test.count).features, classifier.featureDim);
  }
  return cache.test;
}

/**
 * Inception-score analogue, Fréchet distance to the real held-out test digits, and class coverage of `count`
 * images (NHWC 28×28×1 in [0, 1]; pass ~METRIC_SAMPLES for numbers comparable with `realDataScores`).
 */
export function imageMetrics(classifier: MnistClassifier, images: Float32Array, count: number): ImageScores {
  if (!Number.isInteger(count) || count < 2 || images.length !== count * MNIST_SIZE * MNIST_SIZE) {
    throw new RangeError(
      `imageMetrics: expected count ≥ 2 images of 28×28×1 (${count} × 784 floats), got ${images.length} floats`,
    );
  }
  const { probs, features } = classifier.predict(images, count);
  return {
    inceptionScore: inceptionScore(probs, count),
    frechetDistance: frechetFromStats(
      gaussianStats(features, classifier.featureDim),
      testSplitStats(classifier),
    ),
    classCoverage: classCoverage(probs, count),
  };
}

/**
 * The same scores for real digits — what a perfect generator would get: inception score and coverage of the
 * test split itself, and the Fréchet floor: a seeded sample of training digits (as many as the test split has)
 * against the test split.
 */
export function realDataScores(classifier: MnistClassifier): ImageScores {
  const cache = cacheOf(classifier);
  if (!cache.real) {
    const test = loadMnist({ split: 'test' });
    const { probs } = classifier.predict(test.images, test.count);
    const train = loadMnist({ split: 'train' });
    const px = MNIST_SIZE * MNIST_SIZE;
    const pick = sampleIndices(train.count, test.count, 1234);
    const sample = new Float32Array(pick.length * px);
    pick.forEach((idx, i) => {
      sample.set(train.images.subarray(idx * px, (idx + 1) * px), i * px);
    });
    const trainFeatures = classifier.predict(sample, pick.length).features;
    cache.real = {
      inceptionScore: inceptionScore(probs, test.count),
      frechetDistance: frechetFromStats(
        gaussianStats(trainFeatures, classifier.featureDim),
        testSplitStats(classifier),
      ),
      classCoverage: classCoverage(probs, test.count),
    };
  }
  return { ...cache.real };
}

/** `k` distinct indices of 0..n−1 (seeded partial Fisher–Yates), ascending. */
function sampleIndices(n: number, k: number, seed: number): number[] {
  const rng = new Rng(seed);
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const m = Math.min(k, n);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return Array.from(idx.subarray(0, m)).sort((a, b) => a - b);
}

export { CLASSES as MNIST_CLASSES };
