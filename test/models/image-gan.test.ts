import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { OptionsError } from '../../envs/core/options.ts';
import { Rng } from '../../envs/core/rng.ts';
import { initBackend } from '../../models/backend.ts';
import type { ImageSet } from '../../models/data/mnist.ts';
import {
  type ImageGanOptionsInput,
  ImageGanTrainer,
  imageGanConfig,
  imageGradientPenalty,
  isImageSource,
} from '../../models/gan/image-gan.ts';
import {
  buildImageNets,
  discriminatorForward,
  type ImageNetSpec,
  kernelMatrix,
  spectralSigmas,
} from '../../models/gan/image-nets.ts';
import { GAN_VARIANTS } from '../../models/gan/losses.ts';
import { equalizedWeight, heConstant, minibatchStdDev, pixelNorm } from '../../models/gan/progressive.ts';
import { registerWasmKernels } from '../../models/kernels/register.ts';
import { parseSingleJson, runCli } from '../helpers/cli.ts';

beforeAll(async () => {
  await initBackend('wasm');
  registerWasmKernels();
});

/** Random 8×8 grey "images" in [0, 1]: enough to exercise every code path quickly. */
function tinySet(count = 32, seed = 1): ImageSet {
  const rng = new Rng(seed);
  const images = Float32Array.from({ length: count * 64 }, () => rng.uniform());
  return { images, labels: null, count, height: 8, width: 8, channels: 1 };
}

const TINY: Partial<ImageGanOptionsInput> = { batchSize: 8, noiseDim: 4, gChannels: 2, dChannels: 2 };

const SPEC: ImageNetSpec = {
  height: 8,
  width: 8,
  channels: 1,
  noiseDim: 4,
  gChannels: 2,
  dChannels: 3,
  pixelNorm: false,
  batchNorm: true,
  dBatchNorm: false,
  minibatchStd: true,
  equalizedLr: true,
  spectralNorm: false,
  classes: 0,
};

describe('progressive-GAN ops', () => {
  it('minibatch std appends the mean over features of the per-feature batch std as a channel', () => {
    // Two samples, one pixel, two features: [1, 2] and [3, 6] → stds 1 and 2 (population) → mean 1.5.
    const x = tf.tensor4d([1, 2, 3, 6], [2, 1, 1, 2]);
    const y = minibatchStdDev(x);
    expect(y.shape).toEqual([2, 1, 1, 3]);
    const v = Array.from(y.dataSync());
    expect(v[2]).toBeCloseTo(1.5, 5);
    expect(v[5]).toBeCloseTo(1.5, 5);
    expect(v.slice(0, 2)).toEqual([1, 2]);
    tf.dispose([x, y]);
  });

  it('pixel norm divides each pixel by the RMS over its channels', () => {
    const x = tf.tensor4d([3, 4, 0, 2], [1, 1, 2, 2]);
    const v = Array.from(pixelNorm(x).dataSync());
    // [3, 4]: mean square 12.5; [0, 2]: mean square 2.
    const expected = [3 / Math.sqrt(12.5), 4 / Math.sqrt(12.5), 0, 2 / Math.sqrt(2)];
    for (const [i, a] of v.entries()) expect(a).toBeCloseTo(expected[i]!, 5);
    x.dispose();
  });

  it("equalised learning rate scales N(0, 1) weights by He's constant sqrt(2 / fanIn) at run time", () => {
    expect(heConstant(8)).toBeCloseTo(0.5, 10);
    const w = tf.tensor1d([2, -4]);
    expect(Array.from(equalizedWeight(w, 8, true).dataSync())).toEqual([1, -2]);
    expect(equalizedWeight(w, 8, false)).toBe(w);
    w.dispose();
    // Stored kernels: N(0, 1) under equalised lr, U(±1/sqrt(fanIn)) otherwise (dense fanIn 4: std 0.289).
    const std = (spec: ImageNetSpec) => {
      let s = 7;
      const { g, d } = buildImageNets({ ...spec, gChannels: 16 }, () => s++);
      const sd = tf.tidy(() => tf.moments(g[0]!.w).variance.sqrt().dataSync()[0]!);
      for (const l of [...g, ...d]) tf.dispose([l.w, l.b, ...(l.gamma ? [l.gamma, l.beta!] : [])]);
      return sd;
    };
    expect(std(SPEC)).toBeGreaterThan(0.9);
    expect(std(SPEC)).toBeLessThan(1.1);
    expect(std({ ...SPEC, equalizedLr: false })).toBeLessThan(0.35);
    expect(std({ ...SPEC, equalizedLr: false })).toBeGreaterThan(0.23);
  });

  it('validates the options', () => {
    expect(() => imageGanConfig({ variant: 'gan', data: 'mnist', minibatchStd: 'yes' })).toThrow(
      OptionsError,
    );
    expect(() => imageGanConfig({ variant: 'gan', data: 'mnist', pixelNorm: 1 })).toThrow(/pixelNorm/);
    expect(() => imageGanConfig({ variant: 'gan', data: 'mnist', lamda: 3 })).toThrow(/lamda/);
    const c = imageGanConfig({ variant: 'wgan-gp', data: 'mnist', equalizedLr: true });
    expect(c).toMatchObject({
      gpLambda: 10,
      criticSteps: 5,
      lr: 1e-4,
      beta1: 0.5,
      beta2: 0.9,
      equalizedLr: true,
    });
    expect(imageGanConfig({ variant: 'wgan', data: 'mnist' })).toMatchObject({
      optimizer: 'rmsprop',
      lr: 5e-5,
    });
    expect(isImageSource('mnist:3')).toBe(true);
    expect(isImageSource('8gaussians')).toBe(false);
  });
});

