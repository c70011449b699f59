import { SCALE } from './constants.ts';
import { segmentAt, segmentHeight, type Terrain } from './terrain.ts';

/** Most particles kept; the oldest is overwritten beyond this. */
const MAX_PARTICLES = 48;
/** Gymnasium's particles are circles of radius 2 px with density 3.5 (main) or 0.7 (side). */
const PARTICLE_AREA = Math.PI * (2 / SCALE) ** 2;
export const MAIN_PARTICLE_MASS = 3.5 * PARTICLE_AREA;
export const SIDE_PARTICLE_MASS = 0.7 * PARTICLE_AREA;
/** Gymnasium takes 0.15 off each particle's time-to-live per rendered frame and drops it below 0. */
const TTL_DECAY = 0.15;
const BOUNCE = 0.3;
const FIELDS = 5;

/** One exhaust particle as the viewer draws it. */
export interface ParticleView {
  x: number;
  y: number;
  ttl: number;
}

/**
 * Cosmetic exhaust, as in Gymnasium where particles are decoration only. Simulated here ballistically (gravity,
 * a damped bounce on the ground) outside matter-js, uses no random numbers, and is advanced every step whether
 * or not anyone renders, so it can never change the dynamics or the Rng stream.
 */
export class Particles {
  private readonly data = new Float64Array(MAX_PARTICLES * FIELDS);
  private next = 0;

  clear(): void {
    this.data.fill(0);
    this.next = 0;
  }

  /** A particle at (x, y) kicked by impulse (jx, jy) N·s, living `ttl` (Gymnasium: the engine's power). */
  emit(x: number, y: number, jx: number, jy: number, mass: number, ttl: number): void {
    const o = this.next * FIELDS;
    this.data[o] = x;
    this.data[o + 1] = y;
    this.data[o + 2] = jx / mass;
    this.data[o + 3] = jy / mass;
    this.data[o + 4] = ttl;
    this.next = (this.next + 1) % MAX_PARTICLES;
  }

  step(dt: number, gravity: number, terrain: Terrain): void {
    const d = this.data;
    for (let o = 0; o < d.length; o += FIELDS) {
      if (d[o + 4]! <= 0) continue;
      d[o + 4] = d[o + 4]! - TTL_DECAY;
      d[o + 3] = d[o + 3]! + gravity * dt;
      d[o] = d[o]! + d[o + 2]! * dt;
      d[o + 1] = d[o + 1]! + d[o + 3]! * dt;
      const seg = segmentAt(d[o]!);
      if (seg >= 0) {
        const ground = segmentHeight(terrain, seg, d[o]!);
        if (d[o + 1]! < ground) {
          d[o + 1] = ground;
          d[o + 3] = Math.abs(d[o + 3]!) * BOUNCE;
          d[o + 2] = d[o + 2]! * BOUNCE;
        }
      }
    }
  }

  /** Live particles, oldest first. */
  view(): ParticleView[] {
    const out: ParticleView[] = [];
    for (let i = 0; i < MAX_PARTICLES; i++) {
      const o = ((this.next + i) % MAX_PARTICLES) * FIELDS;
      if (this.data[o + 4]! > 0) out.push({ x: this.data[o]!, y: this.data[o + 1]!, ttl: this.data[o + 4]! });
    }
    return out;
  }
}
