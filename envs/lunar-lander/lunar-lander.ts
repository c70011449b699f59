import type { Env, Info, ResetArgs, ResetResult, RewardWeighted, StepResult } from '../core/env.ts';
import { entropySeed, Rng } from '../core/rng.ts';
import { Box, Discrete, type Space } from '../core/spaces.ts';
import { FPS, H, INITIAL_RANDOM, LEG_DOWN, SCALE, W } from './constants.ts';
import {
  type EngineImpulse,
  mainEngineImpulse,
  sideEngineImpulse,
  type Throttle,
  throttleFor,
} from './engines.ts';
import {
  DEFAULT_REWARD_WEIGHTS,
  type LanderRewardWeights,
  type LunarLanderOptions,
  mergeRewardWeights,
  parseLunarLanderOptions,
  type ResolvedLunarLanderOptions,
} from './options.ts';
import { MAIN_PARTICLE_MASS, Particles, SIDE_PARTICLE_MASS } from './particles.ts';
import { buildRenderState, type LanderRenderState } from './render-state.ts';
import { RestRule } from './rest.ts';
import { fuelCost, shaping } from './reward.ts';
import { generateTerrain } from './terrain.ts';
import { STEP_S } from './units.ts';
import { WIND_INDEX_COUNT, WIND_INDEX_LOW, windProfile } from './wind.ts';
import { LanderWorld } from './world.ts';

export type LanderOutcome = 'landed' | 'crashed' | 'outOfBounds';
type LanderAction = number | Float32Array;

/**
 * Gymnasium LunarLander-v3 (discrete or continuous) on matter-js. Physics in world.ts (frame integration as
 * Box2D's), legs.ts (the spring-loaded legs) and units.ts (the Box2D ⇄ matter-js unit conversion).
 */
export class LunarLander implements Env<Float32Array, LanderAction>, RewardWeighted<LanderRewardWeights> {
  readonly metadata = { renderFps: FPS, rewardThreshold: 200 };
  readonly observationSpace = new Box(
    [-2.5, -2.5, -10, -10, -2 * Math.PI, -10, 0, 0],
    [2.5, 2.5, 10, 10, 2 * Math.PI, 10, 1, 1],
  );
  readonly actionSpace: Space<LanderAction>;
  private readonly options: ResolvedLunarLanderOptions;
  private weights: LanderRewardWeights;
  private rng: Rng;
  private world: LanderWorld | undefined;
  private prevShaping: number | null = null;
  /** The last observation in float64, for re-weighting the previous shaping. */
  private readonly state = new Float64Array(8);
  private readonly rest = new RestRule();
  private readonly particles = new Particles();
  private readonly throttle: Throttle = { main: 0, side: 0, direction: 0 };
  private readonly impulse: EngineImpulse = { jx: 0, jy: 0, px: 0, py: 0 };
  private windIndex = 0;
  private torqueIndex = 0;
  private wind = 0;
  private steps = 0;
  private landed = false;

  constructor(options: LunarLanderOptions = {}) {
    this.options = parseLunarLanderOptions(options);
    this.weights = mergeRewardWeights(DEFAULT_REWARD_WEIGHTS, this.options.rewardWeights);
    this.actionSpace = this.options.continuous ? new Box(-1, 1, [2]) : new Discrete(4);
    this.rng = new Rng(entropySeed());
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    if (args.seed !== undefined) this.rng = new Rng(args.seed);
    const o = this.options;
    const terrain = generateTerrain(this.rng);
    const world = new LanderWorld(terrain, o.gravity, W / 2, H);
    world.applyInitialForce(
      this.rng.uniformRange(-INITIAL_RANDOM, INITIAL_RANDOM),
      this.rng.uniformRange(-INITIAL_RANDOM, INITIAL_RANDOM),
    );
    if (o.enableWind) {
      this.windIndex = WIND_INDEX_LOW + this.rng.int(WIND_INDEX_COUNT);
      this.torqueIndex = WIND_INDEX_LOW + this.rng.int(WIND_INDEX_COUNT);
    }
    this.world = world;
    this.prevShaping = null;
    this.rest.reset();
    this.particles.clear();
    this.steps = 0;
    this.landed = false;
    // As Gymnasium, reset ends with one no-op step: it applies the initial force and sets the first shaping.
    const { obs } = this.advance(o.continuous ? new Float32Array(2) : 0);
    return { obs, info: {} };
  }

