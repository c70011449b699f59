import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../models/backend.ts';
import {
  discriminatorLoss,
  GAN_VARIANTS,
  generatorLoss,
  gradientPenalty,
  powerIteration,
  spectralSigma,
} from '../../models/gan/losses.ts';
import { ToyGanTrainer, toyGanConfig } from '../../models/gan/toy-gan.ts';

const softplus = (x: number) => Math.log1p(Math.exp(x));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

beforeAll(async () => {
  await initBackend('wasm');
});

describe('GAN losses on fixed tensors', () => {
  const r = [1.5, -0.5, 0.25];
  const f = [-2, 0.5, 3];
  const value = (t: tf.Scalar) => {
    const v = t.dataSync()[0]!;
    t.dispose();
    return v;
  };
  const dR = () => tf.tensor2d(r, [3, 1]);
  const dF = () => tf.tensor2d(f, [3, 1]);

  it('gan: BCE with one-sided label smoothing, non-saturating G', () => {
    const s = 0.1;
    const want =
      mean(r.map((d) => (1 - s) * softplus(-d) + s * softplus(d))) + mean(f.map((d) => softplus(d)));
    expect(value(discriminatorLoss('gan', dR(), dF(), s))).toBeCloseTo(want, 5);
    expect(value(discriminatorLoss('gan', dR(), dF()))).toBeCloseTo(
      mean(r.map((d) => softplus(-d))) + mean(f.map(softplus)),
      5,
    );
    expect(value(generatorLoss('gan', dF()))).toBeCloseTo(mean(f.map((d) => softplus(-d))), 5);
  });

  it('lsgan: half squared errors to 1 and 0', () => {
    const want = 0.5 * (mean(r.map((d) => (d - 1) ** 2)) + mean(f.map((d) => d ** 2)));
    expect(value(discriminatorLoss('lsgan', dR(), dF()))).toBeCloseTo(want, 5);
    expect(value(generatorLoss('lsgan', dF()))).toBeCloseTo(0.5 * mean(f.map((d) => (d - 1) ** 2)), 5);
  });

  it('wgan / wgan-gp: E D(fake) − E D(real); G: −E D(fake)', () => {
    for (const v of ['wgan', 'wgan-gp'] as const) {
      expect(value(discriminatorLoss(v, dR(), dF()))).toBeCloseTo(mean(f) - mean(r), 5);
      expect(value(generatorLoss(v, dF()))).toBeCloseTo(-mean(f), 5);
    }
  });

  it('sngan: hinge', () => {
    const want = mean(r.map((d) => Math.max(0, 1 - d))) + mean(f.map((d) => Math.max(0, 1 + d)));
    expect(value(discriminatorLoss('sngan', dR(), dF()))).toBeCloseTo(want, 5);
    expect(value(generatorLoss('sngan', dF()))).toBeCloseTo(-mean(f), 5);
  });
});

