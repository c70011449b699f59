import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';

import type { ImageSet } from '../../models/data/mnist.ts';
import {
  CRITIC_GRID,
  encodePng,
  FAKE_COLOUR,
  imageGridPng,
  marchingSquares,
  REAL_COLOUR,
  toyScatterPng,
} from '../../models/viz/png.ts';

function decode(bytes: Uint8Array): {
  width: number;
  height: number;
  rgb: (x: number, y: number) => number[];
} {
  const png = PNG.sync.read(Buffer.from(bytes));
  return {
    width: png.width,
    height: png.height,
    rgb: (x, y) => Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3)),
  };
}

describe('encodePng', () => {
  it('round-trips RGBA pixels', () => {
    const rgba = new Uint8Array(3 * 2 * 4);
    for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 37) % 256;
    for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
    const bytes = encodePng(3, 2, rgba);
    expect(Array.from(bytes.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]); // 'PNG' signature
    const png = PNG.sync.read(Buffer.from(bytes));
    expect([png.width, png.height]).toEqual([3, 2]);
    expect(Array.from(png.data)).toEqual(Array.from(rgba));
  });

  it('rejects a buffer of the wrong length', () => {
    expect(() => encodePng(2, 2, new Uint8Array(15))).toThrow(/16 bytes/);
  });
});

describe('imageGridPng', () => {
  it('lays images out in a grid with 2 px padding and maps values to grey', () => {
    // 5 grey 3×4 images (h 3, w 4); image n has the constant value n/4, except pixel (1,2) of image 3 = 1.
    const h = 3;
    const w = 4;
    const images = new Float32Array(5 * h * w);
    for (let n = 0; n < 5; n++) images.fill(n / 4, n * h * w, (n + 1) * h * w);
    images[3 * h * w + 2 * w + 1] = 1;
    const set: ImageSet = { images, labels: null, count: 5, height: h, width: w, channels: 1 };
    const g = decode(imageGridPng(set, { columns: 2 }));
    expect([g.width, g.height]).toEqual([2 * (w + 2) + 2, 3 * (h + 2) + 2]);
    const origin = (n: number): [number, number] => [2 + (n % 2) * (w + 2), 2 + Math.floor(n / 2) * (h + 2)];
    for (let n = 0; n < 5; n++) {
      const [x, y] = origin(n);
      const v = Math.round((n / 4) * 255);
      expect(g.rgb(x, y)).toEqual([v, v, v]);
      expect(g.rgb(x + w - 1, y + h - 1)).toEqual([v, v, v]);
    }
    const [x3, y3] = origin(3);
    expect(g.rgb(x3 + 1, y3 + 2)).toEqual([255, 255, 255]);
    // Padding between images and the empty 6th cell are grey 128.
    expect(g.rgb(0, 0)).toEqual([128, 128, 128]);
    expect(g.rgb(2 + w, 2)).toEqual([128, 128, 128]);
    const [x5, y5] = origin(5);
    expect(g.rgb(x5 + 1, y5 + 1)).toEqual([128, 128, 128]);
  });

  it('draws RGB images and maps a custom range with clipping', () => {
    const set: ImageSet = {
      images: Float32Array.from([-1, 0, 1, 2, -3, 0.5]), // two pixels of a 1×2 RGB image
      labels: null,
      count: 1,
      height: 1,
      width: 2,
      channels: 3,
    };
    const g = decode(imageGridPng(set, { range: [-1, 1] }));
    expect([g.width, g.height]).toEqual([6, 5]);
    expect(g.rgb(2, 2)).toEqual([0, 128, 255]);
    expect(g.rgb(3, 2)).toEqual([255, 0, 191]);
  });
});

