import type { Env, ResetArgs, ResetResult, StepResult } from '../../envs/core/env.ts';
import { entropySeed, Rng } from '../../envs/core/rng.ts';
import { Box, Discrete } from '../../envs/core/spaces.ts';

/**
 * A tiny env for wrapper tests: obs = [t, start], reward = action + 1, terminates when t reaches `endAt`.
 * `start` is drawn from the seeded RNG at reset so seeding is observable.
 */
export class CountingEnv implements Env<Float32Array, number> {
  readonly observationSpace = new Box(-1e6, 1e6, [2]);
  readonly actionSpace = new Discrete(3);
  readonly metadata = { renderFps: 10 };
  private t = 0;
  private start = 0;
  private rng = new Rng(entropySeed());

  private readonly endAt: number;

  constructor(endAt = Number.POSITIVE_INFINITY) {
    this.endAt = endAt;
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    if (args.seed !== undefined) this.rng = new Rng(args.seed);
    this.t = 0;
    this.start = this.rng.int(1000);
    return { obs: Float32Array.of(0, this.start), info: { start: this.start } };
  }

  step(action: number): StepResult<Float32Array> {
    this.t++;
    return {
      obs: Float32Array.of(this.t, this.start),
      reward: action + 1,
      terminated: this.t >= this.endAt,
      truncated: false,
      info: { t: this.t },
    };
  }

  renderState() {
    return { kind: 'counting', t: this.t };
  }

  close(): void {}
}
