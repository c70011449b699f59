import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { toyModes } from '../../models/data/toy.ts';
import { loadMlpFromLayersFiles, mlpToLayersFiles } from '../../models/layers-io.ts';
import { type CliResult, parseSingleJson, REPO_ROOT } from '../helpers/cli.ts';

const BIN = join(REPO_ROOT, 'server/cli/gymlab.mjs');

/** Runs the real `gymlab` bin in a child process without blocking, so independent runs overlap. */
function cli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, FORCE_COLOR: '0' } },
      (_err, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }),
    );
  });
}

const KEYS = [
  'runDir',
  'step',
  'variant',
  'data',
  'modesCovered',
  'highQualityRate',
  'energyDistance',
  'slicedWasserstein',
  'backend',
].sort();

/** Rewrites a checkpoint's generator so every sample lands on one point: a fully mode-collapsed generator. */
async function collapseGenerator(dir: string, at: [number, number]): Promise<void> {
  const files = {
    modelJson: JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')),
    weightData: new Uint8Array(readFileSync(join(dir, 'weights.bin'))),
  };
  const { shape, weights } = await loadMlpFromLayersFiles(files);
  const collapsed = weights.map((w, i) =>
    i === weights.length - 1 ? Float32Array.from(at) : new Float32Array(w.length),
  );
  const out = await mlpToLayersFiles(shape, collapsed);
  writeFileSync(join(dir, 'weights.bin'), out.weightData);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(out.modelJson));
}

describe('gymlab eval <GAN run>', () => {
  it('recomputes the latest generator’s toy metrics: deterministic, close to training’s, worse when collapsed; errors exit 2', async () => {
    const dir = tmp();
    const run = join(dir, 'run');
    const pointsRun = join(dir, 'points-run');
    const points = join(dir, 'pts.csv');
    writeFileSync(points, 'x,y\n0,0\n1,1\n0,1\n');
    const [train, trainPoints] = await Promise.all([
      // lr 2e-3, 100 steps: enough for the 3×64 generator to spread over several of the 8 modes (~4 s).
      cli([
        'train',
        'gan',
        '--variant',
        'gan',
        '--data',
        '8gaussians',
        '--steps',
        '100',
        '--eval-every',
        '50',
        '--seed',
        '3',
        '--set',
        'hidden=64',
        '--set',
        'batchSize=64',
        '--set',
        'lr=2e-3',
        '--out',
        run,
        '--json',
      ]),
      cli([
        'train',
        'gan',
        '--variant',
        'lsgan',
        '--data',
        points,
        '--steps',
        '2',
        '--set',
        'hidden=4',
        '--set',
        'batchSize=8',
        '--out',
        pointsRun,
        '--json',
      ]),
    ]);
    expect(train.status, train.stderr).toBe(0);
    expect(trainPoints.status, trainPoints.stderr).toBe(0);
    const trained = parseSingleJson(train.stdout);

    // The same run with its generator collapsed onto one mode.
    const collapsedRun = join(dir, 'collapsed');
    cpSync(run, collapsedRun, { recursive: true });
    const mode = toyModes('8gaussians')!.centers;
    await collapseGenerator(join(collapsedRun, 'checkpoints', 'step_100', 'generator'), [mode[0]!, mode[1]!]);
    // A points run whose points file has gone; a GAN run without checkpoints; a run of another kind.
    const gone = join(dir, 'gone');
    cpSync(pointsRun, gone, { recursive: true });
    const goneConfig = JSON.parse(readFileSync(join(gone, 'config.json'), 'utf8'));
    goneConfig.options.data = join(dir, 'missing.csv');
    writeFileSync(join(gone, 'config.json'), JSON.stringify(goneConfig));
    const bare = join(dir, 'bare');
    mkdirSync(bare);
    cpSync(join(run, 'config.json'), join(bare, 'config.json'));
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'config.json'), JSON.stringify({ kind: 'vae', options: {} }));

    const errorCases: [string[], RegExp][] = [
      [['eval', run, '--checkpoint', 'best'], /GAN runs have no best\//],
      [['eval', run, '--episodes', '5'], /--episodes applies to DQN runs only/],
      [['eval', bare, '--json'], /has no GAN checkpoint/],
      [['eval', other, '--json'], /neither a DQN run .* nor a GAN run/],
      [['eval', gone, '--json'], /missing\.csv', which is not found/],
    ];
    const [r, again, table, collapsed, pointsEval, ...errors] = await Promise.all([
      cli(['eval', run, '--json']),
      cli(['eval', run, '--json', '--seed', '3']),
      cli(['eval', run]),
      cli(['eval', collapsedRun, '--json']),
      cli(['eval', pointsRun, '--json', '--seed', '7']),
      ...errorCases.map(([args]) => cli(args)),
    ]);

    expect(r!.stderr).toBe('');
    expect(r!.status).toBe(0);
    const json = parseSingleJson(r!.stdout);
    expect(Object.keys(json).sort()).toEqual(KEYS);
    expect(json).toMatchObject({
      runDir: run,
      step: 100,
      variant: 'gan',
      data: '8gaussians',
      backend: 'wasm',
    });
    // The default seed is the run's; the same seed gives the same output, byte for byte.
    expect(again!.stdout).toBe(r!.stdout);
    // Training's final metrics use the same held-out real set (the run's seed) but the trainer's own noise
    // stream, so they agree only up to sampling error (2,500 samples).
    expect(json['energyDistance'] as number).toBeCloseTo(trained['energyDistance'] as number, 1);
    expect(json['slicedWasserstein'] as number).toBeCloseTo(trained['slicedWasserstein'] as number, 1);
    expect(json['modesCovered']).toBeGreaterThanOrEqual(2);

    // Collapsed onto one mode: every sample is high quality, yet one mode is covered and the distances are
    // far worse than the trained generator's.
    const c = parseSingleJson(collapsed!.stdout);
    expect(c['modesCovered']).toBe(1);
    expect(c['highQualityRate']).toBe(1);
    expect(c['energyDistance'] as number).toBeGreaterThan((json['energyDistance'] as number) + 0.5);
    expect(c['slicedWasserstein'] as number).toBeGreaterThan(json['slicedWasserstein'] as number);

    expect(table!.status).toBe(0);
    expect(table!.stdout).toMatch(/8gaussians · gan · generator at step 100 · seed 3/);
    expect(table!.stdout).toMatch(/energy distance/);

    // A user points file is read from the path the run's config records; no modes, so no mode metrics.
    const p = parseSingleJson(pointsEval!.stdout);
    expect(p).toMatchObject({
      step: 2,
      variant: 'lsgan',
      data: points,
      modesCovered: null,
      highQualityRate: null,
    });
    expect(p['energyDistance']).toBeTypeOf('number');

    errorCases.forEach(([args, message], i) => {
      const e = errors[i]!;
      expect(e.status, args.join(' ')).toBe(2);
      expect(e.stderr, args.join(' ')).toMatch(message);
      expect(e.stdout).toBe('');
    });
  }, 60_000);
});

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'gymlab-gan-eval-'));
}
