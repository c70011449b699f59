import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Rng } from '../../envs/core/rng.ts';
import { initBackend } from '../../models/backend.ts';
import { loadImageSource } from '../../models/data/domains.ts';
import { loadMnist } from '../../models/data/mnist.ts';
import { registerWasmKernels } from '../../models/kernels/register.ts';
import { loadOrTrainDomainClassifier } from '../../models/metrics/domain-classifier.ts';
import {
  classCoverage,
  classHistogram,
  frechetDistance,
  imageMetrics,
  inceptionScore,
  realDataScores,
} from '../../models/metrics/images.ts';
import { meanAndCovariance, sqrtPsd, symmetricEigen, traceSqrtProduct } from '../../models/metrics/linalg.ts';
import {
  type CnnRecipe,
  loadOrTrainCnn,
  loadOrTrainMnistClassifier,
  type MnistClassifier,
  runCnn,
} from '../../models/metrics/mnist-classifier.ts';

const tmp = mkdtempSync(join(tmpdir(), 'gymlab-image-metrics-'));

beforeAll(async () => {
  await initBackend('wasm');
  registerWasmKernels();
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** count × k one-hot rows with the given classes. */
function oneHot(classes: number[], k = 10): Float32Array {
  const p = new Float32Array(classes.length * k);
  classes.forEach((c, i) => {
    p[i * k + c] = 1;
  });
  return p;
}

function gaussian(rng: Rng, count: number, mean: number[], std: number[]): Float32Array {
  const dim = mean.length;
  return Float32Array.from({ length: count * dim }, (_, i) => mean[i % dim]! + std[i % dim]! * rng.normal());
}

describe('inception score and coverage', () => {
  it('is 10 for confident uniform classes, 1 for a single class or uninformative probabilities', () => {
    const uniform = oneHot(Array.from({ length: 1000 }, (_, i) => i % 10));
    expect(inceptionScore(uniform, 1000)).toBeCloseTo(10, 6);
    expect(inceptionScore(oneHot(Array(500).fill(3)), 500)).toBeCloseTo(1, 6);
    const flat = new Float32Array(200 * 10).fill(0.1);
    expect(inceptionScore(flat, 200)).toBeCloseTo(1, 5);
    // Three classes used equally and confidently: exp(log 3) = 3.
    expect(inceptionScore(oneHot(Array.from({ length: 300 }, (_, i) => i % 3)), 300)).toBeCloseTo(3, 5);
  });

  it('coverage is 1 for uniform classes, k/10 for k classes, 0.1 for one', () => {
    expect(classCoverage(oneHot(Array.from({ length: 1000 }, (_, i) => i % 10)), 1000)).toBeCloseTo(1, 9);
    expect(classCoverage(oneHot(Array(100).fill(7)), 100)).toBeCloseTo(0.1, 9);
    expect(classCoverage(oneHot(Array.from({ length: 400 }, (_, i) => i % 4)), 400)).toBeCloseTo(0.4, 9);
    const hist = classHistogram(oneHot([1, 1, 2, 9]), 4);
    expect(Array.from(hist)).toEqual([0, 0.5, 0.25, 0, 0, 0, 0, 0, 0, 0.25]);
  });

  it('rejects mismatched sizes', () => {
    expect(() => inceptionScore(new Float32Array(15), 2)).toThrow(RangeError);
    expect(() => frechetDistance(new Float32Array(10), new Float32Array(10), 3)).toThrow(RangeError);
  });
});

describe('linear algebra and Fréchet distance', () => {
  it('eigen-decomposes a hand-checked matrix', () => {
    // [[2,1,0],[1,2,0],[0,0,5]]: eigenvalues 1 (v ∝ (1,−1,0)), 3 (v ∝ (1,1,0)), 5 (v = (0,0,1)).
    const { values, vectors } = symmetricEigen([2, 1, 0, 1, 2, 0, 0, 0, 5], 3);
    expect(Array.from(values).map((x) => Math.round(x * 1e9) / 1e9)).toEqual([1, 3, 5]);
    const col = (k: number) => [vectors[k]!, vectors[3 + k]!, vectors[6 + k]!];
    const r = Math.SQRT1_2;
    expect(Math.abs(col(0)[0]!)).toBeCloseTo(r, 9);
    expect(col(0)[0]! + col(0)[1]!).toBeCloseTo(0, 9);
    expect(col(1)[0]! - col(1)[1]!).toBeCloseTo(0, 9);
    expect(Math.abs(col(2)[2]!)).toBeCloseTo(1, 9);
    // [[2,1],[1,2]]² = [[5,4],[4,5]]: the PSD square root of the latter is the former.
    const s = sqrtPsd([5, 4, 4, 5], 2);
    expect(Array.from(s).map((x) => Math.round(x * 1e9) / 1e9)).toEqual([2, 1, 1, 2]);
  });

  it('reconstructs a random symmetric matrix from its eigen-decomposition', () => {
    const rng = new Rng(2);
    const n = 40;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        const v = rng.normal();
        a[i * n + j] = v;
        a[j * n + i] = v;
      }
    }
    const { values, vectors } = symmetricEigen(a, n);
    let err = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += vectors[i * n + k]! * values[k]! * vectors[j * n + k]!;
        err = Math.max(err, Math.abs(s - a[i * n + j]!));
      }
    }
    expect(err).toBeLessThan(1e-10);
    for (let k = 1; k < n; k++) expect(values[k]!).toBeGreaterThanOrEqual(values[k - 1]!);
  });

  it('Tr((A½ B A½)½) matches the diagonal closed form Σ √(a_i b_i)', () => {
    expect(traceSqrtProduct([4, 0, 0, 9], [1, 0, 0, 4], 2)).toBeCloseTo(2 + 6, 9);
  });

  it('is ≈ 0 for identical sets and |Δμ|² for shifted copies', () => {
    const rng = new Rng(1);
    const a = gaussian(rng, 2000, [0, 0, 0, 0], [1, 2, 0.5, 1]);
    expect(frechetDistance(a, a, 4)).toBeLessThan(1e-8);
    const shift = [1, -2, 0.5, 0];
    const b = a.map((v, i) => v + shift[i % 4]!);
    // Same covariance exactly (a shifted copy): the distance is the squared mean difference, 1 + 4 + 0.25.
    expect(frechetDistance(a, b, 4)).toBeCloseTo(5.25, 6);
  });

  it('matches the diagonal-covariance closed form for independent gaussians', () => {
    // N(μa, diag(σa²)) vs N(μb, diag(σb²)): |Δμ|² + Σ (σa − σb)².
    const rng = new Rng(7);
    const n = 40000;
    const a = gaussian(rng, n, [0, 1, 0], [1, 2, 3]);
    const b = gaussian(rng, n, [1, 1, -1], [2, 2, 1]);
    const expected = 1 + 0 + 1 + (1 - 2) ** 2 + 0 + (3 - 1) ** 2;
    expect(frechetDistance(a, b, 3)).toBeCloseTo(expected, 1);
    // The sample statistics themselves are right.
    const { mean, cov } = meanAndCovariance(a, n, 3);
    expect(mean[1]!).toBeCloseTo(1, 1);
    expect(cov[2 * 3 + 2]!).toBeCloseTo(9, 0);
  });

  it('handles the 128 feature dimensions of the classifier', () => {
    const rng = new Rng(3);
    const a = gaussian(rng, 600, Array(128).fill(0), Array(128).fill(1));
    const b = gaussian(rng, 600, Array(128).fill(0.1), Array(128).fill(1));
    // |Δμ|² = 128 · 0.01; the covariance term adds a little from sampling noise.
    expect(frechetDistance(a, b, 128)).toBeGreaterThan(1.28 * 0.9);
  });
});

