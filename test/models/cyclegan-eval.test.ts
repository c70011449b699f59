import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { encodePng } from '../../models/viz/png.ts';
import { type CliResult, parseSingleJson, REPO_ROOT } from '../helpers/cli.ts';

const BIN = join(REPO_ROOT, 'server/cli/gymlab.mjs');

/**
 * Runs the real `gymlab` bin in a child process without blocking (independent runs overlap), in `cwd`, with the
 * classifiers cached under `models` (never the repository's or the user's cache).
 */
function cli(args: string[], cwd: string, models: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd,
        encoding: 'utf8',
        timeout: 90_000,
        env: { ...process.env, FORCE_COLOR: '0', GYMLAB_MODELS_DIR: models },
      },
      (_err, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }),
    );
  });
}

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

const KEYS = [
  'runDir',
  'step',
  'a',
  'b',
  'seed',
  'cycleError',
  'identityPreserved',
  'targetDomainRate',
  'backend',
].sort();

describe('gymlab eval <CycleGAN run>', () => {
  it('recomputes training’s final metrics from the latest checkpoint with both generators; deterministic; errors exit 2', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gymlab-cyclegan-eval-'));
    const models = join(root, 'models');
    const small = join(root, 'small');
    const big = join(root, 'big');
    writeFolder(small, 14, false);
    writeFolder(big, 14, true);
    const run = join(root, 'run');
    // 8×8 folders, tiny nets: the A-vs-B classifier trains in about a second, 4 steps in well under one.
    const train = await cli(
      [
        'train',
        'cyclegan',
        '--a',
        small,
        '--b',
        big,
        '--steps',
        '4',
        '--eval-every',
        '2',
        '--sample-every',
        '4',
        '--seed',
        '1',
        ...[
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
        ],
        '--out',
        run,
        '--json',
      ],
      root,
      models,
    );
    expect(train.stderr).toBe('');
    expect(train.status).toBe(0);
    const trained = parseSingleJson(train.stdout);
    const logged = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number | null>);
    expect(logged.map((l) => l['step'])).toEqual([2, 4]);

    // A copy whose newest checkpoint lacks a generator: evaluation falls back to step 2.
    const partial = join(root, 'partial');
    cpSync(run, partial, { recursive: true });
    rmSync(join(partial, 'checkpoints', 'step_4', 'g_ba'), { recursive: true });
    // A copy whose folder domain a has gone; one with a config and no checkpoint.
    const moved = join(root, 'moved');
    cpSync(run, moved, { recursive: true });
    const gone = join(root, 'small-gone');
    const movedConfig = JSON.parse(readFileSync(join(moved, 'config.json'), 'utf8'));
    movedConfig.options.a = gone;
    writeFileSync(join(moved, 'config.json'), JSON.stringify(movedConfig));
    const empty = join(root, 'empty');
    mkdirSync(empty);
    cpSync(join(run, 'config.json'), join(empty, 'config.json'));
    // A fresh working directory and models cache: the classifier is trained again, with a progress bar.
    const fresh = join(root, 'fresh');
    mkdirSync(fresh);

    const [first, again, seeded, readable, fallback, ...errors] = await Promise.all([
      cli(['eval', run, '--json'], root, models),
      cli(['eval', run, '--json'], root, models),
      cli(['eval', run, '--json', '--seed', '5'], root, models),
      cli(['eval', run], fresh, join(fresh, 'models')),
      cli(['eval', partial, '--json'], root, models),
      cli(['eval', root, '--json'], root, models),
      cli(['eval', empty, '--json'], root, models),
      cli(['eval', moved, '--json'], root, models),
      cli(['eval', run, '--json', '--episodes', '5'], root, models),
      cli(['eval', run, '--json', '--checkpoint', 'best'], root, models),
    ]);

    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const r = parseSingleJson(first.stdout);
    expect(Object.keys(r).sort()).toEqual(KEYS);
    expect(r).toMatchObject({ runDir: run, step: 4, a: small, b: big, seed: 1, identityPreserved: null });
    expect(r['backend']).toBe(trained['backend']);
    // The same generators on the same held-out images with the same classifier: training's final metrics.
    expect(r['cycleError'] as number).toBeCloseTo(trained['cycleError'] as number, 6);
    expect(r['targetDomainRate'] as number).toBeCloseTo(trained['targetDomainRate'] as number, 6);
    expect(r['cycleError']).toBeGreaterThan(0);

    // Deterministic: the same output again; another seed is reported and changes no metric.
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    expect(seeded.status).toBe(0);
    expect(parseSingleJson(seeded.stdout)).toEqual({ ...r, seed: 5 });

    // Readable form: a table; training the classifier on first use shows a progress bar on stderr.
    expect(readable.status).toBe(0);
    expect(readable.stdout).toMatch(/generators at step 4/);
    expect(readable.stdout).toMatch(/cycle error .* 0\.\d{3}/);
    expect(readable.stdout).toContain(`${(100 * (r['targetDomainRate'] as number)).toFixed(1)}%`);
    expect(readable.stderr).toMatch(/100% \| classifier domain classifier .*held-out accuracy/);
    expect(existsSync(join(fresh, 'models'))).toBe(true);

    // Step 4 lacks g_ba in the copy: step 2's generators, reproducing step 2's logged metrics.
    expect(fallback.status).toBe(0);
    const f = parseSingleJson(fallback.stdout);
    expect(f['step']).toBe(2);
    expect(f['cycleError'] as number).toBeCloseTo(logged[0]!['eval/cycle_error']!, 6);
    expect(f['targetDomainRate'] as number).toBeCloseTo(logged[0]!['eval/target_domain_rate']!, 6);

    const expected: RegExp[] = [
      /is not a run directory \(no config\.json\)/,
      /has no CycleGAN checkpoint/,
      new RegExp(
        `domain a = the folder '${gone.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}', which is not found`,
      ),
      /--episodes applies to DQN runs only/,
      /CycleGAN runs have no best\/: --checkpoint must be latest/,
    ];
    errors.forEach((e, i) => {
      expect(e.status, expected[i]!.source).toBe(2);
      expect(e.stdout).toBe('');
      expect(e.stderr).toMatch(/^gymlab eval: /);
      expect(e.stderr).toMatch(expected[i]!);
    });
  }, 90_000);

  it('mentions CycleGAN runs in its usage', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gymlab-cyclegan-eval-'));
    const r = await cli(['eval', '-h'], REPO_ROOT, join(root, 'models'));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/CycleGAN run/);
    expect(r.stdout).toMatch(/cycleError, identityPreserved, targetDomainRate/);
  });
});
