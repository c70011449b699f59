/**
 * PNG outputs: image grids (samples, translations) and the toy-GAN scatter with the critic's map.
 *
 * Why these choices:
 * - Only pngjs (pure JS) is used, so pictures can be written anywhere the trainers run, without a canvas or
 *   native library; everything is drawn into an RGBA buffer by hand.
 * - The critic map uses a diverging colour scale (blue for low, white at the median, red for high; the ends at
 *   the 2nd/98th percentiles so a few extreme cells do not wash the map out): what matters for a critic is where
 *   it is above or below its typical value, not the absolute level, which drifts during WGAN training.
 * - Contours come from marching squares on the critic's own 128×128 grid (the grid gan_toy.py draws), at a few
 *   evenly spaced levels, drawn as 1-px lines: cheap, and no smoothing that could invent structure.
 * - Real points are drawn in dark orange, generated ones in dark green: distinguishable from the blue–red map
 *   and from each other in the common colour-vision deficiencies.
 */
import { PNG } from 'pngjs';

import type { ImageSet } from '../data/mnist.ts';

export const CRITIC_GRID = 128;
const PAD = 2;

/** PNG bytes for an RGBA image (width × height × 4 bytes, row-major). */
export function encodePng(width: number, height: number, rgba: Uint8Array): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`encodePng: bad size ${width}×${height}`);
  }
  if (rgba.length !== width * height * 4) {
    throw new Error(`encodePng: expected ${width * height * 4} bytes of RGBA, got ${rgba.length}`);
  }
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return new Uint8Array(PNG.sync.write(png));
}

/**
 * A grid of the set's images, `columns` per row (default: about √count), 2 px grey padding between and around
 * them. Values are mapped linearly from `range` (default [0,1]) to 0..255 and clipped; 1-channel images are grey,
 * 3-channel images RGB.
 */
export function imageGridPng(
  set: ImageSet,
  opts: { columns?: number; range?: [number, number] } = {},
): Uint8Array {
  const { count, height: h, width: w, channels: ch } = set;
  if (count < 1) throw new Error('imageGridPng: no images');
  if (ch !== 1 && ch !== 3) throw new Error(`imageGridPng: images must have 1 or 3 channels (got ${ch})`);
  const cols = Math.max(1, Math.min(count, Math.floor(opts.columns ?? Math.ceil(Math.sqrt(count)))));
  const rows = Math.ceil(count / cols);
  const [lo, hi] = opts.range ?? [0, 1];
  const scale = hi !== lo ? 255 / (hi - lo) : 0;
  const W = cols * (w + PAD) + PAD;
  const H = rows * (h + PAD) + PAD;
  const rgba = new Uint8Array(W * H * 4);
  for (let i = 0; i < W * H; i++) {
    rgba[4 * i] = 128;
    rgba[4 * i + 1] = 128;
    rgba[4 * i + 2] = 128;
    rgba[4 * i + 3] = 255;
  }
  const px = h * w * ch;
  for (let n = 0; n < count; n++) {
    const ox = PAD + (n % cols) * (w + PAD);
    const oy = PAD + Math.floor(n / cols) * (h + PAD);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const src = n * px + (y * w + x) * ch;
        const dst = ((oy + y) * W + ox + x) * 4;
        for (let c = 0; c < 3; c++) {
          const v = set.images[src + (ch === 3 ? c : 0)]!;
          rgba[dst + c] = Math.max(0, Math.min(255, Math.round((v - lo) * scale)));
        }
      }
    }
  }
  return encodePng(W, H, rgba);
}

type Rgb = [number, number, number];

const LOW: Rgb = [33, 102, 172];
const MID: Rgb = [247, 247, 247];
const HIGH: Rgb = [178, 24, 43];
export const REAL_COLOUR: Rgb = [230, 97, 1];
export const FAKE_COLOUR: Rgb = [27, 120, 55];
const AXIS_COLOUR: Rgb = [0, 0, 0];
const CONTOUR_COLOUR: Rgb = [60, 60, 60];

