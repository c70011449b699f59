import Matter from 'matter-js';
import { CHUNKS } from './constants.ts';
import { hullTouchesGround } from './contacts.ts';
import {
  applyLanderImpulse,
  createLanderBody,
  createLanderState,
  type LanderState,
  readLander,
} from './lander-body.ts';
import { Legs } from './legs.ts';
import { HULL_MASS, LANDER_SYSTEM } from './mass.ts';
import type { Terrain } from './terrain.ts';
import { createTerrainBodies } from './terrain.ts';
import { STEP_S, SUBSTEP_MS, SUBSTEPS, writeVelocity } from './units.ts';

/** Body ids are fixed per world (terrain 1..10, lander 11), so matter's global id counter never matters. */
const TERRAIN_FIRST_ID = 1;
const LANDER_ID = TERRAIN_FIRST_ID + CHUNKS - 1;
/** See applyInitialForce. */
const FIRST_STEP_SPIN_PER_NEWTON = -4.5788e-4;
/** Fold angle (rad) Box2D's first step leaves the legs at; their motors then unfold them within 0.3 s. */
const FIRST_STEP_FOLD = 0.492;

/**
 * One episode's physics: a fresh matter Engine holding the moon and the lander, plus the legs (legs.ts).
 *
 * A frame follows Box2D's b2World::Step: gravity, forces and impulses change the velocity (v += a·dt), the leg
 * contacts found at the frame's start are solved on that velocity, and then matter moves the lander at it over
 * its sub-steps (x += v·dt), resolving hull contacts (crashes) on the way; matter's own gravity is off. Gravity
 * split across matter's sub-steps would integrate more exactly than Box2D does and leave the lander 1 mm higher
 * every frame than in Gymnasium, and the legs' 40 N·m limit is an impulse per Box2D frame.
 */
export class LanderWorld {
  readonly engine: Matter.Engine;
  readonly hull: Matter.Body;
  readonly legs = new Legs();
  /** The lander's state in world units, current after `step()` and after impulses. */
  readonly state: LanderState = createLanderState();
  /** Gymnasium's game_over: the hull has touched the ground (sticky for the episode). */
  gameOver = false;
  readonly terrain: Terrain;
  private readonly gravity: number;

  constructor(terrain: Terrain, gravity: number, originX: number, originY: number) {
    this.terrain = terrain;
    this.gravity = gravity;
    this.engine = Matter.Engine.create({ gravity: { x: 0, y: 0 } });
    // Only hull contacts reach matter's solver, and any of them ends the episode: its defaults are plenty.
    this.hull = createLanderBody(LANDER_ID, originX, originY);
    Matter.Composite.add(this.engine.world, [...createTerrainBodies(terrain, TERRAIN_FIRST_ID), this.hull]);
    this.legs.reset(FIRST_STEP_FOLD);
    readLander(this.hull, this.state);
  }

  /**
   * Box2D's ApplyForceToCenter on the hull for one step. Box2D integrates a force as v += F/m·dt before moving
   * anything, so a force held for one step is exactly the impulse F·dt at the hull's centre of mass now.
   */
  addForce(fx: number, fy: number): void {
    const s = this.state;
    const c = Math.cos(s.angle);
    const sn = Math.sin(s.angle);
    const dx = HULL_MASS.cx - LANDER_SYSTEM.cx;
    const dy = HULL_MASS.cy - LANDER_SYSTEM.cy;
    this.applyImpulse(fx * STEP_S, fy * STEP_S, s.x + c * dx - sn * dy, s.y + sn * dx + c * dy);
  }

  /**
   * Gymnasium's initial random force. Gymnasium creates the legs away from where their joints hold them, and
   * Box2D's first step snaps them into place; as a side effect the lander leaves that step spinning at
   * −4.579e-4 rad/s per newton of x force (measured on a Box2D port with 180/60 iterations; exactly linear),
   * 1.84 times what the force alone gives a rigid lander. Reproduced here so episodes start as Gymnasium's do.
   */
  applyInitialForce(fx: number, fy: number): void {
    const s = this.state;
    this.applyImpulse(fx * STEP_S, fy * STEP_S, s.x, s.y);
    s.omega += FIRST_STEP_SPIN_PER_NEWTON * fx;
    writeVelocity(this.hull, s.vx, s.vy, s.omega);
  }

  /** Box2D's ApplyTorque for one step: the angular impulse torque·dt now (see addForce). */
  addTorque(torque: number): void {
    const s = this.state;
    s.omega += (torque * STEP_S) / LANDER_SYSTEM.inertia;
    writeVelocity(this.hull, s.vx, s.vy, s.omega);
  }

  /** Box2D's ApplyLinearImpulse (N·s at a world point): changes the velocity at once. */
  applyImpulse(jx: number, jy: number, px: number, py: number): void {
    applyLanderImpulse(this.hull, this.state, jx, jy, px, py);
    readLander(this.hull, this.state);
  }

  /** Advances one environment step (1/FPS s) in SUBSTEPS matter updates. */
  step(): void {
    const s = this.state;
    s.vy += this.gravity * STEP_S;
    this.legs.solve(s, this.terrain, STEP_S);
    writeVelocity(this.hull, s.vx, s.vy, s.omega);
    for (let i = 0; i < SUBSTEPS; i++) {
      Matter.Engine.update(this.engine, SUBSTEP_MS);
      if (!this.gameOver && hullTouchesGround(this.engine, this.hull)) this.gameOver = true;
    }
    readLander(this.hull, this.state);
  }
}
