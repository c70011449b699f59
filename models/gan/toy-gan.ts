import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';

import { parseWith } from '../../envs/core/options.ts';
import { Rng } from '../../envs/core/rng.ts';
import { type Modes, toyDataSource } from '../data/toy.ts';
import { registerWasmKernels } from '../kernels/register.ts';
import { type LayersModelFiles, mlpToLayersFiles } from '../layers-io.ts';
import { MODE_SAMPLES, type ToyMetrics, toyMetrics } from '../metrics/toy.ts';
import { readTidy } from '../read-tidy.ts';
import {
  discriminatorLoss,
  GAN_VARIANTS,
  type GanVariant,
  generatorLoss,
  gradientPenalty,
  type OptimizerSettings,
  optimizerSettings,
  powerIteration,
  spectralSigma,
  type VariantDefaults,
} from './losses.ts';
import { type GanTrainerState, type NamedTensor, packTrainerState, SavedTensors } from './trainer-state.ts';

/**
 * Defaults per variant, from the reference implementations:
 * - gan, lsgan: Adam 1e-4, β (0.5, 0.999), one D step per G step (gan_toy.py's optimiser for its 'gan' mode);
 * - wgan: RMSProp 5e-5, clip ±0.01, 5 critic steps, 100 for the first 25 G steps and every 500th
 *   (martinarjovsky/WassersteinGAN);
 * - wgan-gp: Adam 1e-4, β (0.5, 0.9), 5 critic steps, λ = 0.1 (gan_toy.py; 10 on images);
 * - sngan: Adam 2e-4, β (0, 0.9), 5 critic steps, hinge loss, one power iteration per D step
 *   (pfnet-research/sngan_projection).
 * Toy networks as in gan_toy.py: G and D are 3×512 ReLU MLPs, 2-D noise, batch 256.
 */
export const VARIANT_DEFAULTS: Record<GanVariant, VariantDefaults> = {
  gan: { optimizer: 'adam', lr: 1e-4, beta1: 0.5, beta2: 0.999, criticSteps: 1 },
  lsgan: { optimizer: 'adam', lr: 1e-4, beta1: 0.5, beta2: 0.999, criticSteps: 1 },
  wgan: { optimizer: 'rmsprop', lr: 5e-5, beta1: 0, beta2: 0, criticSteps: 5 },
  'wgan-gp': { optimizer: 'adam', lr: 1e-4, beta1: 0.5, beta2: 0.9, criticSteps: 5 },
  sngan: { optimizer: 'adam', lr: 2e-4, beta1: 0, beta2: 0.9, criticSteps: 5 },
};

export const ToyGanOptionsSchema = z
  .object({
    variant: z.enum(GAN_VARIANTS),
    /** A toy set name, or the path of a JSON/CSV file of x,y points. */
    data: z.string().min(1),
    seed: z.number().int().default(0),
    batchSize: z.number().int().min(2).max(65536).default(256),
    hidden: z.number().int().min(1).max(4096).default(512),
    depth: z.number().int().min(1).max(16).default(3),
    noiseDim: z.number().int().min(1).max(1024).default(2),
    criticSteps: z.number().int().min(1).max(1000).optional(),
    lr: z.number().positive().max(1).optional(),
    lrG: z.number().positive().max(1).optional(),
    beta1: z.number().min(0).lt(1).optional(),
    beta2: z.number().min(0).lt(1).optional(),
    /** wgan-gp's λ. */
    gpLambda: z.number().min(0).default(0.1),
    /** wgan's clip bound c: critic weights kept in [−c, c]. */
    clip: z.number().positive().default(0.01),
    /** wgan: 100 critic steps for the first 25 generator steps and every 500th (WassersteinGAN main.py). */
    wganWarmup: z.boolean().default(true),
    /** gan: one-sided label smoothing, real target 1 − s. */
    labelSmoothing: z.number().min(0).lt(1).default(0),
    /**
     * When set, both learning rates fall linearly to 0 at this generator step (as the WGAN-GP image code
     * does over its run); late steps then refine rather than jitter, which the 3σ quality rate rewards.
     */
    lrDecaySteps: z.number().int().min(1).max(100_000_000).optional(),
  })
  .strict();