describe('spectral normalisation of conv kernels', () => {
  it('power iteration on the [kh·kw·cin, cout] matrix converges to the largest singular value', () => {
    const rng = new Rng(3);
    const values = Float32Array.from({ length: 3 * 3 * 2 * 4 }, () => rng.normal());
    // Independent reference: the largest eigenvalue of WᵀW (4×4) by float64 power iteration in JS.
    const rows = 18;
    const wtw = Array.from({ length: 4 }, (_, i) =>
      Array.from({ length: 4 }, (_, j) => {
        let s = 0;
        for (let r = 0; r < rows; r++) s += values[r * 4 + i]! * values[r * 4 + j]!;
        return s;
      }),
    );
    let v = [1, 0.5, -0.3, 0.2];
    let lambda = 0;
    for (let it = 0; it < 2000; it++) {
      const next = wtw.map((row) => row.reduce((s, a, j) => s + a * v[j]!, 0));
      lambda = Math.hypot(...next);
      v = next.map((a) => a / lambda);
    }
    const sigmaRef = Math.sqrt(lambda);
    const w = tf.variable(tf.tensor4d(values, [3, 3, 2, 4]));
    const layer = {
      kind: 'conv' as const,
      w,
      b: tf.variable(tf.zeros([4])),
      fanIn: 18,
      u: tf.variable(tf.tensor1d([0.5, 0.5, 0.5, 0.5]), false) as tf.Variable<tf.Rank.R1>,
    };
    const sigma = () =>
      tf.tidy(() => {
        const s = spectralSigmas([layer], true)()[0]!;
        return s.dataSync()[0]!;
      });
    const first = sigma();
    let last = first;
    for (let i = 0; i < 100; i++) last = sigma();
    expect(Math.abs(last - sigmaRef) / sigmaRef).toBeLessThan(1e-3);
    // The estimate is a lower bound that improves as u is carried across calls.
    expect(first).toBeLessThanOrEqual(sigmaRef * (1 + 1e-4));
    expect(kernelMatrix(w).shape).toEqual([18, 4]);
    tf.dispose([w, layer.b, layer.u]);
  });

  it('sngan keeps u across steps and its normalised kernels have σ ≈ 1', () => {
    const t = new ImageGanTrainer({ variant: 'sngan', data: 'mnist', seed: 2, ...TINY }, tinySet());
    const u0 = Array.from(t.discriminator[1]!.u!.dataSync());
    for (let i = 0; i < 20; i++) t.step();
    const u1 = Array.from(t.discriminator[1]!.u!.dataSync());
    expect(u1).not.toEqual(u0);
    expect(Math.hypot(...u1)).toBeCloseTo(1, 4);
    // σ of W/σ̂ by many fresh power iterations on a copy.
    for (const layer of t.discriminator) {
      const ratio = tf.tidy(() => {
        const est = spectralSigmas([layer], false)()[0]!;
        const m = kernelMatrix(layer.w);
        let v = tf.ones([m.shape[1]]) as tf.Tensor1D;
        for (let i = 0; i < 200; i++) {
          const a = tf.squeeze(tf.matMul(m, tf.expandDims(v, 1)), [1]);
          const b = tf.squeeze(tf.matMul(tf.expandDims(a, 0), m), [0]);
          v = tf.div(b, tf.norm(b)) as tf.Tensor1D;
        }
        const sigmaTrue = tf.norm(tf.matMul(m, tf.expandDims(v, 1)));
        return tf.div(sigmaTrue, est).dataSync()[0]!;
      });
      expect(ratio).toBeGreaterThan(0.95);
      expect(ratio).toBeLessThan(1.1);
    }
    t.dispose();
  });
});

