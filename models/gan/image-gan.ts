import { existsSync, statSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';

import { OptionsError, parseWith } from '../../envs/core/options.ts';
import { Rng } from '../../envs/core/rng.ts';
import { IMAGE_DOMAINS, loadImageSource } from '../data/domains.ts';
import type { ImageSet } from '../data/mnist.ts';
import { registerWasmKernels } from '../kernels/register.ts';
import { readTidy } from '../read-tidy.ts';
import {
  buildImageNets,
  cloneLayers,
  discriminatorForward,
  disposeLayers,
  generatorForward,
  type ImageNetSpec,
  type Layer,
  layerVariables,
  spectralSigmas,
  trainableOf,
} from './image-nets.ts';
import {
  discriminatorLoss,
  GAN_VARIANTS,
  type GanVariant,
  generatorLoss,
  type OptimizerSettings,
  optimizerSettings,
  type VariantDefaults,
} from './losses.ts';
import { type GanTrainerState, type NamedTensor, packTrainerState, SavedTensors } from './trainer-state.ts';

/**
 * Image defaults per variant (DCGAN-style nets):
 * - gan, lsgan: Adam 2e-4, β (0.5, 0.999), one D step per G step (DCGAN, tfjs-examples mnist-acgan);
 * - wgan: RMSProp 5e-5, clip ±0.01, 5 critic steps (100 for the first 25 G steps and every 500th);
 * - wgan-gp: Adam 1e-4, β (0.5, 0.9), 5 critic steps, λ = 10 (improved_wgan_training on images);
 * - sngan: Adam 2e-4, β (0, 0.9), 5 critic steps, hinge loss, one power iteration per D step.
 */
export const IMAGE_VARIANT_DEFAULTS: Record<GanVariant, VariantDefaults> = {
  gan: { optimizer: 'adam', lr: 2e-4, beta1: 0.5, beta2: 0.999, criticSteps: 1 },
  lsgan: { optimizer: 'adam', lr: 2e-4, beta1: 0.5, beta2: 0.999, criticSteps: 1 },
  wgan: { optimizer: 'rmsprop', lr: 5e-5, beta1: 0, beta2: 0, criticSteps: 5 },
  'wgan-gp': { optimizer: 'adam', lr: 1e-4, beta1: 0.5, beta2: 0.9, criticSteps: 5 },
  sngan: { optimizer: 'adam', lr: 2e-4, beta1: 0, beta2: 0.9, criticSteps: 5 },
};

export const ImageGanOptionsSchema = z
  .object({
    variant: z.enum(GAN_VARIANTS),
    /** An image source: an MNIST domain (optionally ':digits') or a folder of PNG/JPEG files. */
    data: z.string().min(1),
    seed: z.number().int().default(0),
    batchSize: z.number().int().min(2).max(4096).default(64),
    noiseDim: z.number().int().min(1).max(1024).default(64),
    /** G's channels after its first transposed conv (twice as many before it). */
    gChannels: z.number().int().min(1).max(512).default(32),
    /** D's channels in its first conv (twice as many in the second). */
    dChannels: z.number().int().min(1).max(512).default(32),
    /** Batch norm in G (replaced by pixel norm when pixelNorm is on). */
    batchNorm: z.boolean().default(true),
    /**
     * Batch norm after D's second conv, as in DCGAN's discriminator (gan and lsgan; real and fake batches are
     * normalised separately). Not for wgan-gp, whose penalty is per sample, nor sngan, whose constraint it undoes.
     */
    dBatchNorm: z.boolean().default(false),
    /** Progressive-GAN tricks. */
    pixelNorm: z.boolean().default(false),
    minibatchStd: z.boolean().default(false),
    equalizedLr: z.boolean().default(false),
    /** Side of the (square) images a folder is resized to; MNIST domains are 28. */
    imageSize: z.number().int().min(4).max(256).multipleOf(4).default(28),
    criticSteps: z.number().int().min(1).max(1000).optional(),
    lr: z.number().positive().max(1).optional(),
    lrG: z.number().positive().max(1).optional(),
    beta1: z.number().min(0).lt(1).optional(),
    beta2: z.number().min(0).lt(1).optional(),
    /** wgan-gp's λ (10 on images). */
    gpLambda: z.number().min(0).default(10),
    /** wgan's clip bound c. */
    clip: z.number().positive().default(0.01),
    wganWarmup: z.boolean().default(true),
    /** gan: one-sided label smoothing, real target 1 − s. */
    labelSmoothing: z.number().min(0).lt(1).default(0),
    /**
     * Decay of an exponential moving average of G's weights (0 = off). When on, samples, metrics and the
     * checkpointed generator use the average (Yazıcı et al. 2019; ProGAN/StyleGAN's G_ema), whose samples are
     * steadier than the raw G's. The decay ramps as min(β, (1 + t) / (10 + t)) so early averages forget the init.
     */
    gEma: z.number().min(0).lt(1).default(0),
    /**
     * Class-conditional G and D (labelled images only: the MNIST domains): G draws a digit y with z, D scores
     * (x, y) with a projection term (sngan_projection). Fake classes follow the training labels' frequencies.
     */
    conditional: z.boolean().default(false),
    /** Generated images per evaluation (Inception score etc.). */
    evalSamples: z.number().int().min(10).max(100_000).default(1500),
  })
  .strict();
export type ImageGanOptionsInput = z.input<typeof ImageGanOptionsSchema>;
export type ImageGanOptions = z.output<typeof ImageGanOptionsSchema>;

export type ImageGanConfig = ImageGanOptions & OptimizerSettings;

export function imageGanConfig(input: unknown): ImageGanConfig {
  const o = parseWith(ImageGanOptionsSchema, input, 'image GAN options');
  if (o.dBatchNorm && !['gan', 'lsgan'].includes(o.variant)) {
    throw new OptionsError('image GAN options', [
      `dBatchNorm is for variants gan and lsgan (got variant '${o.variant}')`,
    ]);
  }
  return { ...o, ...optimizerSettings(o, IMAGE_VARIANT_DEFAULTS[o.variant]) };
}

/** Whether `--data` names an image source: a domain (optionally ':digits') or an existing directory. */
export function isImageSource(spec: string): boolean {
  const name = spec.split(':')[0]!;
  if ((IMAGE_DOMAINS as readonly string[]).includes(name)) return true;
  return existsSync(spec) && statSync(spec).isDirectory();
}

/** The training images of an image source (MNIST domains: the train split; folders resized to `size`). */
export function loadImageData(spec: string, size = 28): ImageSet {
  const isDomain = (IMAGE_DOMAINS as readonly string[]).includes(spec.split(':')[0]!);
  return loadImageSource(spec, isDomain ? { split: 'train', size } : { size });
}

/**
 * WGAN-GP penalty on images: λ·E(‖∇ₓ̂ D(x̂)‖₂ − 1)², x̂ = ε·real + (1 − ε)·fake with ε ([B, 1, 1, 1]) per sample;
 * the norm over each image's pixels. Differentiable in D's variables (second-order gradients through convs).
 */
export function imageGradientPenalty(
  critic: (x: tf.Tensor4D) => tf.Tensor,
  real: tf.Tensor4D,
  fake: tf.Tensor4D,
  eps: tf.Tensor4D,
  lambda: number,
): tf.Scalar {
  const xHat = tf.add(tf.mul(eps, real), tf.mul(tf.sub(1, eps), fake)) as tf.Tensor4D;
  const grad = tf.grad((x: tf.Tensor) => tf.sum(critic(x as tf.Tensor4D)))(xHat);
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(grad), [1, 2, 3]), 1e-12));
  return tf.mul(lambda, tf.mean(tf.square(tf.sub(norm, 1)))) as tf.Scalar;
}