/** Diverging colour for t in [-1, 1]: LOW at -1, MID at 0, HIGH at +1. */
export function divergingColour(t: number): Rgb {
  const u = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  const end = u < 0 ? LOW : HIGH;
  const a = Math.abs(u);
  return [0, 1, 2].map((c) => Math.round(MID[c]! + (end[c]! - MID[c]!) * a)) as Rgb;
}

function quantile(sorted: Float32Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const i = Math.floor(pos);
  const j = Math.min(sorted.length - 1, i + 1);
  return sorted[i]! + (sorted[j]! - sorted[i]!) * (pos - i);
}

/**
 * Scatter of real and generated 2-D points (interleaved x,y) over [-extent, extent]² on a size×size white canvas,
 * with the critic's 128×128 values (row 0 at y = +extent) as a colour map and contour lines under the points.
 */
export function toyScatterPng(opts: {
  real: Float32Array;
  fake: Float32Array;
  critic?: Float32Array;
  extent?: number;
  size?: number;
}): Uint8Array {
  const extent = opts.extent ?? 3;
  const size = Math.round(opts.size ?? 512);
  if (!(extent > 0)) throw new Error(`toyScatterPng: extent must be > 0 (got ${extent})`);
  if (!(size >= 16 && size <= 4096)) throw new Error(`toyScatterPng: size must be 16..4096 (got ${size})`);
  const rgba = new Uint8Array(size * size * 4).fill(255);
  const put = (x: number, y: number, c: Rgb): void => {
    if (x < 0 || y < 0 || x >= size || y >= size) return;
    const i = (y * size + x) * 4;
    rgba[i] = c[0];
    rgba[i + 1] = c[1];
    rgba[i + 2] = c[2];
    rgba[i + 3] = 255;
  };
  // Pixel centre (px + 0.5) ↔ data coordinate; the plot area is the whole canvas inside a 1 px axis box.
  const toPx = (v: number): number => ((v + extent) / (2 * extent)) * size;

  if (opts.critic) {
    const G = CRITIC_GRID;
    const critic = opts.critic;
    if (critic.length !== G * G) {
      throw new Error(`toyScatterPng: critic must hold ${G}×${G} = ${G * G} values (got ${critic.length})`);
    }
    const finite = Float32Array.from(critic.filter((v) => Number.isFinite(v))).sort();
    if (finite.length > 0) {
      const mid = quantile(finite, 0.5);
      const span = Math.max(mid - quantile(finite, 0.02), quantile(finite, 0.98) - mid) || 1;
      // Colour map: each canvas pixel takes its grid cell (nearest), cells centred on the 128 sample points.
      for (let y = 0; y < size; y++) {
        const gy = Math.min(G - 1, Math.floor(((y + 0.5) / size) * G));
        for (let x = 0; x < size; x++) {
          const gx = Math.min(G - 1, Math.floor(((x + 0.5) / size) * G));
          put(x, y, divergingColour((critic[gy * G + gx]! - mid) / span));
        }
      }
      // Contours at 5 levels spread over the central 90 % of the values.
      const lo = quantile(finite, 0.05);
      const hi = quantile(finite, 0.95);
      if (hi > lo) {
        for (let l = 1; l <= 5; l++) {
          const level = lo + ((hi - lo) * l) / 6;
          for (const [ax, ay, bx, by] of marchingSquares(critic, G, level)) {
            // Grid index i sits at the centre of cell i: pixel (i + 0.5) * size / G.
            const s = size / G;
            drawLine((ax + 0.5) * s, (ay + 0.5) * s, (bx + 0.5) * s, (by + 0.5) * s, (x, y) =>
              put(x, y, CONTOUR_COLOUR),
            );
          }
        }
      }
    }
  }

  const dot = (pts: Float32Array, colour: Rgb): void => {
    for (let i = 0; i + 1 < pts.length; i += 2) {
      const px = Math.floor(toPx(pts[i]!));
      const py = Math.floor(size - toPx(pts[i + 1]!));
      if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) put(px + dx, py + dy, colour);
    }
  };
  dot(opts.real, REAL_COLOUR);
  dot(opts.fake, FAKE_COLOUR);

  for (let i = 0; i < size; i++) {
    put(i, 0, AXIS_COLOUR);
    put(i, size - 1, AXIS_COLOUR);
    put(0, i, AXIS_COLOUR);
    put(size - 1, i, AXIS_COLOUR);
  }
  // Ticks at the integer coordinates, 5 px into the plot.
  for (let t = Math.ceil(-extent); t <= Math.floor(extent); t++) {
    const p = Math.min(size - 1, Math.floor(toPx(t)));
    for (let k = 1; k <= 5; k++) {
      put(p, size - 1 - k, AXIS_COLOUR);
      put(k, size - 1 - p, AXIS_COLOUR);
    }
  }
  return encodePng(size, size, rgba);
}

