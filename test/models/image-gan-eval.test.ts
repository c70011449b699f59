import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseSingleJson, runCli } from '../helpers/cli.ts';

// The MNIST classifier comes from the models directory test/global-setup.ts prepared (GYMLAB_MODELS_DIR).
describe('gymlab eval on an image GAN run', () => {
  it('recomputes IS, Fréchet distance and coverage from the latest generator; seeded; errors exit 2', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gymlab-image-eval-')), 'run');
    const train = runCli([
      'train',
      'gan',
      '--variant',
      'lsgan',
      '--data',
      'mnist:3,7',
      '--steps',
      '4',
      '--seed',
      '2',
      '--eval-every',
      '2',
      '--set',
      'gChannels=4',
      '--set',
      'dChannels=4',
      '--set',
      'evalSamples=200',
      '--out',
      out,
      '--json',
    ]);
    expect(train.status, train.stderr).toBe(0);
    const trained = parseSingleJson(train.stdout);

    const first = runCli(['eval', out, '--json']);
    expect(first.status, first.stderr).toBe(0);
    const a = parseSingleJson(first.stdout);
    expect(Object.keys(a).sort()).toEqual(
      [
        'backend',
        'classCoverage',
        'data',
        'frechetDistance',
        'inceptionScore',
        'runDir',
        'seed',
        'step',
        'variant',
      ].sort(),
    );
    expect(a).toMatchObject({ step: 4, variant: 'lsgan', data: 'mnist:3,7', seed: 2, backend: 'wasm' });
    // Same generator, other noise draws than training's own evaluation: close, not equal.
    expect(a['inceptionScore'] as number).toBeGreaterThanOrEqual(1);
    expect(Math.abs((a['inceptionScore'] as number) - (trained['inceptionScore'] as number))).toBeLessThan(
      0.5,
    );
    expect(Math.abs((a['classCoverage'] as number) - (trained['classCoverage'] as number))).toBeLessThan(
      0.15,
    );
    // Deterministic for a seed; another seed draws other samples.
    expect(runCli(['eval', out, '--json']).stdout).toBe(first.stdout);
    const other = parseSingleJson(runCli(['eval', out, '--json', '--seed', '9']).stdout);
    expect(other['seed']).toBe(9);
    expect(other['frechetDistance']).not.toBe(a['frechetDistance']);

    // Readable form.
    const table = runCli(['eval', out]);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/inception score/);

    // The newest checkpoint loses its generator: eval falls back to the one before.
    rmSync(join(out, 'checkpoints', 'step_4', 'generator'), { recursive: true });
    expect(parseSingleJson(runCli(['eval', out, '--json']).stdout)['step']).toBe(2);
    rmSync(join(out, 'checkpoints'), { recursive: true });
    const none = runCli(['eval', out, '--json']);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/has no GAN checkpoint/);
    expect(none.stdout).toBe('');
  }, 180_000);

  it('scores a class-conditional run with classes drawn like its training labels', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gymlab-image-eval-')), 'run');
    const train = runCli([
      ...['train', 'gan', '--variant', 'gan', '--data', 'mnist:0,1', '--steps', '3', '--seed', '2', '--json'],
      ...['--set', 'conditional=true', '--set', 'gChannels=4', '--set', 'dChannels=4'],
      ...['--set', 'evalSamples=200', '--out', out],
    ]);
    expect(train.status, train.stderr).toBe(0);
    const trained = parseSingleJson(train.stdout);
    const r = runCli(['eval', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const a = parseSingleJson(r.stdout);
    expect(a).toMatchObject({ step: 3, data: 'mnist:0,1' });
    expect(Math.abs((a['inceptionScore'] as number) - (trained['inceptionScore'] as number))).toBeLessThan(
      0.5,
    );
  }, 120_000);
});