describe('gradient penalty', () => {
  // A small ReLU critic like the trainer's: D(x) = v·relu(W x + b) (no unit sits near its kink at these points,
  // so central differences are exact up to rounding). Note: tfjs's second-order gradients through tanh and
  // sigmoid are wrong (their gradients reuse the saved output without differentiating it) — relu and square
  // are right, which is why the toy critics are ReLU MLPs.
  const W = tf.tensor2d([0.8, -0.3, 0.5, 1.1, -0.7, 0.2, 0.4, 0.9], [2, 4]);
  const b = tf.tensor1d([0.1, -0.2, 0.05, 0]);
  const v = tf.tensor2d([0.7, -1.2, 0.4, 0.9], [4, 1]);
  const critic = (w: tf.Tensor) => (x: tf.Tensor2D) => tf.matMul(tf.relu(tf.add(tf.matMul(x, w), b)), v);
  const real = [0.3, -0.4, 1.0, 0.2, -0.6, 0.8];
  const fake = [-0.1, 0.5, 0.4, -0.9, 0.7, 0.1];
  const eps = [0.25, 0.6, 0.9];
  const lambda = 10;

  function penalty(w: tf.Tensor): number {
    return tf.tidy(
      () =>
        gradientPenalty(
          critic(w),
          tf.tensor2d(real, [3, 2]),
          tf.tensor2d(fake, [3, 2]),
          tf.tensor2d(eps, [3, 1]),
          lambda,
        ).dataSync()[0]!,
    );
  }

  /** The same penalty with ∇ₓD by central differences in float64 on the JS side. */
  function penaltyByFiniteDifferences(): number {
    const w = W.arraySync();
    const bb = b.arraySync();
    const vv = v.arraySync().map((row) => row[0]!);
    const d = (x: number[]) =>
      vv.reduce((s, vk, k) => s + vk * Math.max(0, x[0]! * w[0]![k]! + x[1]! * w[1]![k]! + bb[k]!), 0);
    const h = 1e-5;
    let sum = 0;
    for (let i = 0; i < 3; i++) {
      const x = [0, 1].map((j) => eps[i]! * real[2 * i + j]! + (1 - eps[i]!) * fake[2 * i + j]!);
      const g = [0, 1].map((j) => {
        const up = [...x];
        const dn = [...x];
        up[j]! += h;
        dn[j]! -= h;
        return (d(up) - d(dn)) / (2 * h);
      });
      sum += (Math.hypot(g[0]!, g[1]!) - 1) ** 2;
    }
    return (lambda * sum) / 3;
  }

  it('equals the finite-difference value', () => {
    expect(penalty(W)).toBeCloseTo(penaltyByFiniteDifferences(), 4);
  });

  it('its gradient wrt the critic weights (second order) matches finite differences', () => {
    const auto = tf.tidy(() =>
      tf
        .grad((w: tf.Tensor) => {
          const p = gradientPenalty(
            critic(w),
            tf.tensor2d(real, [3, 2]),
            tf.tensor2d(fake, [3, 2]),
            tf.tensor2d(eps, [3, 1]),
            lambda,
          );
          return p;
        })(W)
        .dataSync()
        .slice(),
    );
    const h = 1e-3;
    for (const idx of [0, 3, 6]) {
      const delta = tf.tidy(() =>
        tf
          .oneHot(tf.tensor1d([idx], 'int32'), 8)
          .reshape([2, 4])
          .mul(h),
      );
      const up = tf.add(W, delta);
      const dn = tf.sub(W, delta);
      const fd = (penalty(up) - penalty(dn)) / (2 * h);
      tf.dispose([delta, up, dn]);
      expect(auto[idx]!).toBeCloseTo(fd, 2);
    }
  });
});

describe('spectral normalisation', () => {
  /** σ_max by float64 power iteration on WᵀW to convergence. */
  function sigmaMax(w: number[][]): number {
    const n = w[0]!.length;
    let x = Array.from({ length: n }, (_, i) => 1 + i * 0.1);
    let s = 0;
    for (let it = 0; it < 5000; it++) {
      const wx = w.map((row) => row.reduce((a, v, j) => a + v * x[j]!, 0));
      const y = Array.from({ length: n }, (_, j) => w.reduce((a, row, i) => a + row[j]! * wx[i]!, 0));
      const norm = Math.hypot(...y);
      s = Math.sqrt(norm / Math.hypot(...x));
      x = y.map((v) => v / norm);
    }
    return s;
  }

  it('power iteration with kept state converges to the largest singular value', () => {
    // A rotation·diag(3, 1)·rotation has σ = 3 exactly; plus a random 6×4 matrix.
    const c = Math.cos(0.7);
    const s = Math.sin(0.7);
    const rot = [
      [3 * c, -3 * s],
      [1 * s, 1 * c],
    ];
    const rnd = tf.tidy(() => tf.randomNormal([6, 4], 0, 1, 'float32', 9).arraySync() as number[][]);
    for (const [m, want] of [
      [rot, 3],
      [rnd, sigmaMax(rnd)],
    ] as const) {
      const w = tf.tensor2d(m as number[][]);
      let u = tf.tensor1d(Array.from({ length: m[0]!.length }, (_, i) => (i === 0 ? 1 : 0.5)));
      let sigma = 0;
      for (let i = 0; i < 100; i++) {
        const next = powerIteration(w, u);
        sigma = tf.tidy(() => spectralSigma(w, next.u, next.v).dataSync()[0]!);
        tf.dispose([u, next.v]);
        u = next.u;
      }
      expect(sigma).toBeCloseTo(want, 3);
      tf.dispose([w, u]);
    }
  });

  it('the sngan trainer keeps u across steps: after training its estimate matches the true σ', () => {
    const t = new ToyGanTrainer({ variant: 'sngan', data: '8gaussians', seed: 1, hidden: 8, batchSize: 16 });
    for (let i = 0; i < 40; i++) t.step();
    const layer = t.discriminator[1]!;
    const est = tf.tidy(() => {
      const { u, v } = powerIteration(layer.w, layer.u!);
      return spectralSigma(layer.w, u, v).dataSync()[0]!;
    });
    expect(est).toBeCloseTo(sigmaMax(layer.w.arraySync()), 2);
    t.dispose();
  });
});

