import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { OptionsError } from '../../envs/core/options.ts';

/**
 * A batch of images in NHWC order, pixel values in [0, 1] (row-major, channels last), with optional labels.
 * Every image source (MNIST, its CycleGAN domains, image folders) yields this shape.
 */
export interface ImageSet {
  images: Float32Array;
  /** Class label per image (MNIST digit), or null where a source has none. */
  labels: Int32Array | null;
  count: number;
  height: number;
  width: number;
  channels: number;
}

export const MNIST_SIZE = 28;
/** Of each digit's images (in the package's order), this fraction is the training split; the rest is held out. */
export const MNIST_TRAIN_FRACTION = 0.85;
export type MnistSplit = 'train' | 'test' | 'all';

/** The package's digits, per class: ~1,000 images each as 784 floats in [0, 1]. Parsed once per process. */
let raw: Float32Array[] | undefined;

function mnistRaw(): Float32Array[] {
  if (raw) return raw;
  // The `mnist` package ships its digits as src/digits/<d>.json; read them directly (its entry point
  // parses all ten eagerly into plain arrays, ~4× the memory).
  const pkg = createRequire(import.meta.url).resolve('mnist/package.json');
  raw = Array.from({ length: 10 }, (_, d) => {
    const text = readFileSync(join(dirname(pkg), 'src', 'digits', `${d}.json`), 'utf8');
    return Float32Array.from((JSON.parse(text) as { data: number[] }).data);
  });
  return raw;
}

/** Parse a digit filter such as "3", "0,1,7" or [3, 5]; an empty filter means all ten digits. */
export function parseDigits(input: string | readonly number[] | undefined, field = 'digits'): number[] {
  if (input === undefined) return [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const parts =
    typeof input === 'string' ? input.split(',').map((s) => s.trim()) : input.map((n) => String(n));
  const digits = parts.map((p) => {
    const n = Number(p);
    if (p === '' || !Number.isInteger(n) || n < 0 || n > 9) {
      throw new OptionsError('digit filter', [
        `${field} must be digits 0..9 separated by commas (got '${input}')`,
      ]);
    }
    return n;
  });
  if (digits.length === 0)
    throw new OptionsError('digit filter', [`${field} must name at least one digit 0..9`]);
  return [...new Set(digits)].sort((a, b) => a - b);
}

/**
 * MNIST digits from the `mnist` package (10,000 in all), optionally only some digits, in a fixed order
 * (by digit, then the package's order). `train` is the first 85 % of each digit, `test` the rest.
 */
export function loadMnist(opts: { digits?: readonly number[]; split?: MnistSplit } = {}): ImageSet {
  const digits = parseDigits(opts.digits);
  const split = opts.split ?? 'all';
  const px = MNIST_SIZE * MNIST_SIZE;
  const ranges = digits.map((d) => {
    const n = mnistRaw()[d]!.length / px;
    const cut = Math.round(n * MNIST_TRAIN_FRACTION);
    const [from, to] = split === 'train' ? [0, cut] : split === 'test' ? [cut, n] : [0, n];
    return { d, from, to };
  });
  const count = ranges.reduce((s, r) => s + r.to - r.from, 0);
  const images = new Float32Array(count * px);
  const labels = new Int32Array(count);
  let k = 0;
  for (const { d, from, to } of ranges) {
    images.set(mnistRaw()[d]!.subarray(from * px, to * px), k * px);
    labels.fill(d, k, k + to - from);
    k += to - from;
  }
  return { images, labels, count, height: MNIST_SIZE, width: MNIST_SIZE, channels: 1 };
}
