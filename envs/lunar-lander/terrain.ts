import Matter from 'matter-js';
import type { Rng } from '../core/rng.ts';
import { CHUNKS, GROUND_FRICTION, H, HELIPAD_Y, W } from './constants.ts';
import { toMatterX, toMatterY } from './units.ts';

/** The moon's surface: a polyline over the viewport (world units), flat between the helipad flags. */
export interface Terrain {
  /** x of each of the CHUNKS points (m). */
  readonly xs: Float64Array;
  /** Smoothed height of each point (m). */
  readonly ys: Float64Array;
  readonly helipadX1: number;
  readonly helipadX2: number;
  readonly helipadY: number;
}

const CHUNK_W = W / (CHUNKS - 1);
/** Terrain bodies reach down to here (m); Gymnasium's extra edge along y = 0 lies inside them. */
const GROUND_BOTTOM = -1;

/** Gymnasium's terrain: CHUNKS + 1 uniform heights, the helipad chunks set to H/4, neighbours averaged. */
export function generateTerrain(rng: Rng): Terrain {
  const height = new Float64Array(CHUNKS + 1);
  for (let i = 0; i <= CHUNKS; i++) height[i] = rng.uniformRange(0, H / 2);
  const mid = Math.floor(CHUNKS / 2);
  for (let i = mid - 2; i <= mid + 2; i++) height[i] = HELIPAD_Y;
  const xs = new Float64Array(CHUNKS);
  const ys = new Float64Array(CHUNKS);
  for (let i = 0; i < CHUNKS; i++) {
    xs[i] = CHUNK_W * i;
    // Python's height[i - 1] at i = 0 reads the last element; the 0.33 (not 1/3) is Gymnasium's too.
    ys[i] = 0.33 * (height[(i + CHUNKS) % (CHUNKS + 1)]! + height[i]! + height[i + 1]!);
  }
  return { xs, ys, helipadX1: xs[mid - 1]!, helipadX2: xs[mid + 1]!, helipadY: HELIPAD_Y };
}

/** Index of the segment under x, or −1 outside the viewport (there is no ground there). */
export function segmentAt(x: number): number {
  if (!(x >= 0 && x <= W)) return -1;
  return Math.min(CHUNKS - 2, Math.floor(x / CHUNK_W));
}

/** Height of the surface of segment `i` at x (linear between its end points, extended beyond them). */
export function segmentHeight(t: Terrain, i: number, x: number): number {
  const x0 = t.xs[i]!;
  const y0 = t.ys[i]!;
  return y0 + ((t.ys[i + 1]! - y0) * (x - x0)) / CHUNK_W;
}

/** Upward unit normal of segment `i`, written into `out` as [nx, ny]. */
export function segmentNormal(t: Terrain, i: number, out: Float64Array): void {
  const dy = t.ys[i + 1]! - t.ys[i]!;
  const len = Math.hypot(CHUNK_W, dy);
  out[0] = -dy / len;
  out[1] = CHUNK_W / len;
}

/** One static convex matter body per segment (a trapezoid down to GROUND_BOTTOM), ids from `firstId`. */
export function createTerrainBodies(t: Terrain, firstId: number): Matter.Body[] {
  const bodies: Matter.Body[] = [];
  for (let i = 0; i < CHUNKS - 1; i++) {
    // matter wants vertices clockwise on its y-down screen: top-left, top-right, bottom-right, bottom-left.
    const vertices = [
      { x: toMatterX(t.xs[i]!), y: toMatterY(t.ys[i]!) },
      { x: toMatterX(t.xs[i + 1]!), y: toMatterY(t.ys[i + 1]!) },
      { x: toMatterX(t.xs[i + 1]!), y: toMatterY(GROUND_BOTTOM) },
      { x: toMatterX(t.xs[i]!), y: toMatterY(GROUND_BOTTOM) },
    ];
    bodies.push(
      Matter.Body.create({
        id: firstId + i,
        label: 'moon',
        isStatic: true,
        friction: GROUND_FRICTION,
        vertices,
        // Body.create centres the vertices on `position`, so pass their centroid to keep them where they are.
        position: Matter.Vertices.centre(vertices),
      }),
    );
  }
  return bodies;
}
