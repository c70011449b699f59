import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';

import { OptionsError, parseWith } from '../../envs/core/options.ts';
import { Rng } from '../../envs/core/rng.ts';
import { IMAGE_DOMAINS, loadImageSource } from '../data/domains.ts';
import type { ImageSet } from '../data/mnist.ts';
import { registerWasmKernels } from '../kernels/register.ts';
import { ImagePool } from './history-pool.ts';
import { instanceNorm, reflectionPad2d } from './image-ops.ts';
import { type GanTrainerState, type NamedTensor, packTrainerState, SavedTensors } from './trainer-state.ts';

/**
 * CycleGAN (Zhu et al. 2017) at CPU scale. Defaults from junyanz/pytorch-CycleGAN-and-pix2pix: LSGAN loss,
 * λ_cycle = 10 per direction, identity weight 0.5·λ, history pool of 50, Adam 2e-4 β (0.5, 0.999), weights
 * N(0, 0.02), instance norm without affine parameters, reflection padding. The networks are the reference's
 * ResNet generator and PatchGAN shrunk in the style of yunjey/mnist-svhn-transfer (k4 stride-2 convolutions,
 * 8 base channels, 1 residual block, 3×3 instead of 7×7 outer convolutions) for one CPU core; batch 16 instead
 * of the reference's 1 for throughput. One step runs each generator three times (translation, reconstruction,
 * identity) and each discriminator three times, with their gradients: ~0.3 s of CPU at 28×28 on the wasm
 * backend, and mnist-thin → mnist-thick passes 90 % identity preservation and 90 % "judged thick" within a few
 * hundred steps (docs/BENCHMARKS).
 */
export const CycleGanOptionsSchema = z
  .object({
    /** Domain A: an image domain (mnist, mnist-thin, mnist-thick, mnist-inverted, optionally ':digits') or a folder. */
    a: z.string().min(1),
    /** Domain B, as `a`. */
    b: z.string().min(1),
    seed: z.number().int().min(0).default(0),
    batchSize: z.number().int().min(1).max(256).default(16),
    lr: z.number().positive().max(1).default(2e-4),
    beta1: z.number().min(0).lt(1).default(0.5),
    beta2: z.number().min(0).lt(1).default(0.999),
    /** λ of the cycle-consistency L1 loss, per direction. */
    lambdaCycle: z.number().min(0).max(1000).default(10),
    /** Identity-loss weight as a fraction of λ (the reference's lambda_identity): weight = lambdaIdentity·λ. */
    lambdaIdentity: z.number().min(0).max(100).default(0.5),
    /** History pool size (0: discriminators see only the newest fakes). */
    poolSize: z.number().int().min(0).max(10_000).default(50),
    /** Generator width: channels of its first layer (then 2×, 4× after the two downsamplings). */
    ngf: z.number().int().min(1).max(256).default(8),
    /** Discriminator width: channels of its first layer (then 2×, 4×). */
    ndf: z.number().int().min(1).max(256).default(8),
    /** Residual blocks at the generator's bottleneck. */
    resBlocks: z.number().int().min(0).max(16).default(1),
    /** Image side length (a multiple of 4); default 28 for the MNIST domains, 32 when a folder is involved. */
    size: z.number().int().min(8).max(256).multipleOf(4).optional(),
    /** Image channels; default 1 for the MNIST domains, 3 when a folder is involved. */
    channels: z.union([z.literal(1), z.literal(3)]).optional(),
  })
  .strict();
export type CycleGanOptionsInput = z.input<typeof CycleGanOptionsSchema>;
export interface CycleGanConfig extends z.output<typeof CycleGanOptionsSchema> {
  size: number;
  channels: 1 | 3;
}

/** Whether a spec names an MNIST domain (with or without a digit filter) rather than a folder. */
export function isMnistDomain(spec: string): boolean {
  const name = spec.includes(':') ? spec.slice(0, spec.indexOf(':')) : spec;
  return (IMAGE_DOMAINS as readonly string[]).includes(name);
}

