import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';

import { OptionsError } from '../../envs/core/options.ts';
import { Rng } from '../../envs/core/rng.ts';
import { IMAGE_DOMAINS, loadImageSource } from '../data/domains.ts';
import { toChannels } from '../data/image-folder.ts';
import type { ImageSet } from '../data/mnist.ts';
import {
  type ClassifierLoadOptions,
  type CnnData,
  type CnnRecipe,
  loadOrTrainCnn,
  modelsDir,
  runCnn,
} from './mnist-classifier.ts';

/**
 * A binary classifier that tells image domain `a` from domain `b` (e.g. mnist-thin vs mnist-thick), for the
 * CycleGAN metric "rate of judging translations as the target domain": probB(G_ab(x)) > 0.5 for most x means the
 * translations look like domain b. Trained on real images of both domains (train splits; for folders a fixed
 * 6-of-7 subset), its accuracy on held-out images (test splits; the 7th of each folder) is reported — ≈ 100 %
 * for the MNIST domain pairs. Cached like the MNIST classifier, under `<dir>/domain-<a>__<b>/` (folder specs are
 * named by their base name plus a hash of the resolved path); meta.json records a hash of the training images,
 * so a folder whose contents changed retrains.
 */

export interface DomainClassifier {
  /** Held-out balanced accuracy (mean of the two domains' accuracies on their test images), 0..1. */
  accuracy: number;
  /** Input side length and channels the classifier was trained at (images must match). */
  size: number;
  channels: number;
  /** P(image is from domain b) for `count` images, NHWC size×size×channels in [0, 1]. */
  probB(images: Float32Array, count: number): Float32Array;
  dispose(): void;
}

export interface DomainClassifierOptions extends ClassifierLoadOptions {
  /** Side length images are loaded and judged at (default 28). */
  size?: number;
  /** Channels (default: 1 for the MNIST domains; for folders as `loadImageSource` decides). */
  channels?: 1 | 3;
}

/** Most training images used per domain (a seeded subset of the train split). */
const MAX_TRAIN_PER_DOMAIN = 4000;

function isDomainSpec(spec: string): boolean {
  const name = spec.includes(':') ? spec.slice(0, spec.indexOf(':')) : spec;
  return (IMAGE_DOMAINS as readonly string[]).includes(name);
}

/** A spec as it identifies data: domain specs as written, folders by their absolute path. */
function resolvedSpec(spec: string): string {
  return isDomainSpec(spec) ? spec : `folder:${resolve(spec)}`;
}

function slug(spec: string): string {
  const text = isDomainSpec(spec) ? spec.replace(':', '_').replace(/,/g, '-') : basename(resolve(spec));
  return text.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40) || 'folder';
}

/** The cache folder name for a pair (and a non-default size/channels). */
export function domainCacheName(a: string, b: string, size = 28, channels?: number): string {
  const plain = isDomainSpec(a) && isDomainSpec(b) && size === 28 && channels === undefined;
  const base = `domain-${slug(a)}__${slug(b)}`;
  if (plain) return base;
  const h = createHash('sha256')
    .update(JSON.stringify([resolvedSpec(a), resolvedSpec(b), size, channels ?? null]))
    .digest('hex')
    .slice(0, 10);
  return `${base}-${h}`;
}

/** Train and held-out images of a spec: the domain's splits, or a folder's images split 6:1 by position. */
function splitSource(
  spec: string,
  size: number,
  channels: 1 | 3 | undefined,
): { train: ImageSet; test: ImageSet } {
  if (isDomainSpec(spec)) {
    return {
      train: loadImageSource(spec, { split: 'train', size, channels }),
      test: loadImageSource(spec, { split: 'test', size, channels }),
    };
  }
  const all = loadImageSource(spec, { size, channels });
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  for (let i = 0; i < all.count; i++) (i % 7 === 6 ? testIdx : trainIdx).push(i);
  if (testIdx.length === 0 && trainIdx.length > 1) testIdx.push(trainIdx.pop()!);
  return { train: subset(all, trainIdx), test: subset(all, testIdx) };
}

function subset(set: ImageSet, idx: readonly number[]): ImageSet {
  const px = set.height * set.width * set.channels;
  const images = new Float32Array(idx.length * px);
  idx.forEach((src, i) => {
    images.set(set.images.subarray(src * px, (src + 1) * px), i * px);
  });
  const labels = set.labels ? Int32Array.from(idx, (i) => set.labels![i]!) : null;
  return { ...set, images, labels, count: idx.length };
}

