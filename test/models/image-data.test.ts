import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';

import { OptionsError } from '../../envs/core/options.ts';
import { dilate, erode, IMAGE_DOMAINS, invert, loadImageSource } from '../../models/data/domains.ts';
import { loadImageFolder, resizeImage, resizeSet, toChannels } from '../../models/data/image-folder.ts';
import { type ImageSet, loadMnist } from '../../models/data/mnist.ts';

const sum = (a: Float32Array): number => a.reduce((s, v) => s + v, 0);

function pngBytes(width: number, height: number, pixel: (x: number, y: number) => number[]): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a = 255] = pixel(x, y);
      png.data.set([r!, g!, b!, a], (y * width + x) * 4);
    }
  }
  return PNG.sync.write(png);
}

function jpegBytes(width: number, height: number, pixel: (x: number, y: number) => number[]): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([...pixel(x, y), 255], (y * width + x) * 4);
  }
  return jpeg.encode({ data, width, height }, 95).data;
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('MNIST domains', () => {
  const base = loadMnist({ digits: [0, 3, 8], split: 'test' });

  it('thick has more ink than mnist, thin less, per image', () => {
    const thin = loadImageSource('mnist-thin:0,3,8', { split: 'test' });
    const thick = loadImageSource('mnist-thick:0,3,8', { split: 'test' });
    expect(thin.count).toBe(base.count);
    expect(thick.count).toBe(base.count);
    const px = 28 * 28;
    for (let n = 0; n < base.count; n += 17) {
      const b = sum(base.images.subarray(n * px, (n + 1) * px));
      expect(sum(thick.images.subarray(n * px, (n + 1) * px))).toBeGreaterThan(1.2 * b);
      expect(sum(thin.images.subarray(n * px, (n + 1) * px))).toBeLessThan(0.8 * b);
      expect(sum(thin.images.subarray(n * px, (n + 1) * px))).toBeGreaterThan(0.2 * b); // still a digit
    }
    // Values stay in [0, 1].
    for (const s of [thin, thick]) {
      expect(s.images.reduce((m, v) => Math.min(m, v), 1)).toBeGreaterThanOrEqual(0);
      expect(s.images.reduce((m, v) => Math.max(m, v), 0)).toBeLessThanOrEqual(1);
    }
  });

  it('erosion and dilation are the grey-level min / max', () => {
    // A 3-px-wide vertical bar in a 7×7 image.
    const img = new Float32Array(49);
    for (let y = 1; y < 6; y++) for (let x = 2; x < 5; x++) img[y * 7 + x] = 1;
    const set: ImageSet = { images: img, labels: null, count: 1, height: 7, width: 7, channels: 1 };
    const e = erode(set).images;
    const d = dilate(set).images;
    expect(sum(e)).toBeLessThan(sum(img));
    expect(sum(e)).toBeGreaterThan(0);
    expect(sum(d)).toBeGreaterThan(sum(img));
    // Erosion only removes ink, dilation only adds.
    for (let i = 0; i < 49; i++) {
      expect(e[i]!).toBeLessThanOrEqual(img[i]!);
      expect(d[i]!).toBeGreaterThanOrEqual(img[i]!);
    }
    // Dilation widens the bar by one pixel each side (cross): row 3 now covers x = 1..5.
    expect(Array.from(d.subarray(21, 28))).toEqual([0, 1, 1, 1, 1, 1, 0]);
  });

  it('inverted is exactly 1 − x and labels are kept', () => {
    const inv = loadImageSource('mnist-inverted:0,3,8', { split: 'test' });
    expect(inv.count).toBe(base.count);
    for (let i = 0; i < base.images.length; i += 97)
      expect(inv.images[i]).toBeCloseTo(1 - base.images[i]!, 6);
    expect(Array.from(inv.labels!)).toEqual(Array.from(base.labels!));
    expect(invert(invert(base)).images[300]).toBeCloseTo(base.images[300]!, 6);
  });

  it('digit filter selects digits; labels follow', () => {
    const three = loadImageSource('mnist:3', { split: 'train' });
    expect(three.count).toBeGreaterThan(500);
    expect(new Set(three.labels)).toEqual(new Set([3]));
    const two = loadImageSource('mnist-thick:1,0', { split: 'test' });
    expect(new Set(two.labels)).toEqual(new Set([0, 1]));
    expect(two.count).toBe(loadMnist({ digits: [0, 1], split: 'test' }).count);
  });

  it('size and channels options', () => {
    const s = loadImageSource('mnist:7', { split: 'test', size: 32, channels: 3 });
    expect([s.height, s.width, s.channels]).toEqual([32, 32, 3]);
    expect(s.images.length).toBe(s.count * 32 * 32 * 3);
    // Channels replicate the grey value.
    for (let i = 0; i < s.images.length; i += 3 * 101) {
      expect(s.images[i + 1]).toBe(s.images[i]);
      expect(s.images[i + 2]).toBe(s.images[i]);
    }
    // Resizing keeps the mean intensity (area-preserving filter) roughly.
    const orig = loadImageSource('mnist:7', { split: 'test' });
    expect([orig.height, orig.channels]).toEqual([28, 1]);
    expect(sum(s.images) / s.images.length).toBeCloseTo(sum(orig.images) / orig.images.length, 2);
    const small = loadImageSource('mnist-inverted:7', { split: 'test', size: 14 });
    expect(small.height).toBe(14);
    expect(sum(small.images) / small.images.length).toBeCloseTo(1 - sum(orig.images) / orig.images.length, 2);
  });

  it('rejects unknown domains and bad options, naming the field and the valid domains', () => {
    const err = errorOf(() => loadImageSource('mnist-bold'));
    expect(err).toBeInstanceOf(OptionsError);
    expect(err.message).toContain("'mnist-bold'");
    for (const d of IMAGE_DOMAINS) expect(err.message).toContain(d);
    expect(errorOf(() => loadImageSource('mnist:12')).message).toContain("'mnist:12'");
    expect(errorOf(() => loadImageSource('mnist', { size: 0 })).message).toContain("'size'");
    expect(errorOf(() => loadImageSource('mnist', { channels: 2 as 1 })).message).toContain("'channels'");
    expect(errorOf(() => loadImageSource('mnist', { split: 'val' as 'all' })).message).toContain("'split'");
  });
});