/** Validated options with the size/channel defaults filled in. Throws OptionsError naming the field. */
export function cycleGanConfig(input: unknown): CycleGanConfig {
  const o = parseWith(CycleGanOptionsSchema, input, 'CycleGAN options');
  const missing = (['a', 'b'] as const).filter((k) => !isMnistDomain(o[k]) && !existsSync(o[k]));
  if (missing.length > 0) {
    throw new OptionsError(
      'CycleGAN options',
      missing.map(
        (k) =>
          `'${k}' must be one of ${IMAGE_DOMAINS.join(', ')} (optionally ':digits', e.g. 'mnist-thin:3') or an ` +
          `existing folder of images (got ${JSON.stringify(o[k])})`,
      ),
    );
  }
  const mnist = isMnistDomain(o.a) && isMnistDomain(o.b);
  return { ...o, size: o.size ?? (mnist ? 28 : 32), channels: o.channels ?? (mnist ? 1 : 3) };
}

/** Losses of one step (`cycle` and `identity` with their weights applied, as they enter G's objective). */
export interface CycleGanLosses {
  /** D_A's LSGAN loss ½·[E(D_A(a) − 1)² + E D_A(pool(G_BA(b)))²]. */
  dA: number;
  dB: number;
  /** E(D_B(G_AB(a)) − 1)² + E(D_A(G_BA(b)) − 1)². */
  gAdv: number;
  /** λ·(‖G_BA(G_AB(a)) − a‖₁ + ‖G_AB(G_BA(b)) − b‖₁), means over pixels, images in [−1, 1]. */
  cycle: number;
  /** 0.5·λ·(‖G_AB(b) − b‖₁ + ‖G_BA(a) − a‖₁). */
  identity: number;
}

/** A conv layer's parameters: filter [k, k, in, out] (for transposed convs [k, k, out, in]) and an optional bias. */
interface Conv {
  w: tf.Variable<tf.Rank.R4>;
  b?: tf.Variable<tf.Rank.R1>;
}

/** Network parameters by name, in a fixed order (the checkpoint's order). */
export type NetParams = Map<string, tf.Variable>;

export type NetKind = 'generator' | 'discriminator';

/** What a checkpointed network needs besides its weights to be rebuilt. */
export interface NetShape {
  kind: NetKind;
  channels: number;
  /** ngf or ndf. */
  width: number;
  /** Generators only. */
  resBlocks: number;
}