export interface ImageStepStats {
  dLoss: number;
  gLoss: number;
  criticSteps: number;
}

/** What the trainer needs from a metrics classifier (models/metrics/images.ts's imageMetrics does the rest). */
export interface ImageMetricsResult {
  inceptionScore: number;
  frechetDistance: number;
  classCoverage: number;
}

export interface LayerFiles {
  modelJson: unknown;
  weightData: Uint8Array;
}

/** A DCGAN-style image GAN: one loop for every variant, seeded; all tensors freed each step. */
export class ImageGanTrainer {
  readonly config: ImageGanConfig;
  readonly spec: ImageNetSpec;
  readonly generator: Layer[];
  readonly discriminator: Layer[];
  /** G's weight average (gEma > 0), else null. */
  readonly generatorEma: Layer[] | null;
  steps = 0;
  private rng: Rng;
  private readonly real: tf.Tensor4D;
  private readonly count: number;
  /** Training labels (conditional runs), else null. */
  private readonly labels: Int32Array | null;
  private readonly gOpt: tf.Optimizer;
  private readonly dOpt: tf.Optimizer;

  constructor(input: ImageGanConfig | ImageGanOptionsInput, data: ImageSet) {
    this.config = 'optimizer' in input ? input : imageGanConfig(input);
    registerWasmKernels();
    const c = this.config;
    if (data.count < 1) throw new RangeError('the image source holds no images');
    if (c.conditional && !data.labels) {
      throw new RangeError(`conditional needs labelled images (an MNIST domain); '${c.data}' has no labels`);
    }
    this.labels = c.conditional ? data.labels : null;
    this.rng = new Rng(c.seed);
    this.spec = {
      height: data.height,
      width: data.width,
      channels: data.channels,
      noiseDim: c.noiseDim,
      gChannels: c.gChannels,
      dChannels: c.dChannels,
      pixelNorm: c.pixelNorm,
      batchNorm: c.batchNorm,
      dBatchNorm: c.dBatchNorm,
      minibatchStd: c.minibatchStd,
      equalizedLr: c.equalizedLr,
      spectralNorm: c.variant === 'sngan',
      classes: this.labels ? Math.max(...this.labels) + 1 : 0,
    };
    const nets = buildImageNets(this.spec, () => this.tfSeed());
    this.generator = nets.g;
    this.discriminator = nets.d;
    this.generatorEma = c.gEma > 0 ? cloneLayers(this.generator) : null;
    this.count = data.count;
    // Real images kept on the backend in [−1, 1].
    this.real = tf.tidy(() =>
      tf.sub(tf.mul(tf.tensor4d(data.images, [data.count, data.height, data.width, data.channels]), 2), 1),
    );
    const make = (lr: number) =>
      c.optimizer === 'adam'
        ? tf.train.adam(lr, c.beta1, c.beta2, 1e-8)
        : tf.train.rmsprop(lr, 0.99, 0, 1e-8);
    this.gOpt = make(c.lrG);
    this.dOpt = make(c.lr);
  }

