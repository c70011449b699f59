import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { Rng } from '../../envs/core/rng.ts';
import { writeFileAtomic, writeJsonAtomic } from '../../server/run-store/atomic-write.ts';
import { loadMnist, MNIST_SIZE } from '../data/mnist.ts';
import { registerWasmKernels } from '../kernels/register.ts';

/**
 * A small MNIST classifier trained on the digits the `mnist` package ships, standing in for the Inception
 * network of the Inception score / FID (no downloaded weights): its class probabilities give the
 * Inception-score analogue and the class histogram, its penultimate layer the features of the Fréchet distance
 * (models/metrics/images.ts).
 *
 * Trained on first use (seeded, deterministic: ~8,500 training digits, a few epochs with ±2 px random shifts)
 * and cached as a TensorFlow.js layers model (`model.json` + `weights.bin`) plus `meta.json` under
 * `<dir>/mnist-classifier/`. The cache is used only when meta.json's `version` (a hash of the architecture and
 * training recipe) matches and the weights' SHA-256 matches; anything else — missing, stale or corrupt files —
 * retrains (with a message through `onProgress`) rather than failing.
 */

export interface MnistClassifier {
  /** Accuracy on the held-out MNIST test split (1,500 digits), 0..1. */
  accuracy: number;
  /** Length of each image's feature vector (the penultimate dense layer's ReLU activations). */
  featureDim: number;
  /**
   * Class probabilities (count × 10, softmax) and penultimate features (count × featureDim) of `count` images,
   * NHWC 28×28×1 in [0, 1]. Batches internally; frees all tensors.
   */
  predict(images: Float32Array, count: number): { probs: Float32Array; features: Float32Array };
  dispose(): void;
}

export type ProgressFn = (done: number, total: number, info: string) => void;

export interface ClassifierLoadOptions {
  /** Models directory; default `GYMLAB_MODELS_DIR`, else `.gymlab/models` relative to the working directory. */
  dir?: string;
  /** Training progress (batches done of total) and messages (cache problems, final accuracy). */
  onProgress?: ProgressFn;
}

/** The models directory: `dir`, else `$GYMLAB_MODELS_DIR`, else `.gymlab/models` (relative to cwd). */
export function modelsDir(dir?: string): string {
  return resolve(dir ?? process.env['GYMLAB_MODELS_DIR'] ?? join('.gymlab', 'models'));
}

// ---------------------------------------------------------------------------------------------------------
// A small CNN shared by the MNIST classifier and the domain classifier (models/metrics/domain-classifier.ts).

/** Architecture and training recipe; its hash is the cache version, so any change here retrains. */
export interface CnnRecipe {
  /** Input height = width. */
  size: number;
  channels: number;
  /** Output units: >1 → softmax classes, 1 → sigmoid (binary). */
  outputs: number;
  /** Filters of each conv (3×3, ReLU, 'same') + 2×2 max-pool stage. */
  convFilters: number[];
  /** Units of the penultimate dense ReLU layer (the features). */
  featureDim: number;
  epochs: number;
  batchSize: number;
  lr: number;
  /** Random shift (pixels, each axis) of training images; edges are replicated. */
  shift: number;
  seed: number;
}

/** Bump when the training code changes in a way the recipe does not capture. */
const CODE_VERSION = 1;

export function recipeVersion(recipe: CnnRecipe): string {
  return createHash('sha256')
    .update(JSON.stringify({ code: CODE_VERSION, ...recipe }))
    .digest('hex')
    .slice(0, 16);
}

/** conv stages → flatten → dense `features` (ReLU) → dense `output` (softmax or sigmoid). Seeded init. */
export function buildCnn(recipe: CnnRecipe): tf.LayersModel {
  const seed = recipe.seed || 1;
  const input = tf.input({ shape: [recipe.size, recipe.size, recipe.channels], name: 'image' });
  let x: tf.SymbolicTensor = input;
  recipe.convFilters.forEach((filters, i) => {
    x = tf.layers
      .conv2d({
        name: `conv_${i}`,
        filters,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: seed + 10 * i + 1 }),
      })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.maxPooling2d({ name: `pool_${i}`, poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
  });
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({
      name: 'features',
      units: recipe.featureDim,
      activation: 'relu',
      kernelInitializer: tf.initializers.heNormal({ seed: seed + 1001 }),
    })
    .apply(x) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({
      name: 'output',
      units: recipe.outputs,
      activation: recipe.outputs > 1 ? 'softmax' : 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2001 }),
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'classifier' });
}

