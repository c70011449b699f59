import { z } from 'zod';
import type { Env, ResetArgs, ResetResult, StepResult } from '../core/env.ts';
import { parseWith } from '../core/options.ts';
import { entropySeed, Rng } from '../core/rng.ts';
import { Box, Discrete } from '../core/spaces.ts';

// Gymnasium CartPole-v1 constants (classic_control/cartpole.py), SI units.
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const HALF_LENGTH = 0.5;
const TAU = 0.02;
const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
const X_THRESHOLD = 2.4;
const FLOAT32_MAX = 3.4028234663852886e38;

export const cartPoleOptionsSchema = z.strictObject({
  /** Sutton & Barto's reward: 0 per step and −1 on failure, instead of +1 per step. */
  suttonBartoReward: z.boolean().default(false),
  /** m/s², Gymnasium's 9.8. */
  gravity: z.number().gt(0).lte(100).default(9.8),
  /** Newtons pushed left or right, Gymnasium's 10. */
  forceMag: z.number().gt(0).lte(1000).default(10),
  /** Gymnasium's default 'euler' updates positions with the old velocities. */
  integrator: z.enum(['euler', 'semi-implicit-euler']).default('euler'),
});
export type CartPoleOptions = z.input<typeof cartPoleOptionsSchema>;

export interface CartPoleRenderState {
  kind: 'cartpole';
  x: number;
  theta: number;
  xThreshold: number;
  thetaThreshold: number;
  /** Full pole length in metres. */
  poleLength: number;
  lastAction: number | null;
  step: number;
}

/** CartPole-v1: Gymnasium's equations (Barto, Sutton & Anderson 1983) and constants, Euler integrator. */
export class CartPole implements Env<Float32Array, number> {
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(2);
  readonly metadata = { renderFps: 50, rewardThreshold: 475 };
  private readonly opts: z.output<typeof cartPoleOptionsSchema>;
  private rng = new Rng(entropySeed());
  private state = new Float64Array(4);
  private stepsBeyondTerminated: number | null = null;
  private lastAction: number | null = null;
  private stepCount = 0;

  constructor(options: CartPoleOptions = {}) {
    this.opts = parseWith(cartPoleOptionsSchema, options, 'CartPole-v1 options');
    const high = [X_THRESHOLD * 2, FLOAT32_MAX, THETA_THRESHOLD * 2, FLOAT32_MAX];
    this.observationSpace = new Box(
      high.map((h) => -h),
      high,
    );
  }

  /** `options.low` / `options.high` set the uniform range of the initial state (default ±0.05). */
  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    if (args.seed !== undefined) this.rng = new Rng(args.seed);
    const low = Number(args.options?.low ?? -0.05);
    const high = Number(args.options?.high ?? 0.05);
    if (!(Number.isFinite(low) && Number.isFinite(high) && low <= high)) {
      throw new RangeError(`CartPole-v1 reset: options.low (${low}) must be ≤ options.high (${high})`);
    }
    for (let i = 0; i < 4; i++) this.state[i] = this.rng.uniformRange(low, high);
    this.stepsBeyondTerminated = null;
    this.lastAction = null;
    this.stepCount = 0;
    return { obs: Float32Array.from(this.state), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    if (!this.actionSpace.contains(action)) {
      throw new RangeError(`CartPole-v1: action must be 0 or 1 (got ${String(action)})`);
    }
    const { gravity, forceMag } = this.opts;
    const totalMass = MASS_POLE + MASS_CART;
    const poleMassLength = MASS_POLE * HALF_LENGTH;
    let [x, xDot, theta, thetaDot] = this.state as unknown as [number, number, number, number];
    const force = action === 1 ? forceMag : -forceMag;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    const temp = (force + poleMassLength * thetaDot * thetaDot * sin) / totalMass;
    const thetaAcc =
      (gravity * sin - cos * temp) / (HALF_LENGTH * (4 / 3 - (MASS_POLE * cos * cos) / totalMass));
    const xAcc = temp - (poleMassLength * thetaAcc * cos) / totalMass;
    if (this.opts.integrator === 'euler') {
      x += TAU * xDot;
      xDot += TAU * xAcc;
      theta += TAU * thetaDot;
      thetaDot += TAU * thetaAcc;
    } else {
      xDot += TAU * xAcc;
      x += TAU * xDot;
      thetaDot += TAU * thetaAcc;
      theta += TAU * thetaDot;
    }
    this.state.set([x, xDot, theta, thetaDot]);
    this.lastAction = action;
    this.stepCount++;

    const terminated =
      x < -X_THRESHOLD || x > X_THRESHOLD || theta < -THETA_THRESHOLD || theta > THETA_THRESHOLD;
    let reward: number;
    if (!terminated) {
      reward = this.opts.suttonBartoReward ? 0 : 1;
    } else if (this.stepsBeyondTerminated === null) {
      this.stepsBeyondTerminated = 0;
      reward = this.opts.suttonBartoReward ? -1 : 1;
    } else {
      // Stepping a finished episode is a caller bug; Gymnasium warns and pays nothing.
      this.stepsBeyondTerminated++;
      reward = 0;
    }
    return { obs: Float32Array.from(this.state), reward, terminated, truncated: false, info: {} };
  }

  renderState(): CartPoleRenderState {
    return {
      kind: 'cartpole',
      x: this.state[0]!,
      theta: this.state[2]!,
      xThreshold: X_THRESHOLD,
      thetaThreshold: THETA_THRESHOLD,
      poleLength: 2 * HALF_LENGTH,
      lastAction: this.lastAction,
      step: this.stepCount,
    };
  }

  close(): void {}
}