  private tfSeed(): number {
    return this.rng.nextUint32() || 1;
  }

  private noise(n: number): tf.Tensor2D {
    return tf.randomNormal([n, this.config.noiseDim], 0, 1, 'float32', this.tfSeed()) as tf.Tensor2D;
  }

  private realBatch(): { x: tf.Tensor4D; y?: tf.Tensor2D } {
    const idx = new Int32Array(this.config.batchSize);
    for (let i = 0; i < idx.length; i++) idx[i] = this.rng.int(this.count);
    const x = tf.gather(this.real, tf.tensor1d(idx, 'int32')) as tf.Tensor4D;
    if (!this.labels) return { x };
    return { x, y: this.oneHot(Int32Array.from(idx, (i) => this.labels![i]!)) };
  }

  private oneHot(classes: Int32Array): tf.Tensor2D {
    return tf.oneHot(tf.tensor1d(classes, 'int32'), this.spec.classes).toFloat() as tf.Tensor2D;
  }

  /** Classes for `n` generated images, drawn like the training labels (conditional runs); else undefined. */
  private sampleClasses(n: number): Int32Array | undefined {
    if (!this.labels) return undefined;
    return Int32Array.from({ length: n }, () => this.labels![this.rng.int(this.count)]!);
  }

  private fakeClasses(n: number): tf.Tensor2D | undefined {
    const classes = this.sampleClasses(n);
    return classes ? this.oneHot(classes) : undefined;
  }

  private G(z: tf.Tensor2D, y?: tf.Tensor2D): tf.Tensor4D {
    return generatorForward(this.spec, this.generator, z, y);
  }

  private D(x: tf.Tensor4D, sigmas?: tf.Scalar[], y?: tf.Tensor2D): tf.Tensor2D {
    return discriminatorForward(this.spec, this.discriminator, x, sigmas, y);
  }

  /**
   * The critic on images in [−1, 1] with the current constraint (sngan: stored u); conditional runs need the
   * images' classes.
   */
  critic(x: tf.Tensor4D, classes?: Int32Array): tf.Tensor2D {
    return tf.tidy(() => {
      const sig = this.config.variant === 'sngan' ? spectralSigmas(this.discriminator, false)() : undefined;
      return this.D(x, sig, classes ? this.oneHot(classes) : undefined);
    });
  }

  private criticStepsNow(): number {
    const c = this.config;
    if (c.variant === 'wgan' && c.wganWarmup && c.criticSteps === IMAGE_VARIANT_DEFAULTS.wgan.criticSteps) {
      if (this.steps < 25 || this.steps % 500 === 0) return 100;
    }
    return c.criticSteps;
  }

