import type { Action, Env, Info, Observation } from './env.ts';
import { Box, flatSize, type Space } from './spaces.ts';

export interface VectorResetResult {
  /** numEnvs × obsSize, row i is env i's observation. */
  obs: Float32Array;
  infos: Info[];
}

export interface VectorStepResult {
  /** numEnvs × obsSize. For an env whose episode just ended this row already holds its next episode's first obs. */
  obs: Float32Array;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** numEnvs × obsSize; row i is meaningful only where env i ended: the last obs of that episode. */
  finalObs: Float32Array;
  /** Per env: the step's info; for an env that ended, that final step's info with `resetInfo` added. */
  infos: Info[];
}

/**
 * N copies of an env stepped in lock-step on one thread, with observations batched into one Float32Array.
 *
 * Autoreset rule ("same-step", as Stable-Baselines3 and Gymnasium's AutoresetMode.SAME_STEP): when env i
 * terminates or truncates in `step`, it is reset inside that same call. The returned `obs` row is the first
 * observation of the new episode, the ended episode's last observation is in `finalObs`, and `rewards`,
 * `terminated`, `truncated` and `infos` describe the step that ended it. So every action passed to `step`
 * is applied (no step is swallowed by a reset), and replay buffers store (obs, a, r, finalObs, done).
 */
export class SyncVectorEnv<A extends Action = Action> {
  readonly envs: Env<Observation, A>[];
  readonly numEnvs: number;
  readonly singleObservationSpace: Space<Observation>;
  readonly singleActionSpace: Space<A>;
  readonly obsSize: number;
  readonly actionSize: number;
  private readonly obsBuf: Float32Array;
  private readonly finalObsBuf: Float32Array;
  private readonly rewards: Float64Array;
  private readonly terminated: Uint8Array;
  private readonly truncated: Uint8Array;

  constructor(envFns: ReadonlyArray<() => Env<Observation, A>>) {
    if (envFns.length < 1) throw new RangeError('SyncVectorEnv: needs at least one env');
    this.envs = envFns.map((fn) => fn());
    this.numEnvs = this.envs.length;
    this.singleObservationSpace = this.envs[0]!.observationSpace;
    this.singleActionSpace = this.envs[0]!.actionSpace;
    this.obsSize = flatSize(this.singleObservationSpace);
    this.actionSize = flatSize(this.singleActionSpace);
    this.obsBuf = new Float32Array(this.numEnvs * this.obsSize);
    this.finalObsBuf = new Float32Array(this.numEnvs * this.obsSize);
    this.rewards = new Float64Array(this.numEnvs);
    this.terminated = new Uint8Array(this.numEnvs);
    this.truncated = new Uint8Array(this.numEnvs);
  }

  /** Env i is seeded with `seed + i`, so a vector run is reproducible and its envs differ. */
  reset(args: { seed?: number; options?: Record<string, unknown> } = {}): VectorResetResult {
    const infos: Info[] = [];
    for (let i = 0; i < this.numEnvs; i++) {
      const seed = args.seed === undefined ? undefined : args.seed + i;
      const { obs, info } = this.envs[i]!.reset({ seed, options: args.options });
      this.writeObs(this.obsBuf, i, obs);
      infos.push(info);
    }
    return { obs: this.obsBuf.slice(), infos };
  }

  /**
   * `actions`: for a Discrete action space one integer per env; for a Box, a flat array of numEnvs × actionSize.
   */
  step(actions: ArrayLike<number>): VectorStepResult {
    if (actions.length !== this.numEnvs * this.actionSize) {
      throw new RangeError(
        `SyncVectorEnv.step: expected ${this.numEnvs * this.actionSize} action values, got ${actions.length}`,
      );
    }
    const infos: Info[] = [];
    const isBox = this.singleActionSpace instanceof Box;
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i]!;
      const action = (
        isBox
          ? Float32Array.from({ length: this.actionSize }, (_, k) => actions[i * this.actionSize + k]!)
          : actions[i]!
      ) as A;
      const r = env.step(action);
      this.rewards[i] = r.reward;
      this.terminated[i] = r.terminated ? 1 : 0;
      this.truncated[i] = r.truncated ? 1 : 0;
      if (r.terminated || r.truncated) {
        this.writeObs(this.finalObsBuf, i, r.obs);
        const next = env.reset();
        this.writeObs(this.obsBuf, i, next.obs);
        infos.push({ ...r.info, resetInfo: next.info });
      } else {
        this.writeObs(this.obsBuf, i, r.obs);
        infos.push(r.info);
      }
    }
    return {
      obs: this.obsBuf.slice(),
      rewards: this.rewards.slice(),
      terminated: this.terminated.slice(),
      truncated: this.truncated.slice(),
      finalObs: this.finalObsBuf.slice(),
      infos,
    };
  }

  close(): void {
    for (const env of this.envs) env.close();
  }

  private writeObs(buf: Float32Array, i: number, obs: Observation): void {
    if (typeof obs === 'number') buf[i * this.obsSize] = obs;
    else buf.set(obs, i * this.obsSize);
  }
}
