import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { metricsWithoutWallClock, parseSingleJson, runCli } from '../helpers/cli.ts';

const tiny = ['--variant', 'sngan', '--data', '8gaussians', '--seed', '4', '--set', 'hidden=8'];
const more = ['--set', 'batchSize=16', '--set', 'lrDecaySteps=6', '--eval-every', '3', '--json'];

describe('gymlab train gan --resume', () => {
  it('a run stopped at a checkpoint and resumed ends exactly where an uninterrupted run ends', () => {
    const root = mkdtempSync(join(tmpdir(), 'gymlab-gan-resume-'));
    const whole = join(root, 'whole');
    const a = runCli(['train', 'gan', ...tiny, ...more, '--steps', '6', '--out', whole]);
    expect(a.status).toBe(0);
    const part = join(root, 'part');
    expect(runCli(['train', 'gan', ...tiny, ...more, '--steps', '3', '--out', part]).status).toBe(0);
    const b = runCli(['train', 'gan', '--resume', part, '--steps', '6', '--json']);
    expect(b.stderr).toBe('');
    expect(b.status).toBe(0);
    const ja = parseSingleJson(a.stdout);
    const jb = parseSingleJson(b.stdout);
    for (const key of ['steps', 'modesCovered', 'highQualityRate', 'energyDistance', 'slicedWasserstein']) {
      expect(jb[key]).toEqual(ja[key]);
    }
    expect(jb['runDir']).toBe(part);
    expect(metricsWithoutWallClock(part)).toEqual(metricsWithoutWallClock(whole));
    const config = JSON.parse(readFileSync(join(part, 'config.json'), 'utf8'));
    expect(config.steps).toBe(6);
    expect(config.resumes).toHaveLength(1);
    expect(config.resumes[0].fromStep).toBe(3);
  });

  it('image runs (conditional, with a weight average) resume to the uninterrupted result too', {
    timeout: 240_000,
  }, () => {
    // The MNIST classifier comes from the models directory test/global-setup.ts prepared (GYMLAB_MODELS_DIR).
    const image = [
      ...['--variant', 'gan', '--data', 'mnist:1,7', '--seed', '6', '--eval-every', '2', '--json'],
      ...['--set', 'gChannels=4', '--set', 'dChannels=4', '--set', 'batchSize=16', '--set', 'evalSamples=64'],
      ...['--set', 'conditional=true', '--set', 'gEma=0.9', '--set', 'minibatchStd=true'],
    ];
    const root = mkdtempSync(join(tmpdir(), 'gymlab-gan-resume-'));
    const whole = join(root, 'whole');
    const a = runCli(['train', 'gan', ...image, '--steps', '4', '--out', whole]);
    expect(a.status, a.stderr).toBe(0);
    const part = join(root, 'part');
    expect(runCli(['train', 'gan', ...image, '--steps', '2', '--out', part]).status).toBe(0);
    const b = runCli(['train', 'gan', '--resume', part, '--steps', '4', '--json']);
    expect(b.status, b.stderr).toBe(0);
    const ja = parseSingleJson(a.stdout);
    const jb = parseSingleJson(b.stdout);
    for (const key of ['steps', 'inceptionScore', 'frechetDistance', 'classCoverage']) {
      expect(jb[key], key).toEqual(ja[key]);
    }
    expect(metricsWithoutWallClock(part)).toEqual(metricsWithoutWallClock(whole));
    const weights = (dir: string) =>
      readFileSync(join(dir, 'checkpoints', 'step_4', 'generator', 'weights.bin'));
    expect(weights(part).equals(weights(whole))).toBe(true);
  });

  it('refuses what it cannot do, with exit 2 and a message naming the problem', () => {
    const root = mkdtempSync(join(tmpdir(), 'gymlab-gan-resume-'));
    const run = join(root, 'run');
    expect(runCli(['train', 'gan', ...tiny, ...more, '--steps', '3', '--out', run]).status).toBe(0);
    const cases: [string[], RegExp][] = [
      [['--resume', run, '--variant', 'gan'], /--variant cannot be combined with --resume/],
      [['--resume', join(root, 'nope')], /is not a run directory \(no config.json\)/],
      [['--resume', run, '--steps', '3'], /--steps must be above the checkpoint's step 3/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(['train', 'gan', ...args]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