export type ToyGanOptionsInput = z.input<typeof ToyGanOptionsSchema>;
export type ToyGanOptions = z.output<typeof ToyGanOptionsSchema>;

/** Validated options with the variant's defaults filled in. */
export type ToyGanConfig = ToyGanOptions & OptimizerSettings;

export function toyGanConfig(input: unknown): ToyGanConfig {
  const o = parseWith(ToyGanOptionsSchema, input, 'GAN options');
  return { ...o, ...optimizerSettings(o, VARIANT_DEFAULTS[o.variant]) };
}

/** The manifest of a saved trainer state (`state.json` beside `state.bin`). */
export type ToyGanState = GanTrainerState;

export interface StepStats {
  dLoss: number;
  gLoss: number;
  criticSteps: number;
}

interface Dense {
  w: tf.Variable<tf.Rank.R2>;
  b: tf.Variable<tf.Rank.R1>;
  /** sngan: the running right singular vector estimate ([out]), kept across steps. */
  u?: tf.Variable<tf.Rank.R1>;
}

/** A 2-D GAN: one loop for every variant, seeded; all tensors freed each step. */
export class ToyGanTrainer {
  readonly config: ToyGanConfig;
  readonly modes: Modes | undefined;
  readonly generator: Dense[];
  readonly discriminator: Dense[];
  /** Generator steps done. */
  steps = 0;
  private rng: Rng;
  private readonly sample: (n: number, rng: Rng) => Float32Array;
  private readonly heldOut: Float32Array;
  private readonly gOpt: tf.Optimizer;
  private readonly dOpt: tf.Optimizer;

  constructor(input: ToyGanConfig | ToyGanOptionsInput) {
    this.config = 'optimizer' in input ? input : toyGanConfig(input);
    // The fast wasm BatchMatMul for the backward pass (idempotent; no effect on other backends).
    registerWasmKernels();
    const c = this.config;
    this.rng = new Rng(c.seed);
    const source = toyDataSource(c.data);
    this.modes = source.modes;
    this.sample = source.sample;
    // Held-out real samples for the distances, from their own stream.
    this.heldOut = this.sample(MODE_SAMPLES, new Rng(c.seed ^ 0x5eed));
    const hidden = Array.from({ length: c.depth }, () => c.hidden);
    this.generator = this.mlp([c.noiseDim, ...hidden, 2], false);
    this.discriminator = this.mlp([2, ...hidden, 1], c.variant === 'sngan');
    const make = (lr: number) =>
      c.optimizer === 'adam'
        ? tf.train.adam(lr, c.beta1, c.beta2, 1e-8)
        : tf.train.rmsprop(lr, 0.99, 0, 1e-8);
    this.gOpt = make(c.lrG);
    this.dOpt = make(c.lr);
  }

  /** Glorot-uniform kernels, zero biases; seeded from the trainer's Rng. */
  private mlp(sizes: number[], spectral: boolean): Dense[] {
    const layers: Dense[] = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const [fanIn, fanOut] = [sizes[l]!, sizes[l + 1]!];
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      const seed = this.tfSeed();
      // tf.variable copies its initial value: build it in a tidy so the temporary is freed.
      const layer: Dense = {
        w: tf.tidy(() =>
          tf.variable(tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32', seed)),
        ) as tf.Variable<tf.Rank.R2>,
        b: tf.tidy(() => tf.variable(tf.zeros([fanOut]))) as tf.Variable<tf.Rank.R1>,
      };
      if (spectral) {
        const u = tf.tidy(() => {
          const r = tf.randomNormal([fanOut], 0, 1, 'float32', this.tfSeed());
          return tf.div(r, tf.norm(r));
        });
        layer.u = tf.variable(u, false) as tf.Variable<tf.Rank.R1>;
        u.dispose();
      }
      layers.push(layer);
    }
    return layers;
  }