/** One network as files: `model.json` (shape + tfjs weights manifest) and `weights.bin`. */
export interface NetFiles {
  modelJson: {
    format: 'gymlab-cyclegan';
    shape: NetShape;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  weightData: Uint8Array;
}

export const CYCLEGAN_NETS = ['g_ab', 'g_ba', 'd_a', 'd_b'] as const;
export type CycleGanNet = (typeof CYCLEGAN_NETS)[number];

/** Parameter names and shapes of a network, in order. */
export function netLayout(shape: NetShape): { name: string; shape: number[] }[] {
  const { channels: c, width: f } = shape;
  const conv = (name: string, k: number, cin: number, cout: number, bias: boolean) => [
    { name: `${name}/w`, shape: [k, k, cin, cout] },
    ...(bias ? [{ name: `${name}/b`, shape: [cout] }] : []),
  ];
  if (shape.kind === 'discriminator') {
    return [
      ...conv('c1', 4, c, f, true),
      ...conv('c2', 4, f, 2 * f, false),
      ...conv('c3', 3, 2 * f, 4 * f, false),
      ...conv('c4', 3, 4 * f, 1, true),
    ];
  }
  const res = Array.from({ length: shape.resBlocks }, (_, i) => [
    ...conv(`res${i}/c1`, 3, 4 * f, 4 * f, false),
    ...conv(`res${i}/c2`, 3, 4 * f, 4 * f, false),
  ]).flat();
  return [
    ...conv('in', 3, c, f, false),
    ...conv('down1', 4, f, 2 * f, false),
    ...conv('down2', 4, 2 * f, 4 * f, false),
    ...res,
    // Transposed convolutions: filter [k, k, out, in].
    { name: 'up1/w', shape: [4, 4, 2 * f, 4 * f] },
    { name: 'up2/w', shape: [4, 4, f, 2 * f] },
    ...conv('out', 3, f, c, true),
  ];
}

function makeParams(shape: NetShape, seed: () => number): NetParams {
  const params: NetParams = new Map();
  for (const p of netLayout(shape)) {
    const init = p.name.endsWith('/b')
      ? tf.zeros(p.shape)
      : tf.randomNormal(p.shape, 0, 0.02, 'float32', seed());
    params.set(p.name, tf.variable(init, true, undefined));
    init.dispose();
  }
  return params;
}

function conv(p: NetParams, name: string): Conv {
  return {
    w: p.get(`${name}/w`) as tf.Variable<tf.Rank.R4>,
    b: p.get(`${name}/b`) as tf.Variable<tf.Rank.R1> | undefined,
  };
}

function applyConv(x: tf.Tensor4D, c: Conv, stride: number, pad: 'same' | 'valid'): tf.Tensor4D {
  const y = tf.conv2d(x, c.w, stride, pad);
  return c.b ? tf.add(y, c.b) : y;
}

/**
 * The generator: reflection-pad 3 + conv 7×7 → ngf, two k4 stride-2 convs (2·ngf, 4·ngf), residual blocks
 * (reflection-pad 1 + conv 3×3, twice), two k4 stride-2 transposed convs back to full size, reflection-pad 3 +
 * conv 7×7 → C, tanh; instance norm + ReLU after every conv but the last. Input and output in [−1, 1].
 */
export function generatorForward(p: NetParams, x: tf.Tensor4D, resBlocks: number): tf.Tensor4D {
  const norm = (t: tf.Tensor4D) => tf.relu(instanceNorm(t));
  const [n, h, w] = x.shape;
  let y = norm(applyConv(reflectionPad2d(x, 1), conv(p, 'in'), 1, 'valid'));
  y = norm(applyConv(y, conv(p, 'down1'), 2, 'same'));
  y = norm(applyConv(y, conv(p, 'down2'), 2, 'same'));
  for (let i = 0; i < resBlocks; i++) {
    let r = norm(applyConv(reflectionPad2d(y, 1), conv(p, `res${i}/c1`), 1, 'valid'));
    r = instanceNorm(applyConv(reflectionPad2d(r, 1), conv(p, `res${i}/c2`), 1, 'valid'));
    y = tf.add(y, r);
  }
  const up1 = p.get('up1/w') as tf.Variable<tf.Rank.R4>;
  const up2 = p.get('up2/w') as tf.Variable<tf.Rank.R4>;
  y = norm(tf.conv2dTranspose(y, up1, [n, h / 2, w / 2, up1.shape[2]], 2, 'same'));
  y = norm(tf.conv2dTranspose(y, up2, [n, h, w, up2.shape[2]], 2, 'same'));
  return tf.tanh(applyConv(reflectionPad2d(y, 1), conv(p, 'out'), 1, 'valid'));
}

/**
 * The discriminator, a small PatchGAN: k4 stride-2 conv → ndf + LeakyReLU 0.2, k4 stride-2 conv → 2·ndf,
 * k3 conv → 4·ndf (instance norm + LeakyReLU 0.2 after each), k3 conv → 1: a map of real/fake scores, one per
 * (H/4)×(W/4) patch (7×7 for MNIST), no output non-linearity (LSGAN).
 */
export function discriminatorForward(p: NetParams, x: tf.Tensor4D): tf.Tensor4D {
  const act = (t: tf.Tensor4D) => tf.leakyRelu(t, 0.2);
  let y = act(applyConv(x, conv(p, 'c1'), 2, 'same'));
  y = act(instanceNorm(applyConv(y, conv(p, 'c2'), 2, 'same')));
  y = act(instanceNorm(applyConv(y, conv(p, 'c3'), 1, 'same')));
  return applyConv(y, conv(p, 'c4'), 1, 'same');
}

/** LSGAN discriminator loss ½·[E(D(real) − 1)² + E D(fake)²] (the reference's (loss_real + loss_fake)·0.5). */
export function lsganDiscriminatorLoss(dReal: tf.Tensor, dFake: tf.Tensor): tf.Scalar {
  return tf.tidy(() =>
    tf.mul(0.5, tf.add(tf.mean(tf.square(tf.sub(dReal, 1))), tf.mean(tf.square(dFake)))),
  ) as tf.Scalar;
}

/** LSGAN generator loss E(D(fake) − 1)² (the reference's MSE to the real label, not halved). */
export function lsganGeneratorLoss(dFake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(dFake, 1)))) as tf.Scalar;
}

/** Mean absolute difference (L1 loss). */
export function l1Loss(x: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(x, y)))) as tf.Scalar;
}

