import * as planck from 'planck';
import { Rng } from '../../envs/core/rng.ts';

/**
 * A test oracle, not part of gymlab: Gymnasium's LunarLander-v3 written directly on planck.js (a Box2D port,
 * the engine Gymnasium uses), with the same Rng draw order as envs/lunar-lander. Stepping both with the same
 * seed and actions shows how far the matter-js port drifts from Box2D's dynamics. Default reward weights only.
 */
const FPS = 50;
const SCALE = 30;
const MAIN_ENGINE_POWER = 13;
const SIDE_ENGINE_POWER = 0.6;
const INITIAL_RANDOM = 1000;
const LANDER_POLY: [number, number][] = [
  [-14, 17],
  [-17, 0],
  [-17, -10],
  [17, -10],
  [17, 0],
  [14, 17],
];
const LEG_AWAY = 20;
const LEG_DOWN = 18;
const LEG_W = 2;
const LEG_H = 8;
const LEG_SPRING_TORQUE = 40;
const SIDE_ENGINE_HEIGHT = 14;
const SIDE_ENGINE_AWAY = 12;
const MAIN_ENGINE_Y_LOCATION = 4;
const W = 600 / SCALE;
const H = 400 / SCALE;
const CHUNKS = 11;
// planck.js puts a polygon's centre of mass at its vertex average; Box2D uses the area centroid. Box2D's values:
const HULL_MASS = 4.816666666666666;
const HULL_COM_Y = 0.10130718954248366;
const HULL_I_COM = 0.7838806584362138;

export interface RefStep {
  obs: Float32Array;
  reward: number;
  terminated: boolean;
  outcome: 'landed' | 'crashed' | 'outOfBounds' | undefined;
}

export class Box2DLander {
  private rng = new Rng(0);
  private world!: planck.World;
  private lander!: planck.Body;
  private legs: planck.Body[] = [];
  private contact = [false, false];
  private gameOver = false;
  private prevShaping: number | null = null;
  private helipadY = 0;
  private readonly continuous: boolean;

  constructor(continuous = false) {
    this.continuous = continuous;
  }

  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = new Rng(seed);
    const { Vec2 } = planck;
    this.world = new planck.World({ gravity: Vec2(0, -10) });
    this.gameOver = false;
    this.prevShaping = null;
    this.contact = [false, false];

    const height: number[] = [];
    for (let i = 0; i <= CHUNKS; i++) height.push(this.rng.uniformRange(0, H / 2));
    const chunkX = Array.from({ length: CHUNKS }, (_, i) => (W / (CHUNKS - 1)) * i);
    this.helipadY = H / 4;
    const mid = Math.floor(CHUNKS / 2);
    for (let i = mid - 2; i <= mid + 2; i++) height[i] = this.helipadY;
    const smoothY = Array.from(
      { length: CHUNKS },
      (_, i) => 0.33 * (height[(i - 1 + CHUNKS + 1) % (CHUNKS + 1)]! + height[i]! + height[i + 1]!),
    );
    const moon = this.world.createBody({ type: 'static' });
    moon.createFixture(planck.Edge(Vec2(0, 0), Vec2(W, 0)), { density: 0 });
    for (let i = 0; i < CHUNKS - 1; i++) {
      const edge = planck.Edge(Vec2(chunkX[i]!, smoothY[i]!), Vec2(chunkX[i + 1]!, smoothY[i + 1]!));
      moon.createFixture(edge, { density: 0, friction: 0.1 });
    }

    const x0 = W / 2;
    const y0 = H;
    this.lander = this.world.createDynamicBody({ position: Vec2(x0, y0), angle: 0 });
    const hull = planck.Polygon(LANDER_POLY.map(([x, y]) => Vec2(x / SCALE, y / SCALE)));
    this.lander.createFixture(hull, {
      density: 5,
      friction: 0.1,
      restitution: 0,
      filterCategoryBits: 0x10,
      filterMaskBits: 0x1,
    });
    this.lander.setMassData({
      mass: HULL_MASS,
      center: Vec2(0, HULL_COM_Y),
      I: HULL_I_COM + HULL_MASS * HULL_COM_Y ** 2,
    });
    const fx = this.rng.uniformRange(-INITIAL_RANDOM, INITIAL_RANDOM);
    const fy = this.rng.uniformRange(-INITIAL_RANDOM, INITIAL_RANDOM);
    this.lander.applyForceToCenter(Vec2(fx, fy), true);