describe('resize and channels', () => {
  it('shrinking by 2 averages 2×2 blocks (area) and enlarging interpolates', () => {
    // 4×4 checkerboard of 2×2 blocks → 2×2 image of the block values.
    const src = new Float32Array(16);
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 4; x++) src[y * 4 + x] = (Math.floor(x / 2) + 2 * Math.floor(y / 2)) / 3;
    const half = resizeImage(src, 4, 4, 1, 2, 2);
    expect(Array.from(half).map((v) => +v.toFixed(5))).toEqual(
      [0, 1 / 3, 2 / 3, 1].map((v) => +v.toFixed(5)),
    );
    // A horizontal ramp stays a ramp when enlarged; the output is monotone and within range.
    const ramp = Float32Array.from([0, 1 / 3, 2 / 3, 1]);
    const big = resizeImage(ramp, 1, 4, 1, 1, 8);
    for (let i = 1; i < 8; i++) expect(big[i]!).toBeGreaterThanOrEqual(big[i - 1]!);
    expect(big[0]).toBeCloseTo(0, 6);
    expect(big[7]).toBeCloseTo(1, 6);
    expect(big[3]! + big[4]!).toBeCloseTo(1, 5); // symmetric about the centre
    // A constant image stays constant at any size.
    const flat = resizeImage(new Float32Array(5 * 7).fill(0.4), 5, 7, 1, 3, 11);
    for (const v of flat) expect(v).toBeCloseTo(0.4, 6);
  });

  it('centre-crops non-square images to a square first', () => {
    // 2 rows × 6 columns: left and right thirds are 1, middle third 0 → cropped to the middle 2×2 = zeros.
    const img = Float32Array.from([1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1]);
    const out = resizeSet({ images: img, labels: null, count: 1, height: 2, width: 6, channels: 1 }, 2);
    expect(Array.from(out.images)).toEqual([0, 0, 0, 0]);
  });

  it('RGB → grey uses luma weights; grey → RGB replicates', () => {
    const rgb: ImageSet = {
      images: Float32Array.from([1, 0, 0, 0, 1, 0]),
      labels: null,
      count: 1,
      height: 1,
      width: 2,
      channels: 3,
    };
    const g = toChannels(rgb, 1);
    expect(g.images[0]).toBeCloseTo(0.299, 5);
    expect(g.images[1]).toBeCloseTo(0.587, 5);
    expect(Array.from(toChannels(g, 3).images.subarray(0, 3))).toEqual([
      g.images[0],
      g.images[0],
      g.images[0],
    ]);
  });
});

