/**
 * Image sources by name: MNIST and the CycleGAN domains derived from it, or a folder of PNG/JPEG files.
 *
 * Why these choices:
 * - The paired domains are pure functions of MNIST, so a CycleGAN run can be checked against the exact answer
 *   (the translation of a digit is known) and the domains stay recognisable digits the MNIST classifier can read:
 *   `mnist-thin` ↔ `mnist-thick` is a change of stroke width (a style change, content kept), and
 *   `mnist` ↔ `mnist-inverted` (1 − x) a global colour change.
 * - Thin/thick use grey-level morphology (erosion = min, dilation = max over a neighbourhood), which keeps the
 *   anti-aliased edges soft, unlike binarising first. MNIST strokes are only ~2–3 px wide, so erosion uses the
 *   smallest neighbourhood, the 2×2 square (the pixel and its right, lower and lower-right neighbours): it removes
 *   about one pixel of width and keeps strokes bright and connected (content moves by half a pixel up-left, which
 *   is harmless). Compared visually on PNG grids: the 3×3 cross breaks strokes apart; averaging two mirrored 2×2
 *   erosions, or eroding at 2× resolution, leaves faint blurred strokes. Dilation uses the 3×3 cross (about one
 *   pixel more on each side), which keeps holes in 0, 6, 8, 9 open. Mean ink (sum of pixel values per image):
 *   mnist ≈ 103, thin ≈ 54, thick ≈ 175.
 * - A spec that is not a domain name is a folder path, so `--data ./photos` needs no extra flag.
 */
import { existsSync } from 'node:fs';

import { OptionsError } from '../../envs/core/options.ts';
import { loadImageFolder, resizeSet, toChannels } from './image-folder.ts';
import { type ImageSet, loadMnist, MNIST_SIZE, type MnistSplit, parseDigits } from './mnist.ts';

export const IMAGE_DOMAINS = ['mnist', 'mnist-thin', 'mnist-thick', 'mnist-inverted'] as const;
export type ImageDomain = (typeof IMAGE_DOMAINS)[number];

export interface ImageSourceOptions {
  split?: MnistSplit;
  /** Output side length; default 28 (MNIST's own size; folders are resized to it too, so specs can be paired). */
  size?: number;
  /** Default: 1 for the MNIST domains; for a folder 1 if every image is grey, else 3. */
  channels?: 1 | 3;
}

function isDomain(name: string): name is ImageDomain {
  return (IMAGE_DOMAINS as readonly string[]).includes(name);
}

/**
 * Grey-level erosion (min) or dilation (max) of every image over the neighbourhood `offsets` ([dx, dy] pairs),
 * per channel; pixels outside the image count as background (0), so erosion eats strokes touching the border.
 */
function morph(
  set: ImageSet,
  offsets: ReadonlyArray<readonly [number, number]>,
  pick: 'min' | 'max',
): ImageSet {
  const { count, height: h, width: w, channels: ch } = set;
  const src = set.images;
  const out = new Float32Array(src.length);
  // Zero-padded copy of one channel of one image (1 px border), so the inner loop has no bounds checks.
  const pw = w + 2;
  const padded = new Float32Array((h + 2) * pw);
  const deltas = Int32Array.from(offsets, ([dx, dy]) => dy * pw + dx);
  const isMin = pick === 'min';
  for (let n = 0; n < count; n++) {
    const base = n * h * w * ch;
    for (let c = 0; c < ch; c++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) padded[(y + 1) * pw + x + 1] = src[base + (y * w + x) * ch + c]!;
      }
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const p = (y + 1) * pw + x + 1;
          let best = padded[p + deltas[0]!]!;
          for (let k = 1; k < deltas.length; k++) {
            const v = padded[p + deltas[k]!]!;
            if (isMin ? v < best : v > best) best = v;
          }
          out[base + (y * w + x) * ch + c] = best;
        }
      }
    }
  }
  return { ...set, images: out };
}

const SQUARE_2X2 = [
  [0, 0],
  [1, 0],
  [0, 1],
  [1, 1],
] as const;
const CROSS_3X3 = [
  [0, 0],
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
] as const;

/** Thinner strokes: grey-level erosion (min) over the 2×2 square, ~1 px thinner. */
export function erode(set: ImageSet): ImageSet {
  return morph(set, SQUARE_2X2, 'min');
}

/** Thicker strokes: grey-level dilation (max) over the 3×3 cross, ~2 px wider. */
export function dilate(set: ImageSet): ImageSet {
  return morph(set, CROSS_3X3, 'max');
}

/** 1 − x: white digits on black become black digits on white. */
export function invert(set: ImageSet): ImageSet {
  const images = new Float32Array(set.images.length);
  for (let i = 0; i < images.length; i++) images[i] = 1 - set.images[i]!;
  return { ...set, images };
}

function applyShape(set: ImageSet, opts: ImageSourceOptions): ImageSet {
  let out = set;
  if (opts.size !== undefined) out = resizeSet(out, opts.size);
  if (opts.channels !== undefined) out = toChannels(out, opts.channels);
  return out;
}

/**
 * Images by spec: a domain name (IMAGE_DOMAINS), optionally with a digit filter ('mnist:3', 'mnist-thin:0,1'),
 * or else a folder of PNG/JPEG files (split and digit filters do not apply to folders). The domain transform is
 * applied at 28×28, then the set is resized to `size` and given `channels` channels.
 */
export function loadImageSource(spec: string, opts: ImageSourceOptions = {}): ImageSet {
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw new OptionsError('data', [
      `'data' must be one of ${IMAGE_DOMAINS.join(', ')} or a folder of images`,
    ]);
  }
  if (opts.split !== undefined && !['train', 'test', 'all'].includes(opts.split)) {
    throw new OptionsError('data', [`'split' must be one of train, test, all (got '${String(opts.split)}')`]);
  }
  const colon = spec.indexOf(':');
  const name = colon >= 0 ? spec.slice(0, colon) : spec;
  if (isDomain(name)) {
    const digits = colon >= 0 ? parseDigits(spec.slice(colon + 1), `'${spec}'`) : undefined;
    const base = loadMnist({ digits, split: opts.split ?? 'all' });
    const transformed =
      name === 'mnist-thin'
        ? erode(base)
        : name === 'mnist-thick'
          ? dilate(base)
          : name === 'mnist-inverted'
            ? invert(base)
            : base;
    return applyShape(transformed, opts);
  }
  if (existsSync(spec)) {
    return loadImageFolder(spec, { size: opts.size ?? MNIST_SIZE, channels: opts.channels });
  }
  throw new OptionsError('data', [
    `'${spec}' is neither an image domain nor an existing folder; valid domains: ${IMAGE_DOMAINS.join(', ')} ` +
      `(optionally with digits, e.g. 'mnist:3' or 'mnist-thick:0,1'), or a folder of .png/.jpg/.jpeg files`,
  ]);
}