describe('toy GAN trainer', () => {
  it('validates options with clear errors and fills variant defaults', () => {
    expect(() => toyGanConfig({ variant: 'dcgan', data: '8gaussians' })).toThrow(/variant/);
    expect(() => toyGanConfig({ variant: 'gan', data: '8gaussians', batchSize: 1 })).toThrow(/batchSize/);
    expect(() => toyGanConfig({ variant: 'gan', data: '8gaussians', lamda: 1 })).toThrow(/lamda/);
    const gp = toyGanConfig({ variant: 'wgan-gp', data: '8gaussians' });
    expect([gp.optimizer, gp.lr, gp.beta1, gp.beta2, gp.criticSteps, gp.gpLambda]).toEqual([
      'adam',
      1e-4,
      0.5,
      0.9,
      5,
      0.1,
    ]);
    const w = toyGanConfig({ variant: 'wgan', data: '8gaussians' });
    expect([w.optimizer, w.lr, w.clip, w.criticSteps]).toEqual(['rmsprop', 5e-5, 0.01, 5]);
    const sn = toyGanConfig({ variant: 'sngan', data: '8gaussians' });
    expect([sn.lr, sn.beta1, sn.beta2, sn.criticSteps]).toEqual([2e-4, 0, 0.9, 5]);
    expect([gp.hidden, gp.depth, gp.batchSize]).toEqual([512, 3, 256]);
  });

  it('wgan: every critic weight stays within ±clip after every critic step', () => {
    const t = new ToyGanTrainer({
      variant: 'wgan',
      data: '8gaussians',
      seed: 2,
      hidden: 16,
      batchSize: 32,
      criticSteps: 1,
      wganWarmup: false,
      lr: 0.05,
    });
    for (let i = 0; i < 10; i++) {
      t.step();
      for (const l of t.discriminator) {
        for (const w of [l.w, l.b])
          expect(Math.max(...Array.from(w.dataSync(), Math.abs))).toBeLessThanOrEqual(0.01 + 1e-7);
      }
    }
    t.dispose();
  });

  it('is reproducible for a seed', () => {
    const run = (seed: number) => {
      const t = new ToyGanTrainer({ variant: 'gan', data: '25gaussians', seed, hidden: 8, batchSize: 16 });
      for (let i = 0; i < 3; i++) t.step();
      const out = t.generate(5);
      t.dispose();
      return Array.from(out);
    };
    expect(run(4)).toEqual(run(4));
    expect(run(4)).not.toEqual(run(5));
  });

  it.each(GAN_VARIANTS)('%s: tf.memory().numTensors flat over 500 steps', (variant) => {
    const t = new ToyGanTrainer({
      variant,
      data: 'ring',
      seed: 3,
      hidden: 8,
      batchSize: 16,
      criticSteps: 2,
      wganWarmup: false,
    });
    t.step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 500; i++) t.step();
    t.evaluate();
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });
});
