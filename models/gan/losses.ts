import * as tf from '@tensorflow/tfjs';

/** The toy trainer's variants: one loop, per-variant losses and Lipschitz constraints. */
export const GAN_VARIANTS = ['gan', 'lsgan', 'wgan', 'wgan-gp', 'sngan'] as const;
export type GanVariant = (typeof GAN_VARIANTS)[number];

/** A variant's optimiser defaults, from its reference implementation. */
export interface VariantDefaults {
  optimizer: 'adam' | 'rmsprop';
  lr: number;
  beta1: number;
  beta2: number;
  criticSteps: number;
}

/** The optimiser settings a trainer runs with: the user's options, else the variant's defaults. */
export interface OptimizerSettings extends VariantDefaults {
  /** The generator's learning rate (default: the critic's). */
  lrG: number;
}

export function optimizerSettings(
  o: { criticSteps?: number; lr?: number; lrG?: number; beta1?: number; beta2?: number },
  d: VariantDefaults,
): OptimizerSettings {
  const lr = o.lr ?? d.lr;
  return {
    optimizer: d.optimizer,
    criticSteps: o.criticSteps ?? d.criticSteps,
    lr,
    lrG: o.lrG ?? lr,
    beta1: o.beta1 ?? d.beta1,
    beta2: o.beta2 ?? d.beta2,
  };
}

/**
 * The discriminator's (critic's) loss from its outputs on a real and a fake batch (logits / scores):
 * - gan: BCE with logits, real target 1 − labelSmoothing (one-sided smoothing), fake target 0;
 * - lsgan: ½·E(D(x) − 1)² + ½·E D(G(z))² (Mao et al., a = 0, b = c = 1);
 * - wgan, wgan-gp: E D(G(z)) − E D(x) (the gradient penalty is added by the trainer);
 * - sngan: hinge, E relu(1 − D(x)) + E relu(1 + D(G(z))).
 */
export function discriminatorLoss(
  variant: GanVariant,
  dReal: tf.Tensor,
  dFake: tf.Tensor,
  labelSmoothing = 0,
): tf.Scalar {
  return tf.tidy(() => {
    switch (variant) {
      case 'gan': {
        // BCE(t, d) = t·softplus(−d) + (1 − t)·softplus(d).
        const t = 1 - labelSmoothing;
        const real = tf.add(tf.mul(t, tf.softplus(tf.neg(dReal))), tf.mul(1 - t, tf.softplus(dReal)));
        return tf.add(tf.mean(real), tf.mean(tf.softplus(dFake))) as tf.Scalar;
      }
      case 'lsgan':
        return tf.mul(
          0.5,
          tf.add(tf.mean(tf.square(tf.sub(dReal, 1))), tf.mean(tf.square(dFake))),
        ) as tf.Scalar;
      case 'wgan':
      case 'wgan-gp':
        return tf.sub(tf.mean(dFake), tf.mean(dReal)) as tf.Scalar;
      case 'sngan':
        return tf.add(tf.mean(tf.relu(tf.sub(1, dReal))), tf.mean(tf.relu(tf.add(1, dFake)))) as tf.Scalar;
    }
  });
}

/**
 * The generator's loss from the discriminator's output on its samples: gan non-saturating E softplus(−D);
 * lsgan ½·E(D − 1)²; wgan, wgan-gp and sngan −E D.
 */
export function generatorLoss(variant: GanVariant, dFake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    switch (variant) {
      case 'gan':
        return tf.mean(tf.softplus(tf.neg(dFake))) as tf.Scalar;
      case 'lsgan':
        return tf.mul(0.5, tf.mean(tf.square(tf.sub(dFake, 1)))) as tf.Scalar;
      default:
        return tf.neg(tf.mean(dFake)) as tf.Scalar;
    }
  });
}

/**
 * WGAN-GP penalty λ·E(‖∇ₓ̂ D(x̂)‖₂ − 1)² on x̂ = ε·real + (1 − ε)·fake, ε ~ U(0,1) per sample (given).
 * Differentiable with respect to D's variables (second-order gradients through `tf.grad`).
 */
export function gradientPenalty(
  critic: (x: tf.Tensor2D) => tf.Tensor,
  real: tf.Tensor2D,
  fake: tf.Tensor2D,
  epsilon: tf.Tensor2D,
  lambda: number,
): tf.Scalar {
  const xHat = tf.add(tf.mul(epsilon, real), tf.mul(tf.sub(1, epsilon), fake)) as tf.Tensor2D;
  const grad = tf.grad((x: tf.Tensor) => tf.sum(critic(x as tf.Tensor2D)))(xHat);
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(grad), 1), 1e-12));
  return tf.mul(lambda, tf.mean(tf.square(tf.sub(norm, 1)))) as tf.Scalar;
}

/**
 * One power iteration for the largest singular value of `w` ([in, out], used as x·w), from the running
 * estimate `u` ([out]): v = norm(w·u), u' = norm(wᵀ·v), σ ≈ vᵀ·w·u' (Miyato et al.; eps 1e-12 as in
 * pfnet-research/sngan_projection). Returns the new u and v (treated as constants) for σ and the next step.
 */
export function powerIteration(w: tf.Tensor2D, u: tf.Tensor1D): { u: tf.Tensor1D; v: tf.Tensor1D } {
  return tf.tidy(() => {
    const v = l2normalize(tf.squeeze(tf.matMul(w, tf.expandDims(u, 1)), [1]) as tf.Tensor1D);
    const u2 = l2normalize(tf.squeeze(tf.matMul(v.expandDims(0), w), [0]) as tf.Tensor1D);
    return { u: u2, v };
  });
}

/** σ(w) ≈ vᵀ·w·u; differentiable in w (u, v fixed). */
export function spectralSigma(w: tf.Tensor2D, u: tf.Tensor1D, v: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.mul(tf.squeeze(tf.matMul(w, tf.expandDims(u, 1)), [1]), v)) as tf.Scalar;
}

function l2normalize(x: tf.Tensor1D): tf.Tensor1D {
  return tf.div(x, tf.add(tf.norm(x), 1e-12)) as tf.Tensor1D;
}
