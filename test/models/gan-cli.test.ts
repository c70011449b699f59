import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadMlpFromLayersFiles } from '../../models/layers-io.ts';
import { parseSingleJson, runCli } from '../helpers/cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'gymlab-gan-'));

describe('gymlab train gan', () => {
  it('trains a tiny run and writes config, metrics and layers-format checkpoints', async () => {
    const out = join(tmp(), 'run');
    const r = runCli([
      'train',
      'gan',
      '--variant',
      'wgan-gp',
      '--data',
      '8gaussians',
      '--steps',
      '6',
      '--eval-every',
      '3',
      '--seed',
      '1',
      '--set',
      'hidden=8',
      '--set',
      'batchSize=16',
      '--out',
      out,
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = parseSingleJson(r.stdout);
    expect(Object.keys(json).sort()).toEqual(
      [
        'backend',
        'energyDistance',
        'highQualityRate',
        'modesCovered',
        'runDir',
        'slicedWasserstein',
        'steps',
        'wallSeconds',
      ].sort(),
    );
    expect(json['runDir']).toBe(out);
    expect(json['steps']).toBe(6);
    expect(json['highQualityRate']).toBeGreaterThanOrEqual(0);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.options).toMatchObject({
      variant: 'wgan-gp',
      hidden: 8,
      batchSize: 16,
      gpLambda: 0.1,
      seed: 1,
    });
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([3, 6]);
    expect(Object.keys(lines[1]).sort()).toEqual(
      [
        'step',
        'wall_seconds',
        'losses/d_loss',
        'losses/g_loss',
        'eval/modes_covered',
        'eval/high_quality_rate',
        'eval/energy_distance',
        'eval/sliced_wasserstein',
      ].sort(),
    );
    for (const [name, input, output] of [
      ['generator', 2, 2],
      ['discriminator', 2, 1],
    ] as const) {
      const dir = join(out, 'checkpoints', 'step_6', name);
      const files = {
        modelJson: JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')),
        weightData: new Uint8Array(readFileSync(join(dir, 'weights.bin'))),
      };
      const { shape } = await loadMlpFromLayersFiles(files);
      expect(shape).toEqual({
        inputSize: input,
        hiddenSizes: [8, 8, 8],
        activation: 'relu',
        outputSize: output,
      });
    }
  });

  it('trains on a user points file; rejects bad options and malformed files with status 2', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'pts.csv'), 'x,y\n0,0\n1,1\n');
    const ok = runCli([
      'train',
      'gan',
      '--variant',
      'lsgan',
      '--data',
      join(dir, 'pts.csv'),
      '--steps',
      '2',
      '--set',
      'hidden=4',
      '--set',
      'batchSize=8',
      '--out',
      join(dir, 'r'),
      '--json',
    ]);
    expect(ok.status).toBe(0);
    expect(parseSingleJson(ok.stdout)['modesCovered']).toBeNull();

    const bad = runCli(['train', 'gan', '--variant', 'dcgan', '--data', '8gaussians', '--json']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/variant/);
    const badSet = runCli(['train', 'gan', '--variant', 'gan', '--data', 'ring', '--set', 'lamda=3']);
    expect(badSet.status).toBe(2);
    expect(badSet.stderr).toMatch(/lamda/);
    writeFileSync(join(dir, 'bad.csv'), 'x,y\n0,0\n1,oops\n');
    const badFile = runCli([
      'train',
      'gan',
      '--variant',
      'gan',
      '--data',
      join(dir, 'bad.csv'),
      '--out',
      join(dir, 'r2'),
    ]);
    expect(badFile.status).toBe(2);
    expect(badFile.stderr).toMatch(/bad\.csv:3: 'oops' is not a finite number/);
    expect(existsSync(join(dir, 'r2'))).toBe(false);
  });
});

describe('gymlab bench gan', () => {
  it('prints msPerStep and backend for the DCGAN anchor work', () => {
    const r = runCli(['bench', 'gan', '--steps', '1', '--toy-steps', '1', '--peer', 'off', '--json']);
    expect(r.status).toBe(0);
    const json = parseSingleJson(r.stdout);
    expect(json['backend']).toBe('wasm');
    expect(json['msPerStep']).toBeGreaterThan(0);
    expect(json['toyMsPerStep']).toBeGreaterThan(0);
    expect(json['peerMsPerStep']).toBeNull();
  });
});