/**
 * The generators' total loss and its parts from the six generator outputs and the discriminators' scores:
 * gAdv + λ·cycle-L1 + lambdaIdentity·λ·identity-L1 (identity terms skipped when lambdaIdentity is 0).
 */
export function cycleGanGeneratorLoss(
  t: {
    realA: tf.Tensor;
    realB: tf.Tensor;
    recA: tf.Tensor;
    recB: tf.Tensor;
    idtA?: tf.Tensor;
    idtB?: tf.Tensor;
    dBFakeB: tf.Tensor;
    dAFakeA: tf.Tensor;
  },
  lambdaCycle: number,
  lambdaIdentity: number,
): { total: tf.Scalar; gAdv: tf.Scalar; cycle: tf.Scalar; identity: tf.Scalar } {
  const gAdv = tf.add(lsganGeneratorLoss(t.dBFakeB), lsganGeneratorLoss(t.dAFakeA)) as tf.Scalar;
  const cycle = tf.mul(lambdaCycle, tf.add(l1Loss(t.recA, t.realA), l1Loss(t.recB, t.realB))) as tf.Scalar;
  const identity =
    lambdaIdentity > 0 && t.idtA && t.idtB
      ? (tf.mul(
          lambdaIdentity * lambdaCycle,
          tf.add(l1Loss(t.idtA, t.realB), l1Loss(t.idtB, t.realA)),
        ) as tf.Scalar)
      : tf.scalar(0);
  return { total: tf.addN([gAdv, cycle, identity]) as tf.Scalar, gAdv, cycle, identity };
}

/**
 * A CycleGAN trainer's resumable state (`state.json`; the floats go to `state.bin`): the GAN trainer state —
 * every network parameter as `<net>/<param>` (e.g. `g_ab/in/w`), both Adam optimisers' slots under `gopt/` and
 * `dopt/`, the step count and the trainer Rng — plus each history pool's Rng state and image count. A pool's
 * stored images are the float tensor `pool_a` / `pool_b` of shape [count, H·W·C] (in slot order; absent while
 * the pool is empty).
 */
export interface CycleGanTrainerState extends GanTrainerState {
  pools: Record<'a' | 'b', { count: number; rng: number[] }>;
}

/** Unpaired image-to-image translation between two image sets; seeded; all tensors freed each step. */
export class CycleGanTrainer {
  readonly config: CycleGanConfig;
  /** Training images of each domain, in [0, 1]. */
  readonly trainA: ImageSet;
  readonly trainB: ImageSet;
  readonly nets: Record<CycleGanNet, NetParams>;
  /** Steps done (each: one update of both generators, then one of both discriminators). */
  steps = 0;
  private rng: Rng;
  private readonly poolA: ImagePool;
  private readonly poolB: ImagePool;
  private readonly gOpt: tf.Optimizer;
  private readonly dOpt: tf.Optimizer;

  /**
   * `data` replaces loading the domains with loadImageSource(config.a / config.b, { split: 'train' }) (tests);
   * its images must have the configured size and channels.
   */
  constructor(input: CycleGanConfig | CycleGanOptionsInput, data?: { a: ImageSet; b: ImageSet }) {
    this.config = cycleGanConfig(input);
    registerWasmKernels();
    const c = this.config;
    const shape = { size: c.size, channels: c.channels };
    this.trainA = data?.a ?? loadImageSource(c.a, { split: 'train', ...shape });
    this.trainB = data?.b ?? loadImageSource(c.b, { split: 'train', ...shape });
    for (const [field, set] of [
      ['a', this.trainA],
      ['b', this.trainB],
    ] as const) {
      if (set.count < 1 || set.height !== c.size || set.width !== c.size || set.channels !== c.channels) {
        throw new OptionsError('CycleGAN data', [
          `'${field}' must hold ≥ 1 image of ${c.size}×${c.size}×${c.channels} (got ${set.count} of ` +
            `${set.height}×${set.width}×${set.channels})`,
        ]);
      }
    }
    this.rng = new Rng(c.seed);
    const seed = () => this.rng.nextUint32() || 1;
    const g: NetShape = { kind: 'generator', channels: c.channels, width: c.ngf, resBlocks: c.resBlocks };
    const d: NetShape = { kind: 'discriminator', channels: c.channels, width: c.ndf, resBlocks: 0 };
    this.nets = {
      g_ab: makeParams(g, seed),
      g_ba: makeParams(g, seed),
      d_a: makeParams(d, seed),
      d_b: makeParams(d, seed),
    };
    const px = c.size * c.size * c.channels;
    this.poolA = new ImagePool(c.poolSize, px, this.rng.spawn());
    this.poolB = new ImagePool(c.poolSize, px, this.rng.spawn());
    this.gOpt = tf.train.adam(c.lr, c.beta1, c.beta2, 1e-8);
    this.dOpt = tf.train.adam(c.lr, c.beta1, c.beta2, 1e-8);
  }

