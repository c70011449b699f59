import { readFileSync } from 'node:fs';

import type { Rng } from '../../envs/core/rng.ts';

/** The built-in 2-D toy sets. Scalings follow igul222/improved_wgan_training gan_toy.py where it has them. */
export const TOY_SETS = ['8gaussians', '25gaussians', 'swissroll', 'ring', 'twomoons'] as const;
export type ToySet = (typeof TOY_SETS)[number];

/** A mixture's modes, for the VEEGAN/PacGAN mode metrics: centers (x,y pairs) and the per-axis noise std. */
export interface Modes {
  centers: Float64Array;
  std: number;
}

const SQRT1_2 = Math.SQRT1_2;
/** gan_toy.py's divisor for 8gaussians: the literal 1.414 (not √2), kept for identical data. */
export const EIGHT_SCALE = 1414 / 1000;
const EIGHT = [
  1,
  0,
  -1,
  0,
  0,
  1,
  0,
  -1,
  SQRT1_2,
  SQRT1_2,
  SQRT1_2,
  -SQRT1_2,
  -SQRT1_2,
  SQRT1_2,
  -SQRT1_2,
  -SQRT1_2,
];

/** The modes of a toy set, or undefined for sets without discrete modes (swissroll, twomoons, user points). */
export function toyModes(set: ToySet): Modes | undefined {
  switch (set) {
    case '8gaussians':
      // gan_toy.py: centers scaled by 2, noise std 0.02, everything divided by 1.414.
      return { centers: Float64Array.from(EIGHT, (v) => (2 * v) / EIGHT_SCALE), std: 0.02 / EIGHT_SCALE };
    case '25gaussians': {
      // gan_toy.py: grid {-4,-2,0,2,4}², noise std 0.05, divided by 2.828.
      const centers = new Float64Array(50);
      let k = 0;
      for (let i = -2; i <= 2; i++) {
        for (let j = -2; j <= 2; j++) {
          centers[k++] = (2 * i) / 2.828;
          centers[k++] = (2 * j) / 2.828;
        }
      }
      return { centers, std: 0.05 / 2.828 };
    }
    case 'ring': {
      // PacGAN/VEEGAN ring: 8 modes on the unit circle, std 0.01.
      const centers = new Float64Array(16);
      for (let i = 0; i < 8; i++) {
        centers[2 * i] = Math.cos((2 * Math.PI * i) / 8);
        centers[2 * i + 1] = Math.sin((2 * Math.PI * i) / 8);
      }
      return { centers, std: 0.01 };
    }
    default:
      return undefined;
  }
}

/** `n` seeded samples of a toy set as interleaved x,y pairs. */
export function sampleToy(set: ToySet, n: number, rng: Rng): Float32Array {
  const out = new Float32Array(2 * n);
  const modes = toyModes(set);
  if (modes) {
    const m = modes.centers.length / 2;
    for (let i = 0; i < n; i++) {
      const c = rng.int(m);
      out[2 * i] = modes.centers[2 * c]! + modes.std * rng.normal();
      out[2 * i + 1] = modes.centers[2 * c + 1]! + modes.std * rng.normal();
    }
    return out;
  }
  if (set === 'swissroll') {
    // sklearn make_swiss_roll(noise=0.25), columns 0 and 2, divided by 7.5 (gan_toy.py).
    for (let i = 0; i < n; i++) {
      const t = 1.5 * Math.PI * (1 + 2 * rng.uniform());
      out[2 * i] = (t * Math.cos(t) + 0.25 * rng.normal()) / 7.5;
      out[2 * i + 1] = (t * Math.sin(t) + 0.25 * rng.normal()) / 7.5;
    }
    return out;
  }
  // twomoons: sklearn make_moons (noise 0.05), centred on the origin.
  for (let i = 0; i < n; i++) {
    const theta = Math.PI * rng.uniform();
    const upper = rng.uniform() < 0.5;
    const x = upper ? Math.cos(theta) : 1 - Math.cos(theta);
    const y = upper ? Math.sin(theta) : 0.5 - Math.sin(theta);
    out[2 * i] = x - 0.5 + 0.05 * rng.normal();
    out[2 * i + 1] = y - 0.25 + 0.05 * rng.normal();
  }
  return out;
}

