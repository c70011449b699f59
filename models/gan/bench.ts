import * as tf from '@tensorflow/tfjs';

import { registerWasmKernels } from '../kernels/register.ts';
import { ToyGanTrainer } from './toy-gan.ts';

/** A training step to time: `step()` runs one D + G update; `dispose()` frees everything. */
export interface BenchStep {
  step(): void;
  dispose(): void;
}

/**
 * Exactly the work of ../shared/anchors/torch_dcgan.py, in NHWC: batch 64 of 28×28 images in [−1, 1];
 * G: z(32) → dense 7·7·32 ReLU → convT 16 (4×4, s2, same) ReLU → convT 1 (4×4, s2, same) tanh;
 * D: conv 16 (4×4, s2, same) LeakyReLU 0.2 → conv 32 (4×4, s2, same) LeakyReLU 0.2 → dense 1 (logit);
 * Adam 2e-4, β (0.5, 0.999) for both; non-saturating BCE; one D step then one G step on the same z.
 * ('same' with stride 2 pads 1 on each side here, as PyTorch's padding=1.)
 */
export function dcganBenchStep(seed = 0): BenchStep {
  registerWasmKernels();
  const B = 64;
  // tfjs treats seed 0 as "no seed": offset by one.
  let s = seed + 1;
  const init = (shape: number[], fanIn: number) =>
    tf.tidy(() =>
      tf.variable(tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), 'float32', s++)),
    );
  const g = {
    w0: init([32, 7 * 7 * 32], 32),
    b0: init([7 * 7 * 32], 32),
    // conv2dTranspose filters are [kh, kw, outChannels, inChannels].
    w1: init([4, 4, 16, 32], 32 * 16),
    b1: init([16], 32 * 16),
    w2: init([4, 4, 1, 16], 16 * 16),
    b2: init([1], 16 * 16),
  };
  const d = {
    w0: init([4, 4, 1, 16], 16),
    b0: init([16], 16),
    w1: init([4, 4, 16, 32], 16 * 16),
    b1: init([32], 16 * 16),
    w2: init([7 * 7 * 32, 1], 7 * 7 * 32),
    b2: init([1], 7 * 7 * 32),
  };
  const real = tf.tidy(() => tf.sub(tf.mul(tf.randomUniform([B, 28, 28, 1], 0, 1, 'float32', s++), 2), 1));
  const gOpt = tf.train.adam(2e-4, 0.5, 0.999);
  const dOpt = tf.train.adam(2e-4, 0.5, 0.999);
  const G = (z: tf.Tensor2D) => {
    const h0 = tf.reshape(tf.relu(tf.add(tf.matMul(z, g.w0), g.b0)), [B, 7, 7, 32]) as tf.Tensor4D;
    const h1 = tf.relu(tf.add(tf.conv2dTranspose(h0, g.w1 as tf.Tensor4D, [B, 14, 14, 16], 2, 'same'), g.b1));
    return tf.tanh(
      tf.add(tf.conv2dTranspose(h1 as tf.Tensor4D, g.w2 as tf.Tensor4D, [B, 28, 28, 1], 2, 'same'), g.b2),
    );
  };
  const D = (x: tf.Tensor) => {
    const h0 = tf.leakyRelu(tf.add(tf.conv2d(x as tf.Tensor4D, d.w0 as tf.Tensor4D, 2, 'same'), d.b0), 0.2);
    const h1 = tf.leakyRelu(tf.add(tf.conv2d(h0 as tf.Tensor4D, d.w1 as tf.Tensor4D, 2, 'same'), d.b1), 0.2);
    return tf.add(tf.matMul(tf.reshape(h1, [B, 7 * 7 * 32]), d.w2), d.b2);
  };
  const bce = (logits: tf.Tensor, target: 0 | 1) =>
    tf.mean(tf.softplus(target === 1 ? tf.neg(logits) : logits)) as tf.Scalar;
  const gVars = Object.values(g);
  const dVars = Object.values(d);
  return {
    step() {
      tf.tidy(() => {
        const z = tf.randomNormal([B, 32]) as tf.Tensor2D;
        const fake = G(z);
        dOpt.minimize(() => tf.add(bce(D(real), 1), bce(D(fake), 0)) as tf.Scalar, false, dVars);
        gOpt.minimize(() => bce(D(G(z)), 1), false, gVars);
      });
    },
    dispose() {
      tf.dispose([...gVars, ...dVars, real]);
      gOpt.dispose();
      dOpt.dispose();
    },
  };
}

/** The toy MLP GAN (batch 256, 3×512, gan variant: one D and one G step) as a bench step. */
export function toyBenchStep(seed = 0): BenchStep {
  const t = new ToyGanTrainer({ variant: 'gan', data: '8gaussians', seed });
  return { step: () => void t.step(), dispose: () => t.dispose() };
}

/** Mean ms per step over `steps` steps after `warmup` steps. */
export function timeSteps(bench: BenchStep, steps: number, warmup = 3): number {
  for (let i = 0; i < warmup; i++) bench.step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) bench.step();
  return (performance.now() - t0) / steps;
}