  /** Forward pass; `sigmas` (sngan) divides each kernel by its spectral-norm estimate. */
  private forward(layers: Dense[], x: tf.Tensor2D, sigmas?: tf.Scalar[]): tf.Tensor2D {
    let h = x;
    layers.forEach((layer, l) => {
      const w = sigmas ? tf.div(layer.w, sigmas[l]!) : layer.w;
      h = tf.add(tf.matMul(h, w), layer.b) as tf.Tensor2D;
      if (l + 1 < layers.length) h = tf.relu(h);
    });
    return h;
  }

  /** A seed for tfjs's random ops (which treat 0 as "unseeded"). */
  private tfSeed(): number {
    return this.rng.nextUint32() || 1;
  }

  private noise(n: number): tf.Tensor2D {
    return tf.randomNormal([n, this.config.noiseDim], 0, 1, 'float32', this.tfSeed()) as tf.Tensor2D;
  }

  private realBatch(): tf.Tensor2D {
    return tf.tensor2d(this.sample(this.config.batchSize, this.rng), [this.config.batchSize, 2]);
  }

  /**
   * sngan: one power iteration per layer (the u state advances), returning σ as a function of the live
   * weights (u, v held constant). Without `advance` the stored u is used as is (the generator's step).
   */
  private sigmas(advance: boolean): (() => tf.Scalar[]) | undefined {
    if (this.config.variant !== 'sngan') return undefined;
    const uv = this.discriminator.map((layer) => {
      const { u, v } = powerIteration(layer.w, layer.u!);
      if (advance) layer.u!.assign(u);
      return { u, v };
    });
    return () => this.discriminator.map((layer, l) => spectralSigma(layer.w, uv[l]!.u, uv[l]!.v));
  }