    this.legs = [];
    for (const i of [-1, 1]) {
      const leg = this.world.createDynamicBody({
        position: Vec2(x0 - (i * LEG_AWAY) / SCALE, y0),
        angle: i * 0.05,
      });
      leg.createFixture(planck.Box(LEG_W / SCALE, LEG_H / SCALE), {
        density: 1,
        restitution: 0,
        filterCategoryBits: 0x20,
        filterMaskBits: 0x1,
      });
      const joint = planck.RevoluteJoint({
        bodyA: this.lander,
        bodyB: leg,
        localAnchorA: Vec2(0, 0),
        localAnchorB: Vec2((i * LEG_AWAY) / SCALE, LEG_DOWN / SCALE),
        referenceAngle: 0,
        enableMotor: true,
        enableLimit: true,
        maxMotorTorque: LEG_SPRING_TORQUE,
        motorSpeed: 0.3 * i,
        lowerAngle: i === -1 ? 0.4 : -0.9,
        upperAngle: i === -1 ? 0.9 : -0.4,
      });
      this.world.createJoint(joint);
      this.legs.push(leg);
    }
    this.world.on('begin-contact', (c) => this.onContact(c, true));
    this.world.on('end-contact', (c) => this.onContact(c, false));
    return this.step(this.continuous ? Float32Array.of(0, 0) : 0).obs;
  }

  step(action: number | Float32Array): RefStep {
    const { Vec2 } = planck;
    const body = this.lander;
    const angle = body.getAngle();
    const tip = [Math.sin(angle), Math.cos(angle)] as const;
    const side = [-tip[1], tip[0]] as const;
    const d0 = this.rng.uniformRange(-1, 1) / SCALE;
    const d1 = this.rng.uniformRange(-1, 1) / SCALE;
    const a = action;
    let mPower = 0;
    let sPower = 0;
    const fireMain = typeof a === 'number' ? a === 2 : a[0]! > 0;
    if (fireMain) {
      mPower = typeof a === 'number' ? 1 : (Math.min(1, Math.max(0, a[0]!)) + 1) * 0.5;
      const ox = tip[0] * (MAIN_ENGINE_Y_LOCATION / SCALE + 2 * d0) + side[0] * d1;
      const oy = -tip[1] * (MAIN_ENGINE_Y_LOCATION / SCALE + 2 * d0) - side[1] * d1;
      const p = body.getPosition();
      const impulse = Vec2(-ox * MAIN_ENGINE_POWER * mPower, -oy * MAIN_ENGINE_POWER * mPower);
      body.applyLinearImpulse(impulse, Vec2(p.x + ox, p.y + oy), true);
    }
    const fireSide = typeof a === 'number' ? a === 1 || a === 3 : Math.abs(a[1]!) > 0.5;
    if (fireSide) {
      const direction = typeof a === 'number' ? a - 2 : Math.sign(a[1]!);
      sPower = typeof a === 'number' ? 1 : Math.min(1, Math.max(0.5, Math.abs(a[1]!)));
      const lateral = 3 * d1 + (direction * SIDE_ENGINE_AWAY) / SCALE;
      const ox = tip[0] * d0 + side[0] * lateral;
      const oy = -tip[1] * d0 - side[1] * lateral;
      const p = body.getPosition();
      const at = Vec2(p.x + ox - (tip[0] * 17) / SCALE, p.y + oy + (tip[1] * SIDE_ENGINE_HEIGHT) / SCALE);
      body.applyLinearImpulse(
        Vec2(-ox * SIDE_ENGINE_POWER * sPower, -oy * SIDE_ENGINE_POWER * sPower),
        at,
        true,
      );
    }
    this.world.step(1 / FPS, 6 * 30, 2 * 30);

    const p = body.getPosition();
    const v = body.getLinearVelocity();
    const s = [
      (p.x - W / 2) / (W / 2),
      (p.y - (this.helipadY + LEG_DOWN / SCALE)) / (H / 2),
      (v.x * (W / 2)) / FPS,
      (v.y * (H / 2)) / FPS,
      body.getAngle(),
      (20 * body.getAngularVelocity()) / FPS,
      this.contact[0] ? 1 : 0,
      this.contact[1] ? 1 : 0,
    ];
    const shaping =
      -100 * Math.hypot(s[0]!, s[1]!) -
      100 * Math.hypot(s[2]!, s[3]!) -
      100 * Math.abs(s[4]!) +
      10 * s[6]! +
      10 * s[7]!;
    let reward = this.prevShaping === null ? 0 : shaping - this.prevShaping;
    this.prevShaping = shaping;
    reward -= mPower * 0.3 + sPower * 0.03;
    let terminated = false;
    let outcome: RefStep['outcome'];
    if (this.gameOver || Math.abs(s[0]!) >= 1) {
      terminated = true;
      reward = -100;
      outcome = this.gameOver ? 'crashed' : 'outOfBounds';
    }
    if (!body.isAwake()) {
      terminated = true;
      reward = 100;
      outcome = 'landed';
    }
    return { obs: Float32Array.from(s), reward, terminated, outcome };
  }

  private onContact(contact: planck.Contact, begin: boolean): void {
    const a = contact.getFixtureA().getBody();
    const b = contact.getFixtureB().getBody();
    if (begin && (a === this.lander || b === this.lander)) this.gameOver = true;
    for (let k = 0; k < 2; k++) if (a === this.legs[k] || b === this.legs[k]) this.contact[k] = begin;
  }
}
