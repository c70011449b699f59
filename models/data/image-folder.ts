/**
 * Image folders as an ImageSet, plus the resize / channel helpers every image source shares.
 *
 * Why these choices:
 * - Decoding uses pngjs (PNG.sync.read) and jpeg-js (decode), both pure JS, so no native image library is
 *   needed on any platform. Only .png/.jpg/.jpeg at the top level of the folder are read, in sorted name order,
 *   so a folder always gives the same set in the same order (reproducible runs).
 * - Non-square images are centre-cropped to a square first (the usual practice for GAN data sets; padding would
 *   teach the generator to draw borders), then resampled separably: an area average when shrinking (every input
 *   pixel counts by its overlap, so no aliasing from skipped pixels and mean intensity is kept exactly) and
 *   bilinear interpolation when enlarging (half-pixel centres, as OpenCV's INTER_AREA / INTER_LINEAR do).
 * - Alpha is composited over white (transparent PNGs are usually drawings on a transparent page); grey output is
 *   the ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B).
 * - Limits: at most MAX_FOLDER_IMAGES images (the whole set lives in one Float32Array) and decoders are told to
 *   refuse images over 100 megapixels.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

import { OptionsError } from '../../envs/core/options.ts';
import type { ImageSet } from './mnist.ts';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;
export const MAX_FOLDER_IMAGES = 50_000;
export const MAX_IMAGE_SIZE = 1024;

/**
 * Resampling weights for one axis: for each output index, the first input index and its weights (sum 1).
 * Shrinking: area average (each output pixel covers `scale` input pixels; partial pixels by their overlap).
 * Enlarging: bilinear between the two nearest input pixel centres (half-pixel centres, clamped at the edges).
 */
function axisWeights(inSize: number, outSize: number): { start: Int32Array; weights: Float64Array[] } {
  const scale = inSize / outSize;
  const start = new Int32Array(outSize);
  const weights: Float64Array[] = [];
  for (let o = 0; o < outSize; o++) {
    if (scale > 1) {
      const from = o * scale;
      const to = (o + 1) * scale;
      const lo = Math.floor(from);
      const hi = Math.min(inSize - 1, Math.ceil(to) - 1);
      const w = new Float64Array(hi - lo + 1);
      for (let i = lo; i <= hi; i++) w[i - lo] = (Math.min(i + 1, to) - Math.max(i, from)) / scale;
      start[o] = lo;
      weights.push(w);
    } else {
      const centre = Math.min(inSize - 1, Math.max(0, (o + 0.5) * scale - 0.5));
      const lo = Math.min(inSize - 2, Math.floor(centre));
      if (lo < 0) {
        start[o] = 0;
        weights.push(Float64Array.of(1));
      } else {
        const t = centre - lo;
        start[o] = lo;
        weights.push(Float64Array.of(1 - t, t));
      }
    }
  }
  return { start, weights };
}

/**
 * Resample one HWC image (floats) to outH×outW: area average when shrinking, bilinear when enlarging (per axis).
 * Returns the input array itself when the size is unchanged.
 */
export function resizeImage(
  src: Float32Array,
  height: number,
  width: number,
  channels: number,
  outH: number,
  outW: number,
): Float32Array {
  if (outH === height && outW === width) return src;
  const out = new Float32Array(outH * outW * channels);
  resampler(height, width, channels, outH, outW)(src, out, 0);
  return out;
}

/** A resize function for fixed sizes (weights and scratch allocated once, reused for every image of a set). */
function resampler(
  height: number,
  width: number,
  channels: number,
  outH: number,
  outW: number,
): (src: Float32Array, dst: Float32Array, offset: number) => void {
  const ax = axisWeights(width, outW);
  const ay = axisWeights(height, outH);
  const tmp = new Float32Array(height * outW * channels);
  return (src, dst, offset) => {
    // Horizontal pass: height × outW × channels.
    for (let y = 0; y < height; y++) {
      for (let ox = 0; ox < outW; ox++) {
        const s = ax.start[ox]!;
        const w = ax.weights[ox]!;
        for (let c = 0; c < channels; c++) {
          let acc = 0;
          for (let k = 0; k < w.length; k++) acc += w[k]! * src[(y * width + s + k) * channels + c]!;
          tmp[(y * outW + ox) * channels + c] = acc;
        }
      }
    }
    // Vertical pass, straight into dst.
    for (let oy = 0; oy < outH; oy++) {
      const s = ay.start[oy]!;
      const w = ay.weights[oy]!;
      for (let x = 0; x < outW * channels; x++) {
        let acc = 0;
        for (let k = 0; k < w.length; k++) acc += w[k]! * tmp[(s + k) * outW * channels + x]!;
        dst[offset + oy * outW * channels + x] = acc;
      }
    }
  };
}

/** Every image of a set resampled to size×size (centre-cropped to a square first when not square). */
export function resizeSet(set: ImageSet, size: number): ImageSet {
  checkSize(size, 'size');
  if (set.height === size && set.width === size) return set;
  const { height: h, width: w, channels: ch } = set;
  const side = Math.min(h, w);
  const y0 = Math.floor((h - side) / 2);
  const x0 = Math.floor((w - side) / 2);
  const inPx = h * w * ch;
  const outPx = size * size * ch;
  const images = new Float32Array(set.count * outPx);
  const crop = new Float32Array(side * side * ch);
  const resample = resampler(side, side, ch, size, size);
  for (let n = 0; n < set.count; n++) {
    const img = set.images.subarray(n * inPx, (n + 1) * inPx);
    for (let y = 0; y < side; y++) {
      const from = ((y + y0) * w + x0) * ch;
      crop.set(img.subarray(from, from + side * ch), y * side * ch);
    }
    if (side === size) images.set(crop, n * outPx);
    else resample(crop, images, n * outPx);
  }
  return { images, labels: set.labels, count: set.count, height: size, width: size, channels: ch };
}