  /** The critic as a function of its input, with the current constraint (for plots and the penalty). */
  critic(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const sig = this.sigmas(false);
      return this.forward(this.discriminator, x, sig?.());
    });
  }

  private criticStepsNow(): number {
    const c = this.config;
    if (c.variant === 'wgan' && c.wganWarmup && c.criticSteps === VARIANT_DEFAULTS.wgan.criticSteps) {
      if (this.steps < 25 || this.steps % 500 === 0) return 100;
    }
    return c.criticSteps;
  }

  private discriminatorStep(): number {
    const c = this.config;
    const dVars = this.discriminator.flatMap((l) => [l.w, l.b]);
    return tf.tidy(() => {
      const real = this.realBatch();
      const fake = this.forward(this.generator, this.noise(c.batchSize));
      const sig = this.sigmas(true);
      const eps =
        c.variant === 'wgan-gp'
          ? (tf.randomUniform([c.batchSize, 1], 0, 1, 'float32', this.tfSeed()) as tf.Tensor2D)
          : undefined;
      const loss = this.dOpt.minimize(
        () => {
          const sigmas = sig?.();
          const d = (x: tf.Tensor2D) => this.forward(this.discriminator, x, sigmas);
          let l = discriminatorLoss(c.variant, d(real), d(fake), c.labelSmoothing);
          if (eps) l = tf.add(l, gradientPenalty(d, real, fake, eps, c.gpLambda)) as tf.Scalar;
          return l;
        },
        true,
        dVars,
      );
      if (c.variant === 'wgan') {
        for (const v of dVars as tf.Variable[]) v.assign(tf.clipByValue(v, -c.clip, c.clip));
      }
      return loss!.dataSync()[0]!;
    });
  }

  private generatorStep(): number {
    const c = this.config;
    const gVars = this.generator.flatMap((l) => [l.w, l.b]);
    return tf.tidy(() => {
      const z = this.noise(c.batchSize);
      const sig = this.sigmas(false);
      const loss = this.gOpt.minimize(
        () =>
          generatorLoss(
            c.variant,
            this.forward(this.discriminator, this.forward(this.generator, z), sig?.()),
          ),
        true,
        gVars,
      );
      return loss!.dataSync()[0]!;
    });
  }

  /** One generator step after its critic steps. */
  step(): StepStats {
    this.applyLrSchedule();
    const k = this.criticStepsNow();
    let dLoss = 0;
    for (let i = 0; i < k; i++) dLoss = this.discriminatorStep();
    const gLoss = this.generatorStep();
    this.steps++;
    return { dLoss, gLoss, criticSteps: k };
  }

  /** Learning rates for the coming step: constant, or linear decay to 0 at `lrDecaySteps`. */
  private applyLrSchedule(): void {
    const c = this.config;
    if (c.lrDecaySteps === undefined) return;
    const f = Math.max(0, 1 - this.steps / c.lrDecaySteps);
    // tfjs's Adam and RMSProp read `learningRate` on every update.
    (this.gOpt as unknown as { learningRate: number }).learningRate = c.lrG * f;
    (this.dOpt as unknown as { learningRate: number }).learningRate = c.lr * f;
  }

  /** `n` generated points, interleaved x,y. */
  generate(n: number): Float32Array {
    return readTidy(() => this.forward(this.generator, this.noise(n)));
  }

  /** Toy metrics of 2,500 generated samples against held-out real samples. */
  evaluate(): ToyMetrics {
    return toyMetrics(this.generate(MODE_SAMPLES), this.heldOut, this.modes);
  }

  /** Generator and discriminator (its normalised kernels, for sngan) as tfjs layers models. */
  async checkpoint(): Promise<{ generator: LayersModelFiles; discriminator: LayersModelFiles }> {
    const c = this.config;
    const hiddenSizes = Array.from({ length: c.depth }, () => c.hidden);
    const weightsOf = (layers: Dense[], sigmas?: tf.Scalar[]) =>
      tf.tidy(() =>
        layers.flatMap((l, i) => [
          (sigmas ? tf.div(l.w, sigmas[i]!) : l.w).dataSync() as Float32Array,
          l.b.dataSync() as Float32Array,
        ]),
      );
    const gW = weightsOf(this.generator).map((a) => a.slice());
    const dW = tf.tidy(() => weightsOf(this.discriminator, this.sigmas(false)?.()).map((a) => a.slice()));
    return {
      generator: await mlpToLayersFiles(
        { inputSize: c.noiseDim, hiddenSizes, activation: 'relu', outputSize: 2 },
        gW,
      ),
      discriminator: await mlpToLayersFiles(
        { inputSize: 2, hiddenSizes, activation: 'relu', outputSize: 1 },
        dW,
      ),
    };
  }

  /**
   * Everything a resumed run needs to continue exactly as an uninterrupted one: weights (raw, not
   * normalised), sngan's u vectors, both optimisers' slots, the step count and the Rng state.
   */
  saveState(): Promise<{ state: ToyGanState; data: Uint8Array }> {
    const named: NamedTensor[] = [];
    const add = (prefix: string, layers: Dense[]) =>
      layers.forEach((l, i) => {
        named.push({ name: `${prefix}/${i}/w`, tensor: l.w }, { name: `${prefix}/${i}/b`, tensor: l.b });
        if (l.u) named.push({ name: `${prefix}/${i}/u`, tensor: l.u });
      });
    add('g', this.generator);
    add('d', this.discriminator);
    return packTrainerState(named, this.optimizers(), this.steps, this.rng.getState());
  }

  private optimizers(): [string, tf.Optimizer][] {
    return [
      ['gopt', this.gOpt],
      ['dopt', this.dOpt],
    ];
  }

  /** Restores what `saveState` wrote; the trainer must have been built with the same config. */
  async loadState(state: ToyGanState, data: Uint8Array): Promise<void> {
    const saved = new SavedTensors(state, data);
    const restore = (prefix: string, layers: Dense[]) =>
      layers.forEach((l, i) => {
        saved.into(`${prefix}/${i}/w`, l.w);
        saved.into(`${prefix}/${i}/b`, l.b);
        if (l.u) saved.into(`${prefix}/${i}/u`, l.u);
      });
    restore('g', this.generator);
    restore('d', this.discriminator);
    await saved.intoOptimizers(this.optimizers());
    this.steps = state.steps;
    this.rng = Rng.fromState(state.rng);
  }

  dispose(): void {
    for (const l of [...this.generator, ...this.discriminator]) tf.dispose([l.w, l.b, ...(l.u ? [l.u] : [])]);
    this.gOpt.dispose();
    this.dOpt.dispose();
  }
}
