import type { OptimizerSpec } from '../learner.ts';

/**
 * Adam, RMSProp and SGD with momentum over one flat parameter array, with TensorFlow.js's exact update
 * formulas (so the fused and TensorFlow.js learners agree):
 * - Adam:    m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  p ← p − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
 * - RMSProp: s ← ρs + (1−ρ)g²;  μ ← momentum·μ + lr·g/√(s + ε);  p ← p − μ
 * - SGD:     μ ← momentum·μ + g;  p ← p − lr·μ
 * Slot arrays are parallel to the parameters; zero-padded entries get zero gradients and stay zero.
 */
export class FlatOptimizer {
  readonly spec: OptimizerSpec;
  /** Updates applied so far (Adam's t). */
  step = 0;
  readonly slots: Record<string, Float32Array>;

  constructor(spec: OptimizerSpec, size: number) {
    this.spec = spec;
    const names =
      spec.kind === 'adam' ? ['m', 'v'] : spec.kind === 'rmsprop' ? ['meanSquare', 'moment'] : ['moment'];
    this.slots = Object.fromEntries(names.map((n) => [n, new Float32Array(size)]));
  }

  apply(params: Float32Array, grads: Float32Array, learningRate: number): void {
    this.step++;
    const n = params.length;
    const { beta1, beta2, epsilon, rmspropDecay, momentum } = this.spec;
    if (this.spec.kind === 'adam') {
      const m = this.slots['m']!;
      const v = this.slots['v']!;
      const c1 = 1 - beta1 ** this.step;
      const c2 = 1 - beta2 ** this.step;
      const b1c = 1 - beta1;
      const b2c = 1 - beta2;
      for (let i = 0; i < n; i++) {
        const g = grads[i]!;
        const mi = m[i]! * beta1 + g * b1c;
        const vi = v[i]! * beta2 + g * g * b2c;
        m[i] = mi;
        v[i] = vi;
        params[i] = params[i]! - (learningRate * (mi / c1)) / (Math.sqrt(vi / c2) + epsilon);
      }
    } else if (this.spec.kind === 'rmsprop') {
      const s = this.slots['meanSquare']!;
      const mom = this.slots['moment']!;
      const dc = 1 - rmspropDecay;
      for (let i = 0; i < n; i++) {
        const g = grads[i]!;
        const si = s[i]! * rmspropDecay + g * g * dc;
        s[i] = si;
        const mi = mom[i]! * momentum + (g * learningRate) / Math.sqrt(si + epsilon);
        mom[i] = mi;
        params[i] = params[i]! - mi;
      }
    } else {
      const mom = this.slots['moment']!;
      for (let i = 0; i < n; i++) {
        const mi = mom[i]! * momentum + grads[i]!;
        mom[i] = mi;
        params[i] = params[i]! - learningRate * mi;
      }
    }
  }
}