/** Convert a set to 1 channel (BT.601 luma) or 3 channels (grey replicated); unchanged when it already matches. */
export function toChannels(set: ImageSet, channels: 1 | 3): ImageSet {
  if (channels !== 1 && channels !== 3) {
    throw new OptionsError('image options', [`'channels' must be 1 or 3 (got ${String(channels)})`]);
  }
  if (set.channels === channels) return set;
  const px = set.count * set.height * set.width;
  const images = new Float32Array(px * channels);
  if (set.channels === 1 && channels === 3) {
    for (let i = 0; i < px; i++) {
      const v = set.images[i]!;
      images[3 * i] = v;
      images[3 * i + 1] = v;
      images[3 * i + 2] = v;
    }
  } else if (set.channels === 3 && channels === 1) {
    for (let i = 0; i < px; i++) {
      images[i] =
        0.299 * set.images[3 * i]! + 0.587 * set.images[3 * i + 1]! + 0.114 * set.images[3 * i + 2]!;
    }
  } else {
    throw new Error(`cannot convert ${set.channels}-channel images to ${channels} channels`);
  }
  return { ...set, images, channels };
}

function checkSize(size: number, field: string): void {
  if (!Number.isInteger(size) || size < 1 || size > MAX_IMAGE_SIZE) {
    throw new OptionsError('image options', [
      `'${field}' must be an integer 1..${MAX_IMAGE_SIZE} (got ${String(size)})`,
    ]);
  }
}

/** Decode one PNG/JPEG file to RGB floats in [0,1] (alpha composited over white). */
function decodeImage(file: string): { rgb: Float32Array; width: number; height: number } {
  const bytes = readFileSync(file);
  let data: Uint8Array;
  let width: number;
  let height: number;
  try {
    if (extname(file).toLowerCase() === '.png') {
      const png = PNG.sync.read(bytes);
      ({ data, width, height } = png);
    } else {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 100 });
      ({ data, width, height } = img);
    }
  } catch (err) {
    throw new OptionsError('image folder', [
      `cannot decode ${file}: ${err instanceof Error ? err.message : String(err)}`,
    ]);
  }
  if (!(width > 0 && height > 0) || data.length < width * height * 4) {
    throw new OptionsError('image folder', [`cannot decode ${file}: empty or truncated image`]);
  }
  const rgb = new Float32Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const a = data[4 * i + 3]! / 255;
    for (let c = 0; c < 3; c++) rgb[3 * i + c] = (data[4 * i + c]! / 255) * a + (1 - a);
  }
  return { rgb, width, height };
}

/**
 * Every .png/.jpg/.jpeg file directly in `dir` (sorted by name; other files ignored), centre-cropped to a square,
 * resized to size×size and converted to `channels` channels, values in [0,1]. Labels are null.
 * Without `channels`: 1 when every image is grey (R = G = B everywhere), else 3.
 */
export function loadImageFolder(dir: string, opts: { size: number; channels?: 1 | 3 }): ImageSet {
  checkSize(opts.size, 'size');
  if (opts.channels !== undefined && opts.channels !== 1 && opts.channels !== 3) {
    throw new OptionsError('image options', [`'channels' must be 1 or 3 (got ${String(opts.channels)})`]);
  }
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir);
  } catch {
    throw new OptionsError('image folder', [`${dir} is not a readable folder`]);
  }
  const files = names
    .filter((n) => (IMAGE_EXTENSIONS as readonly string[]).includes(extname(n).toLowerCase()))
    .sort()
    .map((n) => join(dir, n))
    .filter((f) => statSync(f).isFile());
  if (files.length === 0) {
    throw new OptionsError('image folder', [
      `${dir} holds no images (files ending in ${IMAGE_EXTENSIONS.join(', ')} are read)`,
    ]);
  }
  if (files.length > MAX_FOLDER_IMAGES) {
    throw new OptionsError('image folder', [
      `${dir} holds ${files.length} images; at most ${MAX_FOLDER_IMAGES} are supported`,
    ]);
  }
  const { size } = opts;
  const rgb = new Float32Array(files.length * size * size * 3);
  let allGrey = true;
  files.forEach((file, n) => {
    const img = decodeImage(file);
    const one: ImageSet = {
      images: img.rgb,
      labels: null,
      count: 1,
      height: img.height,
      width: img.width,
      channels: 3,
    };
    const resized = resizeSet(one, size).images;
    if (allGrey) {
      for (let i = 0; i < resized.length; i += 3) {
        if (resized[i] !== resized[i + 1] || resized[i] !== resized[i + 2]) {
          allGrey = false;
          break;
        }
      }
    }
    rgb.set(resized, n * size * size * 3);
  });
  const set: ImageSet = {
    images: rgb,
    labels: null,
    count: files.length,
    height: size,
    width: size,
    channels: 3,
  };
  return toChannels(set, opts.channels ?? (allGrey ? 1 : 3));
}