describe('toyScatterPng', () => {
  // Data (x, y) → pixel (column, row): x = -extent at the left edge, y = +extent at the top edge.
  const pixel = (x: number, y: number, size: number, extent: number): [number, number] => [
    Math.floor(((x + extent) / (2 * extent)) * size),
    Math.floor(size - ((y + extent) / (2 * extent)) * size),
  ];

  it('puts real and generated points at their pixels on a white canvas inside an axes box', () => {
    const size = 200;
    const real = Float32Array.from([1, 1, -2, 0.5]);
    const fake = Float32Array.from([0, -1.5]);
    const g = decode(toyScatterPng({ real, fake, size, extent: 3 }));
    expect([g.width, g.height]).toEqual([size, size]);
    expect(g.rgb(...pixel(1, 1, size, 3))).toEqual(REAL_COLOUR);
    expect(g.rgb(...pixel(-2, 0.5, size, 3))).toEqual(REAL_COLOUR);
    expect(g.rgb(...pixel(0, -1.5, size, 3))).toEqual(FAKE_COLOUR);
    // (1, 1) is in the upper right quadrant, (0, -1.5) below the centre.
    expect(pixel(1, 1, size, 3)).toEqual([133, 66]);
    expect(g.rgb(size - 1 - 133, 66)).toEqual([255, 255, 255]);
    expect(g.rgb(150, 20)).toEqual([255, 255, 255]); // background
    expect(g.rgb(0, 100)).toEqual([0, 0, 0]); // axes box
    expect(g.rgb(size - 1, 37)).toEqual([0, 0, 0]);
  });

  it('colours the critic map where the critic varies (low blue, high red) and draws contours', () => {
    const G = CRITIC_GRID;
    const critic = new Float32Array(G * G);
    for (let r = 0; r < G; r++) for (let c = 0; c < G; c++) critic[r * G + c] = c / (G - 1); // rises with x
    const size = 256;
    const g = decode(toyScatterPng({ real: new Float32Array(0), fake: new Float32Array(0), critic, size }));
    const left = g.rgb(6, 60);
    const right = g.rgb(size - 7, 60);
    expect(left[2]!).toBeGreaterThan(left[0]!); // blue
    expect(right[0]!).toBeGreaterThan(right[2]!); // red
    // Colour is constant along y (the critic does not vary with y) away from contour lines.
    expect(g.rgb(6, 30)).toEqual(g.rgb(6, 200));
    // Contour lines are vertical here: some column in the middle is dark grey from top to bottom.
    const contour = (x: number, ys: number[]): boolean => ys.every((y) => g.rgb(x, y).join() === '60,60,60');
    const columns = Array.from({ length: size }, (_, x) => x).filter((x) => contour(x, [40, 128, 220]));
    expect(columns.length).toBeGreaterThanOrEqual(3);
    expect(columns.length).toBeLessThanOrEqual(10);
    // A constant critic gives one flat colour and no contours.
    const flat = decode(
      toyScatterPng({
        real: new Float32Array(0),
        fake: new Float32Array(0),
        critic: new Float32Array(G * G),
        size,
      }),
    );
    expect(flat.rgb(50, 50)).toEqual(flat.rgb(200, 180));
    for (let x = 1; x < size - 1; x++) expect(flat.rgb(x, 100).join()).not.toBe('60,60,60');
  });

  it('rejects a critic grid of the wrong size', () => {
    expect(() =>
      toyScatterPng({ real: new Float32Array(0), fake: new Float32Array(0), critic: new Float32Array(100) }),
    ).toThrow(/128×128/);
  });
});

describe('marchingSquares', () => {
  it('finds the crossing of a linear ramp at the interpolated position', () => {
    const n = 4;
    const field = new Float32Array(n * n);
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) field[y * n + x] = x; // 0..3 along x
    const segs = marchingSquares(field, n, 1.5);
    expect(segs.length).toBe(n - 1);
    for (const [ax, , bx] of segs) {
      expect(ax).toBeCloseTo(1.5, 6);
      expect(bx).toBeCloseTo(1.5, 6);
    }
    // A circle-like bump gives a closed loop: every segment end is shared by another segment.
    const m = 9;
    const bump = new Float32Array(m * m);
    for (let y = 0; y < m; y++) for (let x = 0; x < m; x++) bump[y * m + x] = -((x - 4) ** 2 + (y - 4) ** 2);
    const loop = marchingSquares(bump, m, -6);
    const key = (x: number, y: number): string => `${x.toFixed(4)},${y.toFixed(4)}`;
    const ends = new Map<string, number>();
    for (const [ax, ay, bx, by] of loop) {
      ends.set(key(ax, ay), (ends.get(key(ax, ay)) ?? 0) + 1);
      ends.set(key(bx, by), (ends.get(key(bx, by)) ?? 0) + 1);
    }
    expect(loop.length).toBeGreaterThan(8);
    for (const c of ends.values()) expect(c).toBe(2);
  });
});