  /** The shape each network was built with (for checkpoints). */
  netShape(net: CycleGanNet): NetShape {
    const c = this.config;
    return net.startsWith('g')
      ? { kind: 'generator', channels: c.channels, width: c.ngf, resBlocks: c.resBlocks }
      : { kind: 'discriminator', channels: c.channels, width: c.ndf, resBlocks: 0 };
  }

  /** A random batch of the set's images, mapped from [0, 1] to [−1, 1] (sampled with replacement). */
  private batch(set: ImageSet): tf.Tensor4D {
    const { batchSize: n, size, channels } = this.config;
    const px = size * size * channels;
    const out = new Float32Array(n * px);
    for (let i = 0; i < n; i++) {
      const k = this.rng.int(set.count);
      const src = set.images.subarray(k * px, (k + 1) * px);
      for (let j = 0; j < px; j++) out[i * px + j] = 2 * src[j]! - 1;
    }
    return tf.tensor4d(out, [n, size, size, channels]);
  }

  private vars(...nets: CycleGanNet[]): tf.Variable[] {
    return nets.flatMap((n) => [...this.nets[n].values()]);
  }

  /** One update of both generators (adversarial + cycle + identity), then one of both discriminators. */
  step(): CycleGanLosses {
    const c = this.config;
    const { g_ab: gAB, g_ba: gBA, d_a: dA, d_b: dB } = this.nets;
    const G = (p: NetParams, x: tf.Tensor4D) => generatorForward(p, x, c.resBlocks);
    const kept: tf.Tensor[] = [];
    const keep = <T extends tf.Tensor>(t: T): T => {
      kept.push(tf.keep(t));
      return t;
    };
    try {
      return tf.tidy(() => {
        const realA = this.batch(this.trainA);
        const realB = this.batch(this.trainB);
        let parts: { gAdv: tf.Scalar; cycle: tf.Scalar; identity: tf.Scalar } | undefined;
        let fakes: { a: tf.Tensor4D; b: tf.Tensor4D } | undefined;
        this.gOpt.minimize(
          () => {
            const fakeB = G(gAB, realA);
            const fakeA = G(gBA, realB);
            const withIdentity = c.lambdaIdentity > 0;
            const l = cycleGanGeneratorLoss(
              {
                realA,
                realB,
                recA: G(gBA, fakeB),
                recB: G(gAB, fakeA),
                idtA: withIdentity ? G(gAB, realB) : undefined,
                idtB: withIdentity ? G(gBA, realA) : undefined,
                dBFakeB: discriminatorForward(dB, fakeB),
                dAFakeA: discriminatorForward(dA, fakeA),
              },
              c.lambdaCycle,
              c.lambdaIdentity,
            );
            parts = { gAdv: keep(l.gAdv), cycle: keep(l.cycle), identity: keep(l.identity) };
            fakes = { a: keep(fakeA), b: keep(fakeB) };
            return l.total;
          },
          false,
          this.vars('g_ab', 'g_ba'),
        );
        const n = c.batchSize;
        const shape = [n, c.size, c.size, c.channels] as [number, number, number, number];
        const pooledA = tf.tensor4d(this.poolA.query(fakes!.a.dataSync() as Float32Array, n), shape);
        const pooledB = tf.tensor4d(this.poolB.query(fakes!.b.dataSync() as Float32Array, n), shape);
        let dLosses: { a: tf.Scalar; b: tf.Scalar } | undefined;
        this.dOpt.minimize(
          () => {
            const a = lsganDiscriminatorLoss(
              discriminatorForward(dA, realA),
              discriminatorForward(dA, pooledA),
            );
            const b = lsganDiscriminatorLoss(
              discriminatorForward(dB, realB),
              discriminatorForward(dB, pooledB),
            );
            dLosses = { a: keep(a), b: keep(b) };
            return tf.add(a, b) as tf.Scalar;
          },
          false,
          this.vars('d_a', 'd_b'),
        );
        const v = tf.stack([dLosses!.a, dLosses!.b, parts!.gAdv, parts!.cycle, parts!.identity]).dataSync();
        this.steps++;
        return { dA: v[0]!, dB: v[1]!, gAdv: v[2]!, cycle: v[3]!, identity: v[4]! };
      });
    } finally {
      tf.dispose(kept);
    }
  }