  private discriminatorStep(): number {
    const c = this.config;
    const dVars = trainableOf(this.discriminator);
    return tf.tidy(() => {
      const { x: real, y: realY } = this.realBatch();
      const fakeY = this.fakeClasses(c.batchSize);
      const fake = this.G(this.noise(c.batchSize), fakeY);
      const sig = c.variant === 'sngan' ? spectralSigmas(this.discriminator, true) : undefined;
      const eps =
        c.variant === 'wgan-gp'
          ? (tf.randomUniform([c.batchSize, 1, 1, 1], 0, 1, 'float32', this.tfSeed()) as tf.Tensor4D)
          : undefined;
      const loss = this.dOpt.minimize(
        () => {
          const sigmas = sig?.();
          let l = discriminatorLoss(
            c.variant,
            this.D(real, sigmas, realY),
            this.D(fake, sigmas, fakeY),
            c.labelSmoothing,
          );
          if (eps) {
            // Conditional: the interpolate between a real (x, y) and a fake (x', y') is scored with y.
            const critic = (x: tf.Tensor4D) => this.D(x, sigmas, realY);
            l = tf.add(l, imageGradientPenalty(critic, real, fake, eps, c.gpLambda)) as tf.Scalar;
          }
          return l;
        },
        true,
        dVars,
      );
      if (c.variant === 'wgan') {
        for (const v of dVars) v.assign(tf.clipByValue(v, -c.clip, c.clip));
      }
      return loss!.dataSync()[0]!;
    });
  }

  private generatorStep(): number {
    const c = this.config;
    const gVars = trainableOf(this.generator);
    return tf.tidy(() => {
      const z = this.noise(c.batchSize);
      const y = this.fakeClasses(c.batchSize);
      const sigmas = c.variant === 'sngan' ? spectralSigmas(this.discriminator, false)() : undefined;
      const loss = this.gOpt.minimize(
        () => generatorLoss(c.variant, this.D(this.G(z, y), sigmas, y)),
        true,
        gVars,
      );
      if (this.generatorEma) {
        const beta = Math.min(c.gEma, (1 + this.steps) / (10 + this.steps));
        const avg = trainableOf(this.generatorEma);
        for (const [i, v] of gVars.entries())
          avg[i]!.assign(tf.add(tf.mul(avg[i]!, beta), tf.mul(v, 1 - beta)));
      }
      return loss!.dataSync()[0]!;
    });
  }

  /** The generator samples come from: the weight average when gEma > 0. */
  get sampler(): Layer[] {
    return this.generatorEma ?? this.generator;
  }

  /** One generator step after its critic steps. */
  step(): ImageStepStats {
    const k = this.criticStepsNow();
    let dLoss = 0;
    for (let i = 0; i < k; i++) dLoss = this.discriminatorStep();
    const gLoss = this.generatorStep();
    this.steps++;
    return { dLoss, gLoss, criticSteps: k };
  }

  /**
   * `n` generated images, NHWC in [0, 1] (generated in batches of batchSize: batch-norm statistics as in
   * training); conditional runs draw classes like the training labels (or take `classes`, one per image) and
   * return them as `labels`.
   */
  generate(n: number, classes?: Int32Array): ImageSet {
    if (classes && (!this.labels || classes.length !== n)) {
      throw new RangeError('generate: classes need a conditional run and one class per image');
    }
    const { height, width, channels } = this.spec;
    const px = height * width * channels;
    const images = new Float32Array(n * px);
    const labels = this.labels ? new Int32Array(n) : null;
    const B = this.config.batchSize;
    for (let at = 0; at < n; at += B) {
      const m = Math.min(B, n - at);
      const batch = this.sampleClasses(B);
      if (batch && classes) batch.set(classes.subarray(at, at + m));
      if (labels && batch) labels.set(batch.subarray(0, m), at);
      const out = readTidy(() => {
        const y = batch ? this.oneHot(batch) : undefined;
        return tf.mul(tf.add(generatorForward(this.spec, this.sampler, this.noise(B), y), 1), 0.5);
      });
      images.set(out.subarray(0, m * px), at * px);
    }
    return { images, labels, count: n, height, width, channels };
  }

  /** The classes of the training labels, ascending (conditional runs), else []. */
  get presentClasses(): number[] {
    return this.labels ? [...new Set(this.labels)].sort((a, b) => a - b) : [];
  }