describe('wgan-gp penalty through convolutions', () => {
  it("matches central finite differences in D's weights (second-order gradients on wasm)", () => {
    let s = 11;
    const { g, d } = buildImageNets(SPEC, () => s++);
    const real = tf.randomUniform([4, 8, 8, 1], -1, 1, 'float32', 5) as tf.Tensor4D;
    const fake = tf.randomUniform([4, 8, 8, 1], -1, 1, 'float32', 6) as tf.Tensor4D;
    const eps = tf.randomUniform([4, 1, 1, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const penalty = () => imageGradientPenalty((x) => discriminatorForward(SPEC, d, x), real, fake, eps, 10);
    const vars = [d[0]!.w, d[1]!.w, d[2]!.w];
    const { grads, value } = tf.variableGrads(penalty, vars);
    expect(value.dataSync()[0]).toBeGreaterThan(0);
    const h = 3e-3;
    let checked = 0;
    vars.forEach((v, k) => {
      const analytic = grads[v.name]!.dataSync();
      const scale = Math.max(...Array.from(analytic, Math.abs));
      expect(scale).toBeGreaterThan(1e-3);
      const base = v.dataSync().slice();
      for (const idx of [0, 5, Math.floor(base.length / 2), base.length - 1]) {
        const at = (delta: number) => {
          const w = base.slice();
          w[idx] = w[idx]! + delta;
          v.assign(tf.tensor(w, v.shape));
          return tf.tidy(() => penalty().dataSync()[0]!);
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        v.assign(tf.tensor(base, v.shape));
        expect(Math.abs(fd - analytic[idx]!), `layer ${k} index ${idx}`).toBeLessThan(0.03 * scale + 2e-3);
        checked++;
      }
    });
    expect(checked).toBe(12);
    tf.dispose([real, fake, eps, value, ...Object.values(grads)]);
    for (const l of [...g, ...d]) tf.dispose([l.w, l.b, ...(l.gamma ? [l.gamma, l.beta!] : [])]);
  });
});

describe('ImageGanTrainer', () => {
  it('every variant (and the progressive tricks) steps with finite losses and samples in [0, 1]', () => {
    for (const variant of GAN_VARIANTS) {
      for (const tricks of [{}, { minibatchStd: true, pixelNorm: true, equalizedLr: true }]) {
        const t = new ImageGanTrainer(
          { variant, data: 'mnist', seed: 1, wganWarmup: false, ...TINY, ...tricks },
          tinySet(),
        );
        const s = t.step();
        expect(Number.isFinite(s.dLoss) && Number.isFinite(s.gLoss)).toBe(true);
        expect(s.criticSteps).toBe(variant === 'gan' || variant === 'lsgan' ? 1 : 5);
        const out = t.generate(10);
        expect(out.count).toBe(10);
        expect(out.images.length).toBe(10 * 64);
        expect(Math.min(...out.images)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...out.images)).toBeLessThanOrEqual(1);
        t.dispose();
      }
    }
  });

  it('dBatchNorm normalises D after its second conv (gan, lsgan) and is refused for the other variants', async () => {
    const t = new ImageGanTrainer(
      { variant: 'lsgan', data: 'mnist', seed: 1, dBatchNorm: true, ...TINY },
      tinySet(),
    );
    expect(t.discriminator[1]!.gamma).toBeDefined();
    t.step(); // creates the optimisers' slots
    const before = tf.memory().numTensors;
    const s = t.step();
    expect(tf.memory().numTensors).toBe(before);
    expect(Number.isFinite(s.dLoss)).toBe(true);
    const files = await t.checkpoint();
    expect(JSON.stringify(files.discriminator.modelJson)).toMatch(/1\/bn\/gamma/);
    t.dispose();
    for (const variant of ['wgan', 'wgan-gp', 'sngan'] as const) {
      expect(() => imageGanConfig({ variant, data: 'mnist', dBatchNorm: true })).toThrow(
        /dBatchNorm is for variants gan and lsgan/,
      );
    }
  });

  it('wgan keeps critic weights within ±clip; checkpoints list every weight', async () => {
    const t = new ImageGanTrainer(
      { variant: 'wgan', data: 'mnist', seed: 1, wganWarmup: false, ...TINY },
      tinySet(),
    );
    t.step();
    for (const l of t.discriminator) {
      const w = l.w.dataSync();
      expect(Math.max(...Array.from(w, Math.abs))).toBeLessThanOrEqual(0.01 + 1e-7);
    }
    const files = await t.checkpoint();
    const json = files.generator.modelJson as { weights: { shape: number[] }[] };
    const floats = json.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
    expect(files.generator.weightData.byteLength).toBe(floats * 4);
    t.dispose();
  });

  // 500 generator steps of every variant on 8×8 images, batch 8, 2-channel nets, one critic step per generator
  // step (the same code paths as 5; with 5 and wgan's 100-step warm-up this test took minutes on the shared
  // 2-core machine).
  it('keeps tf.memory().numTensors flat over 500 steps of every variant', { timeout: 120_000 }, () => {
    const before = tf.memory().numTensors;
    for (const variant of GAN_VARIANTS) {
      const t = new ImageGanTrainer(
        { variant, data: 'mnist', seed: 3, criticSteps: 1, wganWarmup: false, ...TINY },
        tinySet(),
      );
      t.step();
      const start = tf.memory().numTensors;
      for (let i = 0; i < 499; i++) t.step();
      expect(tf.memory().numTensors, variant).toBe(start);
      t.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('gymlab train gan on images', () => {
  it('writes config, metrics, checkpoints and sample grids; --json has the image keys', {
    timeout: 300_000,
  }, () => {
    // The MNIST classifier is trained on first use (≈ 1–2 min); a shared temp dir lets test files reuse it.
    const models = join(tmpdir(), 'gymlab-test-models');
    mkdirSync(models, { recursive: true });
    const out = join(mkdtempSync(join(tmpdir(), 'gymlab-image-gan-')), 'run');
    const prev = process.env['GYMLAB_MODELS_DIR'];
    process.env['GYMLAB_MODELS_DIR'] = models;
    let r: ReturnType<typeof runCli>;
    try {
      r = runCli(
        [
          'train',
          'gan',
          '--variant',
          'gan',
          '--data',
          'mnist:3',
          '--steps',
          '3',
          '--seed',
          '1',
          '--eval-every',
          '2',
          '--sample-every',
          '2',
          '--set',
          'gChannels=4',
          '--set',
          'dChannels=4',
          '--set',
          'evalSamples=100',
          '--out',
          out,
          '--json',
        ],
        { timeoutMs: 280_000 },
      );
    } finally {
      if (prev === undefined) delete process.env['GYMLAB_MODELS_DIR'];
      else process.env['GYMLAB_MODELS_DIR'] = prev;
    }
    expect(r.status, r.stderr).toBe(0);
    const json = parseSingleJson(r.stdout);
    expect(Object.keys(json).sort()).toEqual(
      [
        'runDir',
        'steps',
        'wallSeconds',
        'backend',
        'inceptionScore',
        'frechetDistance',
        'classCoverage',
      ].sort(),
    );
    expect(json['steps']).toBe(3);
    expect(json['inceptionScore']).toBeGreaterThanOrEqual(1);
    expect(json['classCoverage']).toBeGreaterThan(0);
    expect(json['classCoverage']).toBeLessThanOrEqual(1);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ kind: 'gan', data: { kind: 'image', spec: 'mnist:3', channels: 1 } });
    expect(config.options).toMatchObject({ variant: 'gan', gChannels: 4, evalSamples: 100 });
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([2, 3]);
    expect(Object.keys(lines[1]).sort()).toEqual(
      [
        'step',
        'wall_seconds',
        'losses/d_loss',
        'losses/g_loss',
        'eval/inception_score',
        'eval/frechet_distance',
        'eval/class_coverage',
      ].sort(),
    );
    expect(readdirSync(join(out, 'samples')).sort()).toEqual(['step_2.png', 'step_3.png']);
    const png = readFileSync(join(out, 'samples', 'step_3.png'));
    expect(Array.from(png.subarray(1, 4), (c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect(existsSync(join(out, 'checkpoints', 'step_3', 'generator', 'weights.bin'))).toBe(true);
    expect(existsSync(join(out, 'checkpoints', 'step_3', 'discriminator', 'model.json'))).toBe(true);
  });

  it('toy runs also write scatter plots; bad image options exit 2 before a run directory exists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gymlab-toy-png-'));
    const toy = runCli([
      'train',
      'gan',
      '--variant',
      'gan',
      '--data',
      '8gaussians',
      '--steps',
      '2',
      '--set',
      'hidden=4',
      '--set',
      'batchSize=8',
      '--out',
      join(dir, 'toy'),
      '--json',
    ]);
    expect(toy.status, toy.stderr).toBe(0);
    expect(readdirSync(join(dir, 'toy', 'samples'))).toEqual(['step_2.png']);
    expect(JSON.parse(readFileSync(join(dir, 'toy', 'config.json'), 'utf8')).data).toEqual({
      kind: 'toy',
      spec: '8gaussians',
    });
    const bad = runCli([
      'train',
      'gan',
      '--variant',
      'gan',
      '--data',
      'mnist',
      '--set',
      'minibatchStd=maybe',
      '--out',
      join(dir, 'bad'),
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/minibatchStd/);
    const badDigits = runCli([
      'train',
      'gan',
      '--variant',
      'gan',
      '--data',
      'mnist:x',
      '--out',
      join(dir, 'bad2'),
    ]);
    expect(badDigits.status).toBe(2);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
    expect(existsSync(join(dir, 'bad2'))).toBe(false);
  });
});