describe('classifier cache', () => {
  // The load-or-train flow shared by both classifiers, on a tiny recipe so it runs in seconds.
  const recipe: CnnRecipe = {
    size: 28,
    channels: 1,
    outputs: 10,
    convFilters: [4],
    featureDim: 8,
    epochs: 1,
    batchSize: 50,
    lr: 2e-3,
    shift: 0,
    seed: 3,
  };
  const data = () => {
    const all = loadMnist({ split: 'train' });
    const n = 300;
    const px = 784;
    const images = new Float32Array(n * px);
    const targets = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const src = Math.floor((i * all.count) / n);
      images.set(all.images.subarray(src * px, (src + 1) * px), i * px);
      targets[i] = all.labels![src]!;
    }
    return { images, targets, count: n };
  };
  const load = (dir: string, messages: string[], salt?: string) =>
    loadOrTrainCnn({
      dir,
      recipe,
      versionSalt: salt,
      what: 'tiny',
      trainData: data,
      evaluate: () => 0.5,
      data: {},
      onProgress: (_d, _t, info) => messages.push(info),
    });

  it('trains once, loads from cache, and retrains when a file is corrupt or the version differs', async () => {
    const dir = join(tmp, 'tiny');
    const before = tf.memory().numTensors;
    const m1: string[] = [];
    const first = await load(dir, m1);
    expect(first.trained).toBe(true);
    expect(m1.length).toBeGreaterThan(0);
    const probe = data().images.subarray(0, 5 * 784);
    const out1 = runCnn(first.featureModel, recipe, probe, 5).outputs;
    first.model.dispose();

    const m2: string[] = [];
    const second = await load(dir, m2);
    expect(second.trained).toBe(false);
    expect(m2).toEqual([]);
    expect(Array.from(runCnn(second.featureModel, recipe, probe, 5).outputs)).toEqual(Array.from(out1));
    second.model.dispose();

    // Flip bytes in the weights: the hash check catches it and the model is retrained, with a message.
    const weights = join(dir, 'weights.bin');
    const bytes = readFileSync(weights);
    bytes[100] = (bytes[100]! + 1) % 256;
    writeFileSync(weights, bytes);
    const m3: string[] = [];
    const third = await load(dir, m3);
    expect(third.trained).toBe(true);
    expect(m3[0]).toMatch(/corrupt|does not match/);
    third.model.dispose();

    // Garbage meta.json: retrain, never a crash.
    writeFileSync(join(dir, 'meta.json'), '{not json');
    const m4: string[] = [];
    const fourth = await load(dir, m4);
    expect(fourth.trained).toBe(true);
    expect(m4[0]).toMatch(/could not be read/);
    fourth.model.dispose();

    // Another data hash (versionSalt) is another version.
    const m5: string[] = [];
    const fifth = await load(dir, m5, 'other data');
    expect(fifth.trained).toBe(true);
    expect(m5[0]).toMatch(/version/);
    fifth.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('MNIST classifier and real-data scores', () => {
  let classifier: MnistClassifier;
  // test/global-setup.ts trained it on first use (its progress reporting is the path the tiny-recipe cache test
  // above exercises); here: the cached model really is that accurate, and loading it does not retrain.
  const dir = process.env['GYMLAB_MODELS_DIR']!;

  it('the classifier trained on first use scores ≥ 97 % on the held-out digits, and loads from its cache', async () => {
    const stamp = statSync(join(dir, 'mnist-classifier', 'meta.json')).mtimeMs;
    let calls = 0;
    classifier = await loadOrTrainMnistClassifier({ onProgress: () => calls++ });
    expect(calls).toBe(0);
    expect(statSync(join(dir, 'mnist-classifier', 'meta.json')).mtimeMs).toBe(stamp);
    // Recomputed here rather than read from meta.json.
    const test = loadMnist({ split: 'test' });
    const { probs } = classifier.predict(test.images, test.count);
    let right = 0;
    for (let i = 0; i < test.count; i++) {
      let best = 0;
      for (let k = 1; k < 10; k++) if (probs[i * 10 + k]! > probs[i * 10 + best]!) best = k;
      if (best === test.labels![i]) right++;
    }
    expect(test.count).toBe(1500);
    expect(right / test.count).toBeGreaterThanOrEqual(0.97);
    expect(classifier.accuracy).toBeCloseTo(right / test.count, 6);
    const meta = JSON.parse(readFileSync(join(dir, 'mnist-classifier', 'meta.json'), 'utf8'));
    expect(meta.accuracy).toBe(classifier.accuracy);
  });

  it('predicts probabilities and features in batches without leaking tensors', () => {
    const test = loadMnist({ split: 'test' });
    const before = tf.memory().numTensors;
    const n = 1200;
    const { probs, features } = classifier.predict(test.images.subarray(0, n * 784), n);
    expect(tf.memory().numTensors).toBe(before);
    expect(probs.length).toBe(n * 10);
    expect(features.length).toBe(n * classifier.featureDim);
    expect(classifier.featureDim).toBeGreaterThanOrEqual(64);
    let sum = 0;
    for (let j = 0; j < 10; j++) sum += probs[j]!;
    expect(sum).toBeCloseTo(1, 4);
    expect(() => classifier.predict(new Float32Array(100), 1)).toThrow(RangeError);
  });

  it('scores real digits high and noise low', () => {
    const real = realDataScores(classifier);
    expect(real.inceptionScore).toBeGreaterThanOrEqual(9);
    expect(real.classCoverage).toBeGreaterThan(0.95);
    const rng = new Rng(5);
    const noise = Float32Array.from({ length: 1500 * 784 }, () => rng.uniform());
    const bad = imageMetrics(classifier, noise, 1500);
    expect(real.frechetDistance).toBeGreaterThanOrEqual(0);
    expect(bad.frechetDistance).toBeGreaterThan(20 * real.frechetDistance);
    expect(bad.inceptionScore).toBeLessThan(3);
    // Only digit 1: confident but one class — low score and coverage ≈ 0.1, far in Fréchet distance.
    const ones = loadMnist({ digits: [1], split: 'all' });
    const onlyOnes = imageMetrics(classifier, ones.images, ones.count);
    expect(onlyOnes.inceptionScore).toBeLessThan(1.5);
    expect(onlyOnes.classCoverage).toBeLessThan(0.15);
    expect(onlyOnes.frechetDistance).toBeGreaterThan(5 * real.frechetDistance);
    classifier.dispose();
  });
});

describe('domain classifier', () => {
  it('tells mnist-thin from mnist-thick on held-out digits, cached', async () => {
    const dir = join(tmp, 'models');
    const messages: string[] = [];
    const c = await loadOrTrainDomainClassifier('mnist-thin', 'mnist-thick', {
      dir,
      onProgress: (_d, _t, info) => messages.push(info),
    });
    expect(c.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(messages.length).toBeGreaterThan(0);
    const thick = loadImageSource('mnist-thick:4', { split: 'test' });
    const p = c.probB(thick.images, thick.count);
    expect(p.reduce((s, v) => s + (v > 0.5 ? 1 : 0), 0) / thick.count).toBeGreaterThan(0.9);
    c.dispose();
    const again: string[] = [];
    const cached = await loadOrTrainDomainClassifier('mnist-thin', 'mnist-thick', {
      dir,
      onProgress: (_d, _t, info) => again.push(info),
    });
    expect(again).toEqual([]);
    expect(cached.accuracy).toBe(c.accuracy);
    cached.dispose();
    await expect(loadOrTrainDomainClassifier('mnist', 'mnist', { dir })).rejects.toThrow(/differ/);
  }, 120_000);
});