  /** Whether the MNIST classifier's metrics apply (28×28 grey images). */
  get mnistShaped(): boolean {
    return this.spec.height === 28 && this.spec.width === 28 && this.spec.channels === 1;
  }

  /**
   * Image metrics of `evalSamples` generated images through `metrics` (imageMetrics with the MNIST classifier
   * bound in); null where the images are not MNIST-shaped.
   */
  evaluate(metrics: (images: Float32Array, count: number) => ImageMetricsResult): ImageMetricsResult | null {
    if (!this.mnistShaped) return null;
    const n = this.config.evalSamples;
    return metrics(this.generate(n).images, n);
  }

  /**
   * Both networks' weights: model.json {format, spec, weights: [{name, shape}]} and weights.bin (float32 in
   * that order). For sngan the discriminator's kernels are stored normalised (divided by σ).
   */
  checkpoint(): Promise<{ generator: LayerFiles; discriminator: LayerFiles }> {
    const pack = (layers: Layer[], sigmas?: number[]): LayerFiles => {
      const names: { name: string; shape: number[] }[] = [];
      const parts: Float32Array[] = [];
      tf.tidy(() => {
        layers.forEach((l, i) => {
          const w = sigmas ? tf.div(l.w, sigmas[i]!) : l.w;
          const entries: [string, tf.Tensor][] = [
            [`${i}/${l.kind}/kernel`, w],
            [`${i}/${l.kind}/bias`, l.b],
          ];
          if (l.gamma) entries.push([`${i}/bn/gamma`, l.gamma], [`${i}/bn/beta`, l.beta!]);
          for (const [name, t] of entries) {
            names.push({ name, shape: t.shape });
            parts.push((t.dataSync() as Float32Array).slice());
          }
        });
      });
      const total = parts.reduce((s, p) => s + p.length, 0);
      const all = new Float32Array(total);
      let k = 0;
      for (const p of parts) {
        all.set(p, k);
        k += p.length;
      }
      return {
        modelJson: { format: 'gymlab-image-gan/1', spec: this.spec, weights: names },
        weightData: new Uint8Array(all.buffer),
      };
    };
    const generator = pack(this.sampler);
    const sigmas =
      this.config.variant === 'sngan'
        ? tf.tidy(() => spectralSigmas(this.discriminator, false)().map((s) => s.dataSync()[0]!))
        : undefined;
    const discriminator = pack(this.discriminator, sigmas);
    return Promise.resolve({ generator, discriminator });
  }

  /**
   * Everything a resumed run needs to continue exactly as an uninterrupted one: raw weights, batch-norm
   * parameters, sngan's u vectors, the weight average, both optimisers' slots, the step count and the Rng.
   */
  saveState(): Promise<{ state: GanTrainerState; data: Uint8Array }> {
    const named: NamedTensor[] = [];
    for (const [prefix, layers] of this.stateLayers()) {
      layers.forEach((l, i) => {
        for (const [key, v] of layerVariables(l)) named.push({ name: `${prefix}/${i}/${key}`, tensor: v });
      });
    }
    return packTrainerState(named, this.optimizers(), this.steps, this.rng.getState());
  }

  /** Restores what `saveState` wrote; the trainer must have been built with the same config and data. */
  async loadState(state: GanTrainerState, data: Uint8Array): Promise<void> {
    const saved = new SavedTensors(state, data);
    for (const [prefix, layers] of this.stateLayers()) {
      layers.forEach((l, i) => {
        for (const [key, v] of layerVariables(l)) saved.into(`${prefix}/${i}/${key}`, v);
      });
    }
    await saved.intoOptimizers(this.optimizers());
    this.steps = state.steps;
    this.rng = Rng.fromState(state.rng);
  }

  private stateLayers(): [string, Layer[]][] {
    return [
      ['g', this.generator],
      ['d', this.discriminator],
      ...(this.generatorEma ? [['ema', this.generatorEma] as [string, Layer[]]] : []),
    ];
  }

  private optimizers(): [string, tf.Optimizer][] {
    return [
      ['gopt', this.gOpt],
      ['dopt', this.dOpt],
    ];
  }

  dispose(): void {
    disposeLayers(this.generator);
    if (this.generatorEma) disposeLayers(this.generatorEma);
    disposeLayers(this.discriminator);
    this.real.dispose();
    this.gOpt.dispose();
    this.dOpt.dispose();
  }
}