/** Training data: images NHWC in [0, 1] and, per image, a class index (softmax) or 0/1 target (sigmoid). */
export interface CnnData {
  images: Float32Array;
  targets: Int32Array;
  count: number;
}

/** Copies image `src` shifted by (dy, dx) pixels into `out` at `dst`, replicating the edge pixels. */
function shiftInto(
  images: Float32Array,
  src: number,
  out: Float32Array,
  dst: number,
  size: number,
  channels: number,
  dy: number,
  dx: number,
): void {
  const px = size * size * channels;
  const from = src * px;
  const to = dst * px;
  for (let y = 0; y < size; y++) {
    const sy = Math.min(size - 1, Math.max(0, y - dy));
    for (let x = 0; x < size; x++) {
      const sx = Math.min(size - 1, Math.max(0, x - dx));
      const s = from + (sy * size + sx) * channels;
      const d = to + (y * size + x) * channels;
      for (let c = 0; c < channels; c++) out[d + c] = images[s + c]!;
    }
  }
}

/**
 * Trains `model` with Adam on softmax cross-entropy (or sigmoid binary cross-entropy), shuffled batches and
 * random shifts drawn from a seeded Rng: the same recipe and data give the same weights. Reports each batch.
 */
export function trainCnn(
  model: tf.LayersModel,
  recipe: CnnRecipe,
  data: CnnData,
  onProgress?: ProgressFn,
  onEpoch?: (epoch: number) => void,
): void {
  const rng = new Rng(recipe.seed ^ 0x7a11);
  const { size, channels, batchSize, epochs } = recipe;
  const px = size * size * channels;
  const batches = Math.ceil(data.count / batchSize);
  const total = epochs * batches;
  const optimizer = tf.train.adam(recipe.lr);
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  // Explicit variable list: other models' variables in the process (a GAN being trained) are never touched.
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const xs = new Float32Array(batchSize * px);
  const ys = new Float32Array(batchSize * recipe.outputs);
  let lossSum = 0;
  let lossN = 0;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
      for (let b = 0; b < batches; b++) {
        // Learning rate decays linearly to a tenth over the run: settles the weights without extra epochs.
        (optimizer as unknown as { learningRate: number }).learningRate =
          recipe.lr * (1 - (0.9 * (epoch * batches + b)) / total);
        const n = Math.min(batchSize, data.count - b * batchSize);
        ys.fill(0);
        for (let k = 0; k < n; k++) {
          const idx = order[b * batchSize + k]!;
          const dy = recipe.shift > 0 ? rng.int(2 * recipe.shift + 1) - recipe.shift : 0;
          const dx = recipe.shift > 0 ? rng.int(2 * recipe.shift + 1) - recipe.shift : 0;
          shiftInto(data.images, idx, xs, k, size, channels, dy, dx);
          if (recipe.outputs > 1) ys[k * recipe.outputs + data.targets[idx]!] = 1;
          else ys[k] = data.targets[idx]!;
        }
        const loss = tf.tidy(() => {
          const x = tf.tensor4d(xs.subarray(0, n * px), [n, size, size, channels]);
          const y = tf.tensor2d(ys.subarray(0, n * recipe.outputs), [n, recipe.outputs]);
          return optimizer.minimize(
            () => {
              const p = model.apply(x, { training: true }) as tf.Tensor;
              const eps = 1e-7;
              const c = p.clipByValue(eps, 1 - eps);
              return recipe.outputs > 1
                ? tf.mean(tf.neg(tf.sum(tf.mul(y, tf.log(c)), -1)))
                : tf.mean(tf.neg(tf.add(tf.mul(y, tf.log(c)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, c))))));
            },
            true,
            vars,
          ) as tf.Scalar;
        });
        lossSum += loss.dataSync()[0]!;
        lossN++;
        loss.dispose();
        const done = epoch * batches + b + 1;
        if (onProgress && (b % 10 === 9 || b === batches - 1)) {
          onProgress(done, total, `epoch ${epoch + 1}/${epochs} loss ${(lossSum / lossN).toFixed(4)}`);
          lossSum = 0;
          lossN = 0;
        }
      }
      onEpoch?.(epoch);
    }
  } finally {
    optimizer.dispose();
  }
}