  /**
   * Translates `count` images (NHWC in [0, 1], the configured size and channels) with G_AB ('ab') or G_BA
   * ('ba'); returns them in [0, 1]. Runs in chunks; frees all tensors.
   */
  translate(direction: 'ab' | 'ba', images: Float32Array, count: number, chunk = 256): Float32Array {
    return translateWith(
      this.nets[direction === 'ab' ? 'g_ab' : 'g_ba'],
      this.config.resBlocks,
      [this.config.size, this.config.size, this.config.channels],
      images,
      count,
      chunk,
    );
  }

  /** Every network as `model.json` + `weights.bin` (load with `loadCycleGanNet`). */
  async checkpoint(): Promise<Record<CycleGanNet, NetFiles>> {
    const out = {} as Record<CycleGanNet, NetFiles>;
    for (const net of CYCLEGAN_NETS) out[net] = await netToFiles(this.netShape(net), this.nets[net]);
    return out;
  }

  /** Replaces the networks' weights with checkpointed ones (shapes must match). */
  async restore(files: Record<CycleGanNet, NetFiles>): Promise<void> {
    for (const net of CYCLEGAN_NETS) {
      const loaded = await loadCycleGanNet(files[net]);
      try {
        for (const [name, v] of this.nets[net]) {
          const w = loaded.params.get(name);
          if (!w || w.shape.join() !== v.shape.join()) {
            throw new OptionsError('CycleGAN checkpoint', [
              `'${net}/${name}' is missing or has another shape`,
            ]);
          }
          v.assign(w);
        }
      } finally {
        loaded.dispose();
      }
    }
  }

  /**
   * The whole training state (see CycleGanTrainerState): with `loadState` on a trainer built from the same
   * config and data, the following steps are bit-identical to this trainer's.
   */
  async saveState(): Promise<{ state: CycleGanTrainerState; data: Uint8Array }> {
    const named: NamedTensor[] = CYCLEGAN_NETS.flatMap((net) =>
      [...this.nets[net]].map(([name, tensor]) => ({ name: `${net}/${name}`, tensor })),
    );
    const pools = { a: this.poolA.getState(), b: this.poolB.getState() };
    const px = this.poolA.imageSize;
    const poolTensors: NamedTensor[] = [];
    for (const key of ['a', 'b'] as const) {
      const count = pools[key].images.length / px;
      if (count > 0) {
        poolTensors.push({ name: `pool_${key}`, tensor: tf.tensor2d(pools[key].images, [count, px]) });
      }
    }
    try {
      const { state, data } = await packTrainerState(
        [...named, ...poolTensors],
        this.optimizers(),
        this.steps,
        this.rng.getState(),
      );
      const poolState = (key: 'a' | 'b') => ({ count: pools[key].images.length / px, rng: pools[key].rng });
      return { state: { ...state, pools: { a: poolState('a'), b: poolState('b') } }, data };
    } finally {
      tf.dispose(poolTensors.map((t) => t.tensor));
    }
  }

  /** Restores what `saveState` wrote; the trainer must have been built with the same config. */
  async loadState(state: CycleGanTrainerState, data: Uint8Array): Promise<void> {
    if (!state.pools?.a || !state.pools.b)
      throw new RangeError('CycleGAN state: the history pools are missing');
    const saved = new SavedTensors(state, data);
    for (const net of CYCLEGAN_NETS) {
      for (const [name, v] of this.nets[net]) saved.into(`${net}/${name}`, v);
    }
    const px = this.poolA.imageSize;
    const poolImages = (key: 'a' | 'b'): Float32Array => {
      const count = state.pools[key].count;
      return count === 0 ? new Float32Array(0) : saved.values(`pool_${key}`, [count, px]).slice();
    };
    const a = poolImages('a');
    const b = poolImages('b');
    await saved.intoOptimizers(this.optimizers());
    this.poolA.setState({ images: a, rng: state.pools.a.rng });
    this.poolB.setState({ images: b, rng: state.pools.b.rng });
    this.steps = state.steps;
    this.rng = Rng.fromState(state.rng);
  }