describe('image folders', () => {
  const root = mkdtempSync(join(tmpdir(), 'gymlab-images-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads PNG and JPEG files in sorted order, resizes and converts channels', () => {
    const dir = join(root, 'mixed');
    mkdirSync(dir);
    // b.png: 8×8 left half red, right half blue. a.jpg: 16×8 (wide) all green. c.txt is ignored.
    writeFileSync(
      join(dir, 'b.png'),
      pngBytes(8, 8, (x) => (x < 4 ? [255, 0, 0] : [0, 0, 255])),
    );
    writeFileSync(
      join(dir, 'a.jpg'),
      jpegBytes(16, 8, () => [0, 255, 0]),
    );
    writeFileSync(join(dir, 'c.txt'), 'not an image');
    mkdirSync(join(dir, 'sub.png')); // a folder with an image-like name is not read
    const set = loadImageFolder(dir, { size: 4, channels: 3 });
    expect([set.count, set.height, set.width, set.channels]).toEqual([2, 4, 4, 3]);
    expect(set.labels).toBeNull();
    const px = (n: number, x: number, y: number): number[] =>
      Array.from(set.images.subarray(((n * 4 + y) * 4 + x) * 3, ((n * 4 + y) * 4 + x) * 3 + 3));
    // Image 0 is a.jpg (sorted): green, within JPEG error.
    const [r0, g0, b0] = px(0, 1, 2);
    expect(r0!).toBeLessThan(0.1);
    expect(g0!).toBeGreaterThan(0.9);
    expect(b0!).toBeLessThan(0.1);
    // Image 1 is b.png: left column red, right column blue (2×2 blocks averaged exactly).
    expect(px(1, 0, 0)).toEqual([1, 0, 0]);
    expect(px(1, 3, 3)).toEqual([0, 0, 1]);
    const grey = loadImageFolder(dir, { size: 4, channels: 1 });
    expect(grey.channels).toBe(1);
    expect(grey.images[16 + 0]).toBeCloseTo(0.299, 4);
    // Without `channels`: colour images give 3.
    expect(loadImageFolder(dir, { size: 4 }).channels).toBe(3);
  });

  it('grey folders default to 1 channel; alpha is composited over white; loadImageSource reads folders', () => {
    const dir = join(root, 'grey');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'x.png'),
      pngBytes(4, 4, (x, y) => (x === y ? [0, 0, 0, 255] : [0, 0, 0, 0])),
    );
    const set = loadImageSource(dir, { size: 4 });
    expect(set.channels).toBe(1);
    expect(set.images[0]).toBe(0); // opaque black on the diagonal
    expect(set.images[1]).toBe(1); // transparent → white
    expect(loadImageSource(dir).height).toBe(28);
  });

  it('errors name the bad file, the empty folder with the extensions read, and missing folders', () => {
    const bad = join(root, 'bad');
    mkdirSync(bad);
    writeFileSync(
      join(bad, 'ok.png'),
      pngBytes(2, 2, () => [9, 9, 9]),
    );
    writeFileSync(join(bad, 'broken.png'), Buffer.from('this is not a png'));
    const e1 = errorOf(() => loadImageFolder(bad, { size: 4, channels: 1 }));
    expect(e1).toBeInstanceOf(OptionsError);
    expect(e1.message).toContain('broken.png');

    const empty = join(root, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.md'), '# nothing');
    const e2 = errorOf(() => loadImageFolder(empty, { size: 4, channels: 1 }));
    expect(e2.message).toContain('no images');
    expect(e2.message).toContain('.png, .jpg, .jpeg');

    const e3 = errorOf(() => loadImageSource(join(root, 'missing')));
    expect(e3).toBeInstanceOf(OptionsError);
    expect(e3.message).toContain('missing');
    expect(e3.message).toContain('mnist-thick');
  });
});