/** Runs `model` on `count` images in batches of 500: outputs (count × outputs) and features (count × dim). */
export function runCnn(
  featureModel: tf.LayersModel,
  recipe: CnnRecipe,
  images: Float32Array,
  count: number,
): { outputs: Float32Array; features: Float32Array } {
  const px = recipe.size * recipe.size * recipe.channels;
  if (!Number.isInteger(count) || count < 0 || images.length !== count * px) {
    throw new RangeError(
      `classifier: expected ${count} images of ${recipe.size}×${recipe.size}×${recipe.channels} ` +
        `(${count * px} floats), got ${images.length} floats`,
    );
  }
  const outputs = new Float32Array(count * recipe.outputs);
  const features = new Float32Array(count * recipe.featureDim);
  const batch = 500;
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const [f, o] = tf.tidy(() => {
      const x = tf.tensor4d(images.subarray(start * px, (start + n) * px), [
        n,
        recipe.size,
        recipe.size,
        recipe.channels,
      ]);
      return featureModel.predict(x) as tf.Tensor[];
    });
    features.set(f!.dataSync() as Float32Array, start * recipe.featureDim);
    outputs.set(o!.dataSync() as Float32Array, start * recipe.outputs);
    tf.dispose([f!, o!]);
  }
  return { outputs, features };
}

/** A model that outputs [features, output] and shares `model`'s weights. */
export function withFeatures(model: tf.LayersModel): tf.LayersModel {
  return tf.model({
    inputs: model.inputs,
    outputs: [model.getLayer('features').output as tf.SymbolicTensor, model.outputs[0]!],
  });
}

// ---------------------------------------------------------------------------------------------------------
// Cache: <dir>/<name>/{model.json, weights.bin, meta.json}; meta.json is written last (the commit marker).

export interface CacheMeta {
  version: string;
  /** Held-out accuracy measured after training. */
  accuracy: number;
  /** SHA-256 of weights.bin, checked on load. */
  weightsSha256: string;
  trainedAt: string;
  /** Wall-clock seconds (includes time the CPU was shared) and CPU seconds of training + evaluation. */
  trainSeconds: number;
  trainCpuSeconds: number;
  /** tfjs backend it was trained on. */
  backend: string;
  recipe: CnnRecipe;
  /** What the model was trained / evaluated on (free-form, for people reading the file). */
  data: Record<string, unknown>;
}

export async function saveCnn(dir: string, model: tf.LayersModel, meta: Omit<CacheMeta, 'weightsSha256'>) {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = artifacts!;
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData!));
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, 'weights.bin'), weights);
  writeJsonAtomic(join(dir, 'model.json'), {
    modelTopology: a.modelTopology,
    format: a.format,
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
  });
  const full: CacheMeta = { ...meta, weightsSha256: sha256(weights) };
  writeJsonAtomic(join(dir, 'meta.json'), full);
  return full;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Loads a cached model if meta.json exists with `version` and the weights' hash matches. Returns undefined when
 * there is no cache; a reason string when there is one that cannot be used (stale or corrupt).
 */