  step(action: LanderAction): StepResult<Float32Array> {
    const result = this.advance(action);
    this.steps++;
    return result;
  }

  private advance(action: LanderAction): StepResult<Float32Array> {
    const world = this.world;
    if (!world) throw new Error('LunarLander: call reset() before step()');
    const o = this.options;
    const th = throttleFor(action, o.continuous, this.throttle);
    let woken = false;
    this.wind = 0;
    if (o.enableWind && !(world.legs.contact[0] || world.legs.contact[1])) {
      this.wind = windProfile(this.windIndex++, o.windPower);
      world.addForce(this.wind, 0);
      world.addTorque(windProfile(this.torqueIndex++, o.turbulencePower));
      woken = true;
    }
    // Two dispersion draws every step, fired or not, as Gymnasium.
    const d0 = this.rng.uniformRange(-1, 1) / SCALE;
    const d1 = this.rng.uniformRange(-1, 1) / SCALE;
    const s = world.state;
    const imp = this.impulse;
    if (th.main > 0) {
      mainEngineImpulse(s.angle, s.ox, s.oy, d0, d1, th.main, imp);
      world.applyImpulse(imp.jx, imp.jy, imp.px, imp.py);
      this.particles.emit(imp.px, imp.py, -imp.jx, -imp.jy, MAIN_PARTICLE_MASS, th.main);
      woken = true;
    }
    if (th.side > 0) {
      sideEngineImpulse(s.angle, s.ox, s.oy, d0, d1, th.side, th.direction, imp);
      world.applyImpulse(imp.jx, imp.jy, imp.px, imp.py);
      this.particles.emit(imp.px, imp.py, -imp.jx, -imp.jy, SIDE_PARTICLE_MASS, th.side);
      woken = true;
    }
    world.step();
    this.particles.step(STEP_S, o.gravity, world.terrain);

    const st = this.state;
    st[0] = (s.ox - W / 2) / (W / 2);
    st[1] = (s.oy - (world.terrain.helipadY + LEG_DOWN / SCALE)) / (H / 2);
    st[2] = (s.hullVx * (W / 2)) / FPS;
    st[3] = (s.hullVy * (H / 2)) / FPS;
    st[4] = s.angle;
    st[5] = (20 * s.omega) / FPS;
    st[6] = world.legs.contact[0] ? 1 : 0;
    st[7] = world.legs.contact[1] ? 1 : 0;

    const w = this.weights;
    const shape = shaping(st, w);
    let reward = this.prevShaping === null ? 0 : shape - this.prevShaping;
    this.prevShaping = shape;
    reward -= fuelCost(th.main, th.side, w);

    let terminated = false;
    let outcome: LanderOutcome | undefined;
    if (world.gameOver || Math.abs(st[0]) >= 1) {
      terminated = true;
      reward = w.crash;
      outcome = world.gameOver ? 'crashed' : 'outOfBounds';
    }
    if (this.rest.update(s, world.legs, woken)) {
      terminated = true;
      reward = w.landed;
      outcome = 'landed';
      this.landed = true;
    }
    const info: Info = outcome ? { outcome } : {};
    return { obs: Float32Array.from(st), reward, terminated, truncated: false, info };
  }

  getRewardWeights(): LanderRewardWeights {
    return { ...this.weights };
  }

  setRewardWeights(weights: Partial<LanderRewardWeights>): void {
    const merged = mergeRewardWeights(this.weights, weights);
    // Re-express the previous shaping in the new weights, so the next reward has no jump from the change.
    if (this.prevShaping !== null) this.prevShaping = shaping(this.state, merged);
    this.weights = merged;
  }

  renderState(): LanderRenderState {
    const world = this.world;
    if (!world) throw new Error('LunarLander: call reset() before renderState()');
    return buildRenderState({
      terrain: world.terrain,
      lander: world.state,
      legs: world.legs,
      throttle: this.throttle,
      particles: this.particles.view(),
      wind: this.wind,
      step: this.steps,
      gameOver: world.gameOver,
      landed: this.landed,
    });
  }

  close(): void {
    this.world = undefined;
  }
}