/** A bootstrap sample (with replacement) of `n` points from a user's point set. */
export function samplePoints(points: Float32Array, n: number, rng: Rng): Float32Array {
  const m = points.length / 2;
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const j = rng.int(m);
    out[2 * i] = points[2 * j]!;
    out[2 * i + 1] = points[2 * j + 1]!;
  }
  return out;
}

/** A user point file was malformed; `line` is 1-based. */
export class PointsFileError extends RangeError {
  readonly line: number;
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'PointsFileError';
    this.line = line;
  }
}

/** Reads x,y points from a `.json` file (`[[x,y],…]` or `[{"x":…,"y":…},…]`) or a CSV file (optional header). */
export function loadPoints(file: string): Float32Array {
  const text = readFileSync(file, 'utf8');
  return file.toLowerCase().endsWith('.json') ? parsePointsJson(text, file) : parsePointsCsv(text, file);
}

export function parsePointsCsv(text: string, file = 'points.csv'): Float32Array {
  const values: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(/[,;\t]/).map((c) => c.trim());
    if (values.length === 0 && i === firstContentLine(lines) && cells.some((c) => !isNumber(c))) {
      if (cells.length === 2 && /^x$/i.test(cells[0]!) && /^y$/i.test(cells[1]!)) continue;
      throw new PointsFileError(file, i + 1, `expected a header 'x,y' or two numbers, got '${line}'`);
    }
    if (cells.length !== 2)
      throw new PointsFileError(file, i + 1, `expected 2 columns x,y, got ${cells.length}`);
    for (const c of cells) {
      if (!isNumber(c)) throw new PointsFileError(file, i + 1, `'${c}' is not a finite number`);
      values.push(Number(c));
    }
  }
  if (values.length === 0) throw new PointsFileError(file, 1, 'no points');
  return Float32Array.from(values);
}

export function parsePointsJson(text: string, file = 'points.json'): Float32Array {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const pos = /position (\d+)/.exec(String(err))?.[1];
    const line = pos === undefined ? 1 : lineAt(text, Number(pos));
    throw new PointsFileError(file, line, `invalid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(data))
    throw new PointsFileError(file, 1, 'expected an array of [x, y] pairs or {x, y} objects');
  const lines = elementLines(text);
  const out = new Float32Array(2 * data.length);
  data.forEach((p: unknown, i) => {
    const xy = Array.isArray(p)
      ? p
      : p !== null && typeof p === 'object'
        ? [(p as Record<string, unknown>)['x'], (p as Record<string, unknown>)['y']]
        : [];
    const ok = xy.length === 2 && xy.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!ok) {
      throw new PointsFileError(
        file,
        lines[i] ?? 1,
        `point ${i} must be [x, y] or {x, y} with finite numbers`,
      );
    }
    out[2 * i] = xy[0] as number;
    out[2 * i + 1] = xy[1] as number;
  });
  if (data.length === 0) throw new PointsFileError(file, 1, 'no points');
  return out;
}

function isNumber(s: string): boolean {
  return s !== '' && Number.isFinite(Number(s));
}

function firstContentLine(lines: string[]): number {
  return lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

function lineAt(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The 1-based line on which each element of a top-level JSON array starts (a small scanner; text is valid). */
function elementLines(text: string): number[] {
  const out: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let expecting = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') line++;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (expecting && !/\s/.test(ch) && ch !== ']') {
      out.push(line);
      expecting = false;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      depth++;
      if (depth === 1) expecting = true;
    } else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 1) expecting = true;
  }
  return out;
}

/** A toy set's modes (none for user points) and its seeded sampler, for the trainer and for eval. */
export function toyDataSource(data: string): {
  modes: Modes | undefined;
  sample: (n: number, rng: Rng) => Float32Array;
} {
  if ((TOY_SETS as readonly string[]).includes(data)) {
    const set = data as ToySet;
    return { modes: toyModes(set), sample: (n, rng) => sampleToy(set, n, rng) };
  }
  const points = loadPoints(data);
  return { modes: undefined, sample: (n, rng) => samplePoints(points, n, rng) };
}