export async function loadCachedCnn(
  dir: string,
  version: string,
): Promise<{ model: tf.LayersModel; meta: CacheMeta } | string | undefined> {
  const metaPath = join(dir, 'meta.json');
  try {
    statSync(metaPath);
  } catch {
    return undefined;
  }
  try {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as CacheMeta;
    if (meta.version !== version)
      return `cached model is version ${meta.version}, this code needs ${version}`;
    if (typeof meta.accuracy !== 'number') return 'meta.json has no accuracy';
    const weights = readFileSync(join(dir, 'weights.bin'));
    if (sha256(weights) !== meta.weightsSha256)
      return 'weights.bin does not match meta.json (corrupt or partial)';
    const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights),
        weightData: weights.buffer.slice(
          weights.byteOffset,
          weights.byteOffset + weights.byteLength,
        ) as ArrayBuffer,
      }),
    );
    return { model, meta };
  } catch (err) {
    return `cached model could not be read (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
}

/**
 * The common load-or-train flow: use the cache at `dir` when valid, else build, train, evaluate (via
 * `evaluate`, returning held-out accuracy) and save. Cache problems are reported through onProgress.
 */
export async function loadOrTrainCnn(opts: {
  dir: string;
  recipe: CnnRecipe;
  /** Mixed into the version (e.g. a hash of the training data): a different salt retrains. */
  versionSalt?: string;
  what: string;
  trainData: () => CnnData;
  evaluate: (featureModel: tf.LayersModel) => number;
  data: Record<string, unknown>;
  onProgress?: ProgressFn;
}): Promise<{ model: tf.LayersModel; featureModel: tf.LayersModel; meta: CacheMeta; trained: boolean }> {
  const version = opts.versionSalt
    ? createHash('sha256')
        .update(`${recipeVersion(opts.recipe)}:${opts.versionSalt}`)
        .digest('hex')
        .slice(0, 16)
    : recipeVersion(opts.recipe);
  const cached = await loadCachedCnn(opts.dir, version);
  if (cached !== undefined && typeof cached !== 'string') {
    cached.model.trainable = false;
    return {
      model: cached.model,
      featureModel: withFeatures(cached.model),
      meta: cached.meta,
      trained: false,
    };
  }
  if (typeof cached === 'string') opts.onProgress?.(0, 1, `${opts.what}: ${cached}; retraining`);
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  // Conv gradients on the wasm backend need gymlab's kernels (idempotent; harmless on other backends).
  registerWasmKernels();
  const model = buildCnn(opts.recipe);
  try {
    trainCnn(model, opts.recipe, opts.trainData(), opts.onProgress);
    const featureModel = withFeatures(model);
    const accuracy = opts.evaluate(featureModel);
    const trainSeconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const meta = await saveCnn(opts.dir, model, {
      version,
      accuracy,
      trainedAt: new Date().toISOString(),
      trainSeconds: Math.round(trainSeconds * 10) / 10,
      trainCpuSeconds: Math.round((cpu.user + cpu.system) / 1e5) / 10,
      backend: tf.getBackend(),
      recipe: opts.recipe,
      data: opts.data,
    });
    opts.onProgress?.(1, 1, `${opts.what}: held-out accuracy ${(accuracy * 100).toFixed(2)} %`);
    // Frozen from here on: a loaded classifier's variables never join another optimizer's default list.
    model.trainable = false;
    return { model, featureModel, meta, trained: true };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The MNIST classifier.

export const MNIST_CLASSIFIER_RECIPE: CnnRecipe = {
  size: MNIST_SIZE,
  channels: 1,
  outputs: 10,
  convFilters: [16, 32],
  featureDim: 128,
  epochs: 6,
  batchSize: 64,
  lr: 2e-3,
  shift: 1,
  seed: 1,
};

/** Index of the largest of `k` values starting at `offset`. */
export function argmax(values: Float32Array, offset: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (values[offset + j]! > values[offset + best]!) best = j;
  return best;
}

/**
 * The MNIST classifier from `<dir>/mnist-classifier/`, trained there first (≈ a minute on one core) if the cache
 * is missing, stale or corrupt. Held-out accuracy (the 1,500-digit test split) is ≥ 97 %.
 */
export async function loadOrTrainMnistClassifier(opts: ClassifierLoadOptions = {}): Promise<MnistClassifier> {
  const recipe = MNIST_CLASSIFIER_RECIPE;
  const { model, featureModel, meta } = await loadOrTrainCnn({
    dir: join(modelsDir(opts.dir), 'mnist-classifier'),
    recipe,
    what: 'MNIST classifier',
    trainData: () => {
      const train = loadMnist({ split: 'train' });
      return { images: train.images, targets: train.labels!, count: train.count };
    },
    evaluate: (fm) => {
      const test = loadMnist({ split: 'test' });
      const { outputs } = runCnn(fm, recipe, test.images, test.count);
      let right = 0;
      for (let i = 0; i < test.count; i++) if (argmax(outputs, i * 10, 10) === test.labels![i]) right++;
      return right / test.count;
    },
    data: {
      source: 'mnist package',
      train: "loadMnist({ split: 'train' })",
      test: "loadMnist({ split: 'test' })",
    },
    onProgress: opts.onProgress,
  });
  let disposed = false;
  return {
    accuracy: meta.accuracy,
    featureDim: recipe.featureDim,
    predict(images, count) {
      if (disposed) throw new Error('MnistClassifier: used after dispose()');
      const { outputs, features } = runCnn(featureModel, recipe, images, count);
      return { probs: outputs, features };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}