/**
 * Line segments (in grid coordinates: x = column, y = row) where the field crosses `level`, by marching squares
 * with linear interpolation along cell edges; saddle cells are resolved by the cell's mean.
 */
export function marchingSquares(
  field: Float32Array,
  n: number,
  level: number,
): Array<[number, number, number, number]> {
  const segs: Array<[number, number, number, number]> = [];
  const at = (x: number, y: number): number => field[y * n + x]!;
  for (let y = 0; y + 1 < n; y++) {
    for (let x = 0; x + 1 < n; x++) {
      const v0 = at(x, y); // top-left
      const v1 = at(x + 1, y); // top-right
      const v2 = at(x + 1, y + 1); // bottom-right
      const v3 = at(x, y + 1); // bottom-left
      if (![v0, v1, v2, v3].every(Number.isFinite)) continue;
      const code = (v0 > level ? 8 : 0) | (v1 > level ? 4 : 0) | (v2 > level ? 2 : 0) | (v3 > level ? 1 : 0);
      if (code === 0 || code === 15) continue;
      const t = (a: number, b: number): number => (a === b ? 0.5 : (level - a) / (b - a));
      const top: [number, number] = [x + t(v0, v1), y];
      const right: [number, number] = [x + 1, y + t(v1, v2)];
      const bottom: [number, number] = [x + t(v3, v2), y + 1];
      const left: [number, number] = [x, y + t(v0, v3)];
      const seg = (p: [number, number], q: [number, number]): void => {
        segs.push([p[0], p[1], q[0], q[1]]);
      };
      const centreHigh = (v0 + v1 + v2 + v3) / 4 > level;
      switch (code) {
        case 1:
        case 14:
          seg(left, bottom);
          break;
        case 2:
        case 13:
          seg(bottom, right);
          break;
        case 3:
        case 12:
          seg(left, right);
          break;
        case 4:
        case 11:
          seg(top, right);
          break;
        case 6:
        case 9:
          seg(top, bottom);
          break;
        case 7:
        case 8:
          seg(left, top);
          break;
        case 5: // v1 and v3 high
          if (centreHigh) {
            seg(left, top);
            seg(bottom, right);
          } else {
            seg(top, right);
            seg(left, bottom);
          }
          break;
        case 10: // v0 and v2 high
          if (centreHigh) {
            seg(top, right);
            seg(left, bottom);
          } else {
            seg(left, top);
            seg(bottom, right);
          }
          break;
      }
    }
  }
  return segs;
}

function drawLine(
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  plot: (x: number, y: number) => void,
): void {
  const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
  for (let i = 0; i <= steps; i++) {
    const u = i / steps;
    plot(Math.floor(x0 + (x1 - x0) * u), Math.floor(y0 + (y1 - y0) * u));
  }
}