/** At most `max` images, a seeded random subset in the original order. */
function capped(set: ImageSet, max: number, seed: number): ImageSet {
  if (set.count <= max) return set;
  const rng = new Rng(seed);
  const idx = Int32Array.from({ length: set.count }, (_, i) => i);
  for (let i = 0; i < max; i++) {
    const j = i + rng.int(set.count - i);
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return subset(
    set,
    Array.from(idx.subarray(0, max)).sort((x, y) => x - y),
  );
}

/**
 * Images of a then b, targets 0 (a) / 1 (b). With `balance`, the smaller set is repeated cyclically up to the
 * larger one's count, so a small folder against a large domain still gets half of every epoch.
 */
function combine(a: ImageSet, b: ImageSet, balance: boolean): CnnData {
  const na = balance ? Math.max(a.count, b.count) : a.count;
  const nb = balance ? Math.max(a.count, b.count) : b.count;
  const px = a.height * a.width * a.channels;
  const images = new Float32Array((na + nb) * px);
  const put = (set: ImageSet, n: number, at: number) => {
    for (let i = 0; i < n; i += set.count) {
      const k = Math.min(set.count, n - i);
      images.set(set.images.subarray(0, k * px), (at + i) * px);
    }
  };
  put(a, na, 0);
  put(b, nb, na);
  const targets = new Int32Array(na + nb);
  targets.fill(1, na);
  return { images, targets, count: na + nb };
}

function recipeFor(size: number, channels: number): CnnRecipe {
  // Conv + pool stages until the feature map is at most 8×8 (two for 28×28 and 32×32).
  const convFilters = [8, 16];
  for (let s = size / 4; s > 8; s /= 2) convFilters.push(16);
  return {
    size,
    channels,
    outputs: 1,
    convFilters,
    featureDim: 32,
    epochs: 3,
    batchSize: 64,
    lr: 2e-3,
    shift: 2,
    seed: 7,
  };
}

/**
 * The a-vs-b domain classifier from `<dir>/domain-<a>__<b>/`, trained there first (seconds to a minute) when the
 * cache is missing, stale, corrupt, or was trained on different images.
 */
export async function loadOrTrainDomainClassifier(
  a: string,
  b: string,
  opts: DomainClassifierOptions = {},
): Promise<DomainClassifier> {
  if (resolvedSpec(a) === resolvedSpec(b)) {
    throw new OptionsError('domain classifier', [`domains a and b must differ (both are '${a}')`]);
  }
  const size = opts.size ?? 28;
  if (!Number.isInteger(size) || size < 8 || size > 256) {
    throw new OptionsError('domain classifier', [`'size' must be an integer 8..256 (got ${size})`]);
  }
  const srcA = splitSource(a, size, opts.channels);
  const srcB = splitSource(b, size, opts.channels);
  // Folders may default to different channel counts: bring both to the larger.
  const channels = opts.channels ?? (Math.max(srcA.train.channels, srcB.train.channels) as 1 | 3);
  const sets = [srcA.train, srcA.test, srcB.train, srcB.test].map((s) => toChannels(s, channels));
  const [trainA, testA, trainB, testB] = sets as [ImageSet, ImageSet, ImageSet, ImageSet];
  for (const [name, set] of [
    [a, trainA],
    [b, trainB],
  ] as const) {
    if (set.count < 1) throw new OptionsError('domain classifier', [`'${name}' has no training images`]);
  }
  const recipe = recipeFor(size, channels);
  const train = combine(
    capped(trainA, MAX_TRAIN_PER_DOMAIN, 11),
    capped(trainB, MAX_TRAIN_PER_DOMAIN, 12),
    true,
  );
  const test = combine(testA, testB, false);
  const dataHash = createHash('sha256')
    .update(new Uint8Array(train.images.buffer, train.images.byteOffset, train.images.byteLength))
    .update(new Uint8Array(train.targets.buffer))
    .digest('hex');
  const { featureModel, meta } = await loadOrTrainCnn({
    dir: join(modelsDir(opts.dir), domainCacheName(a, b, size, opts.channels)),
    recipe,
    versionSalt: dataHash,
    what: `domain classifier ${a} vs ${b}`,
    trainData: () => train,
    evaluate: (fm) => {
      // Balanced accuracy: the mean of the two domains' accuracies (domains without held-out images skipped).
      const { outputs } = runCnn(fm, recipe, test.images, test.count);
      const right = [0, 0];
      const seen = [0, 0];
      for (let i = 0; i < test.count; i++) {
        const t = test.targets[i]!;
        seen[t]!++;
        if (outputs[i]! > 0.5 === (t === 1)) right[t]!++;
      }
      const rates = [0, 1].filter((t) => seen[t]! > 0).map((t) => right[t]! / seen[t]!);
      return rates.length === 0 ? 0 : rates.reduce((x, y) => x + y, 0) / rates.length;
    },
    data: {
      a: resolvedSpec(a),
      b: resolvedSpec(b),
      size,
      channels,
      trainImages: [
        Math.min(trainA.count, MAX_TRAIN_PER_DOMAIN),
        Math.min(trainB.count, MAX_TRAIN_PER_DOMAIN),
      ],
      testImages: [testA.count, testB.count],
      trainImagesSha256: dataHash,
    },
    onProgress: opts.onProgress,
  });
  let disposed = false;
  return {
    accuracy: meta.accuracy,
    size,
    channels,
    probB(images, count) {
      if (disposed) throw new Error('DomainClassifier: used after dispose()');
      return runCnn(featureModel, recipe, images, count).outputs;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      featureModel.dispose();
    },
  };
}
