import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';

import { initBackend } from '../../models/backend.ts';
import { loadCycleGanNet, readNetFiles } from '../../models/gan/cyclegan.ts';
import { registerWasmKernels } from '../../models/kernels/register.ts';
import { encodePng } from '../../models/viz/png.ts';
import { parseSingleJson, runCli } from '../helpers/cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'gymlab-cyclegan-'));

/** A folder of `n` 8×8 grey PNGs: a bright square on black whose size depends on `big` (two domains). */
function writeFolder(dir: string, n: number, big: boolean): void {
  mkdirSync(dir, { recursive: true });
  for (let k = 0; k < n; k++) {
    const rgba = new Uint8Array(8 * 8 * 4);
    const r = big ? 3 : 1;
    const cx = 3 + (k % 3) - 1;
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const on = Math.abs(x - cx) <= r && Math.abs(y - 4) <= r;
        rgba.fill(on ? 230 : 10, 4 * (y * 8 + x), 4 * (y * 8 + x) + 3);
        rgba[4 * (y * 8 + x) + 3] = 255;
      }
    }
    writeFileSync(join(dir, `img_${k}.png`), encodePng(8, 8, rgba));
  }
}

const TINY = [
  '--set',
  'size=8',
  '--set',
  'channels=1',
  '--set',
  'ngf=2',
  '--set',
  'ndf=2',
  '--set',
  'batchSize=2',
];

describe('gymlab train cyclegan', () => {
  it('trains a tiny run between two folders and writes config, metrics, checkpoints and samples', async () => {
    // Folders keep the smoke run self-contained: the only classifier (A vs B at 8×8) trains in seconds, and
    // it is cached under the child's working directory (a temp folder), not the repository's.
    const root = tmp();
    writeFolder(join(root, 'small'), 14, false);
    writeFolder(join(root, 'big'), 14, true);
    const out = join(root, 'run');
    const r = runCli(
      [
        'train',
        'cyclegan',
        '--a',
        join(root, 'small'),
        '--b',
        join(root, 'big'),
        '--steps',
        '4',
        '--eval-every',
        '2',
        '--sample-every',
        '2',
        '--seed',
        '1',
        ...TINY,
        '--out',
        out,
        '--json',
      ],
      { cwd: root },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = parseSingleJson(r.stdout);
    expect(Object.keys(json).sort()).toEqual(
      [
        'backend',
        'cycleError',
        'identityPreserved',
        'runDir',
        'steps',
        'targetDomainRate',
        'wallSeconds',
      ].sort(),
    );
    expect(json['runDir']).toBe(out);
    expect(json['steps']).toBe(4);
    expect(json['identityPreserved']).toBeNull(); // folders have no digits
    expect(json['targetDomainRate']).toBeGreaterThanOrEqual(0);
    expect(json['targetDomainRate']).toBeLessThanOrEqual(1);
    expect(json['cycleError']).toBeGreaterThan(0);
    expect(json['cycleError']).toBeLessThan(1);

    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.kind).toBe('cyclegan');
    expect(config.options).toMatchObject({ ngf: 2, ndf: 2, batchSize: 2, size: 8, lambdaCycle: 10, seed: 1 });
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([2, 4]);
    for (const l of lines) {
      expect(Object.keys(l).sort()).toEqual(
        [
          'step',
          'wall_seconds',
          'losses/d_a',
          'losses/d_b',
          'losses/g_adv',
          'losses/cycle',
          'losses/identity',
          'eval/cycle_error',
          'eval/identity_preserved',
          'eval/target_domain_rate',
        ].sort(),
      );
    }
    for (const step of [2, 4]) {
      for (const net of ['g_ab', 'g_ba', 'd_a', 'd_b']) {
        const model = JSON.parse(
          readFileSync(join(out, 'checkpoints', `step_${step}`, net, 'model.json'), 'utf8'),
        );
        expect(model.format).toBe('gymlab-cyclegan');
        expect(existsSync(join(out, 'checkpoints', `step_${step}`, net, 'weights.bin'))).toBe(true);
      }
      const png = readFileSync(join(out, 'samples', `step_${step}.png`));
      expect(Array.from(png.subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
    }
    // The checkpointed generator loads and translates (what `gymlab eval` will do).
    await initBackend('wasm');
    registerWasmKernels();
    const g = await loadCycleGanNet(readNetFiles(join(out, 'checkpoints', 'step_4', 'g_ab')));
    expect(g.shape).toEqual({ kind: 'generator', channels: 1, width: 2, resBlocks: 1 });
    const y = g.forward(tf.zeros([3, 8, 8, 1]));
    expect(y.shape).toEqual([3, 8, 8, 1]);
    expect(Math.max(...Array.from(y.dataSync()).map(Math.abs))).toBeLessThanOrEqual(1);
    y.dispose();
    g.dispose();
  }, 120_000);

  it('rejects bad flags and options with exit 2, naming the field, before creating a run directory', () => {
    const root = tmp();
    const cases: [string[], RegExp][] = [
      [['--a', 'mnist-thin', '--b', 'mnist-thick', '--set', 'lambdaCycle=-1'], /'lambdaCycle'/],
      [['--a', 'mnist-thin', '--b', 'mnist-thick', '--set', 'size=30'], /'size'/],
      [['--a', 'mnist-thin', '--b', 'no-such-domain'], /'b' must be one of/],
      [['--a', 'mnist-thin', '--b', 'mnist-thick', '--steps', '0'], /--steps/],
      [['--a', 'mnist-thin', '--b', 'mnist-thick', '--bogus'], /bogus/],
      [['--b', 'mnist-thick'], /--a is required/],
    ];
    for (const [args, pattern] of cases) {
      const out = join(root, `run-${cases.findIndex((c) => c[0] === args)}`);
      const r = runCli(['train', 'cyclegan', ...args, '--out', out, '--json'], { cwd: root });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stdout).toBe('');
      expect(existsSync(out)).toBe(false);
    }
  }, 60_000);

  it('prints its usage with -h', () => {
    const r = runCli(['train', 'cyclegan', '-h']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/gymlab train cyclegan --a <domain> --b <domain>/);
  });
});
