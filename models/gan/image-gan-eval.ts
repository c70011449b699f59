import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

import { Rng } from '../../envs/core/rng.ts';
import { imageMetrics } from '../metrics/images.ts';
import { loadOrTrainMnistClassifier } from '../metrics/mnist-classifier.ts';
import { readTidy } from '../read-tidy.ts';
import { latestGanCheckpoint } from './eval.ts';
import { imageGanConfig, loadImageData } from './image-gan.ts';
import {
  buildImageNets,
  disposeLayers,
  generatorForward,
  type ImageNetSpec,
  type Layer,
} from './image-nets.ts';

export interface ImageGanEvaluation {
  step: number;
  variant: string;
  data: string;
  seed: number;
  samples: number;
  /** null when the images are not MNIST-shaped (28×28 grey), where the classifier does not apply. */
  inceptionScore: number | null;
  frechetDistance: number | null;
  classCoverage: number | null;
}

interface ImageGanModelJson {
  format: string;
  spec: Omit<ImageNetSpec, 'classes'> & { classes?: number };
  weights: { name: string; shape: number[] }[];
}

/** A `train gan` image run's options, validated (the variant's derived optimiser is not an option). */
export function readImageGanRunConfig(runDir: string): ReturnType<typeof imageGanConfig> {
  const raw = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as {
    data?: { kind?: string };
    options?: Record<string, unknown>;
  };
  if (raw.data?.kind !== 'image') throw new RangeError(`${runDir} is not an image GAN run`);
  const { optimizer: _optimizer, ...options } = raw.options ?? {};
  return imageGanConfig(options);
}

/**
 * Recomputes an image run's metrics from its latest generator: `evalSamples` images from noise seeded by
 * `seed` (default: the run's), generated in batches of the run's batch size (batch-norm statistics as in
 * training), scored with the cached MNIST classifier against the held-out split. Needs a tfjs backend.
 */
export async function evaluateImageGanRun(
  runDir: string,
  opts: {
    seed?: number;
    dir?: string;
    onProgress?: (done: number, total: number, info: string) => void;
  } = {},
): Promise<ImageGanEvaluation> {
  const config = readImageGanRunConfig(runDir);
  const checkpoint = latestGanCheckpoint(runDir);
  if (!checkpoint) throw new RangeError(`${runDir} has no GAN checkpoint (no checkpoints/step_N/generator)`);
  const genDir = join(checkpoint.dir, 'generator');
  const model = JSON.parse(readFileSync(join(genDir, 'model.json'), 'utf8')) as ImageGanModelJson;
  if (model.format !== 'gymlab-image-gan/1') {
    throw new RangeError(`${genDir}/model.json: expected format 'gymlab-image-gan/1', got '${model.format}'`);
  }
  const bytes = readFileSync(join(genDir, 'weights.bin'));
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const seed = opts.seed ?? config.seed;
  const rng = new Rng(seed);
  const tfSeed = () => rng.nextUint32() || 1;
  // Checkpoints from before conditional nets existed have no `classes`.
  const spec: ImageNetSpec = { ...model.spec, classes: model.spec.classes ?? 0 };
  // Conditional runs: classes drawn like the training labels, as during training.
  const labels = spec.classes > 0 ? loadImageData(config.data, config.imageSize).labels : null;
  if (spec.classes > 0 && !labels) throw new RangeError(`${runDir}: conditional run without labelled data`);
  const nets = buildImageNets(spec, tfSeed);
  disposeLayers(nets.d);
  const g = nets.g;
  try {
    assignWeights(g, model.weights, values, genDir);
    const n = config.evalSamples;
    const { height, width, channels } = spec;
    const px = height * width * channels;
    const images = new Float32Array(n * px);
    const B = config.batchSize;
    for (let at = 0; at < n; at += B) {
      const m = Math.min(B, n - at);
      const classes = labels ? Int32Array.from({ length: B }, () => labels[rng.int(labels.length)]!) : null;
      const out = readTidy(() => {
        const z = tf.randomNormal([B, spec.noiseDim], 0, 1, 'float32', tfSeed()) as tf.Tensor2D;
        const y = classes
          ? (tf.oneHot(tf.tensor1d(classes, 'int32'), spec.classes).toFloat() as tf.Tensor2D)
          : undefined;
        return tf.mul(tf.add(generatorForward(spec, g, z, y), 1), 0.5);
      });
      images.set(out.subarray(0, m * px), at * px);
    }
    const base = { step: checkpoint.step, variant: config.variant, data: config.data, seed, samples: n };
    if (height !== 28 || width !== 28 || channels !== 1) {
      return { ...base, inceptionScore: null, frechetDistance: null, classCoverage: null };
    }
    const classifier = await loadOrTrainMnistClassifier({ dir: opts.dir, onProgress: opts.onProgress });
    try {
      return { ...base, ...imageMetrics(classifier, images, n) };
    } finally {
      classifier.dispose();
    }
  } finally {
    disposeLayers(g);
  }
}

/** Writes the checkpoint's tensors (in their manifest order) into the freshly built generator's variables. */
function assignWeights(
  layers: Layer[],
  manifest: { name: string; shape: number[] }[],
  values: Float32Array,
  where: string,
): void {
  const byName = new Map<string, tf.Variable>();
  layers.forEach((l, i) => {
    byName.set(`${i}/${l.kind}/kernel`, l.w);
    byName.set(`${i}/${l.kind}/bias`, l.b);
    if (l.gamma) byName.set(`${i}/bn/gamma`, l.gamma);
    if (l.beta) byName.set(`${i}/bn/beta`, l.beta);
  });
  let at = 0;
  for (const { name, shape } of manifest) {
    const v = byName.get(name);
    const size = shape.reduce((a, b) => a * b, 1);
    if (!v || v.shape.join() !== shape.join() || at + size > values.length) {
      throw new RangeError(
        `${where}: weight '${name}' [${shape}] does not fit the generator its spec describes`,
      );
    }
    tf.tidy(() => v.assign(tf.tensor(values.subarray(at, at + size), shape)));
    byName.delete(name);
    at += size;
  }
  if (byName.size > 0) throw new RangeError(`${where}: missing weights ${[...byName.keys()].join(', ')}`);
}