  private optimizers(): [string, tf.Optimizer][] {
    return [
      ['gopt', this.gOpt],
      ['dopt', this.dOpt],
    ];
  }

  dispose(): void {
    for (const net of CYCLEGAN_NETS) tf.dispose([...this.nets[net].values()]);
    this.gOpt.dispose();
    this.dOpt.dispose();
  }
}

/** Runs a generator over `count` images in [0, 1] in chunks; returns the translations in [0, 1]. */
export function translateWith(
  params: NetParams,
  resBlocks: number,
  imageShape: [number, number, number],
  images: Float32Array,
  count: number,
  chunk = 256,
): Float32Array {
  const px = imageShape[0] * imageShape[1] * imageShape[2];
  if (images.length < count * px) throw new RangeError(`translate: expected ${count}×${px} floats`);
  const out = new Float32Array(count * px);
  for (let i = 0; i < count; i += chunk) {
    const n = Math.min(chunk, count - i);
    const y = tf.tidy(() => {
      const x = tf.tensor4d(images.subarray(i * px, (i + n) * px), [n, ...imageShape]);
      const g = generatorForward(params, tf.sub(tf.mul(x, 2), 1), resBlocks);
      return tf.add(tf.mul(g, 0.5), 0.5);
    });
    out.set(y.dataSync() as Float32Array, i * px);
    y.dispose();
  }
  return out;
}

/** A network's weights as a tfjs weights manifest + binary (tf.io.encodeWeights), with its shape. */
export async function netToFiles(shape: NetShape, params: NetParams): Promise<NetFiles> {
  const named = [...params].map(([name, tensor]) => ({ name, tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const bytes = tf.io.CompositeArrayBuffer.join(data);
  return {
    modelJson: {
      format: 'gymlab-cyclegan',
      shape,
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    },
    weightData: new Uint8Array(bytes),
  };
}

/**
 * Reads a network written by `netToFiles` (a checkpoint's `<net>/model.json` + `weights.bin`). The returned
 * params are tensors the caller frees with `dispose()`; `forward` runs the network on NHWC images in [−1, 1].
 */
export async function loadCycleGanNet(files: NetFiles): Promise<{
  shape: NetShape;
  params: NetParams;
  forward(x: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}> {
  const json = files.modelJson;
  if (json?.format !== 'gymlab-cyclegan' || !json.shape || !Array.isArray(json.weightsManifest)) {
    throw new OptionsError('CycleGAN checkpoint', [`model.json: format must be 'gymlab-cyclegan'`]);
  }
  const shape = json.shape;
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const bytes = files.weightData.buffer.slice(
    files.weightData.byteOffset,
    files.weightData.byteOffset + files.weightData.byteLength,
  ) as ArrayBuffer;
  const decoded = tf.io.decodeWeights(bytes, specs);
  const params: NetParams = new Map();
  for (const p of netLayout(shape)) {
    const t = decoded[p.name];
    if (!t || t.shape.join() !== p.shape.join()) {
      tf.dispose(Object.values(decoded));
      throw new OptionsError('CycleGAN checkpoint', [
        `weight '${p.name}' is missing or is not [${p.shape.join(', ')}]`,
      ]);
    }
    params.set(p.name, tf.variable(t, false));
  }
  tf.dispose(Object.values(decoded));
  return {
    shape,
    params,
    forward: (x) =>
      tf.tidy(() =>
        shape.kind === 'generator'
          ? generatorForward(params, x, shape.resBlocks)
          : discriminatorForward(params, x),
      ),
    dispose: () => tf.dispose([...params.values()]),
  };
}

/** Reads one network's files from a checkpoint folder (`checkpoints/step_N/<net>/`) for `loadCycleGanNet`. */
export function readNetFiles(dir: string): NetFiles {
  const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as NetFiles['modelJson'];
  const paths = modelJson.weightsManifest?.flatMap((g) => g.paths) ?? [];
  const weightData = new Uint8Array(readFileSync(join(dir, paths[0] ?? 'weights.bin')));
  return { modelJson, weightData };
}
