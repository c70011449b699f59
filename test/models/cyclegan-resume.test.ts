import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { Rng } from '../../envs/core/rng.ts';
import { initBackend } from '../../models/backend.ts';
import type { ImageSet } from '../../models/data/mnist.ts';
import { CYCLEGAN_NETS, CycleGanTrainer, type CycleGanTrainerState } from '../../models/gan/cyclegan.ts';
import { ImagePool } from '../../models/gan/history-pool.ts';
import { registerWasmKernels } from '../../models/kernels/register.ts';
import { metricsWithoutWallClock, parseSingleJson, runCli } from '../helpers/cli.ts';

/** `n` random 8×8×1 images in [0, 1]. */
function randomSet(n: number, seed: number): ImageSet {
  const rng = new Rng(seed);
  const images = new Float32Array(n * 64);
  for (let i = 0; i < images.length; i++) images[i] = rng.uniform();
  return { images, labels: null, count: n, height: 8, width: 8, channels: 1 };
}

describe('ImagePool state', () => {
  it('getState / setState carry the stored images and the Rng: the restored pool answers as the original', () => {
    const batch = (k: number) => Float32Array.from({ length: 6 }, (_, i) => 10 * k + i);
    const p = new ImagePool(4, 3, new Rng(1));
    expect(p.getState().images).toHaveLength(0);
    for (let k = 0; k < 3; k++) p.query(batch(k), 2);
    const s = p.getState();
    expect(s.images).toHaveLength(4 * 3);
    // A copy: changing it later leaves the pool alone.
    const saved = { images: s.images.slice(), rng: [...s.rng] };
    s.images.fill(-1);
    const q = new ImagePool(4, 3, new Rng(999));
    q.setState({ images: Float32Array.from(saved.images), rng: saved.rng });
    expect(q.length).toBe(4);
    let swapped = 0;
    for (let k = 3; k < 20; k++) {
      const a = p.query(batch(k), 2);
      expect(q.query(batch(k), 2)).toEqual(a);
      if (a.some((v, i) => v !== batch(k)[i])) swapped++;
    }
    expect(swapped).toBeGreaterThan(0); // the random replacement path ran
    expect(q.getState().images).toEqual(p.getState().images);
    expect(() => q.setState({ images: new Float32Array(5 * 3), rng: saved.rng })).toThrow(/at most 4 images/);
    expect(() => q.setState({ images: new Float32Array(4), rng: saved.rng })).toThrow(/at most 4 images/);
  });
});

describe('CycleGanTrainer saveState / loadState', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    registerWasmKernels();
  });

  it('a trainer loaded from the state (built with another seed) steps exactly as the original; no tensor leaks', async () => {
    const data = { a: randomSet(12, 1), b: randomSet(12, 2) };
    const options = {
      a: 'mnist-thin',
      b: 'mnist-thick',
      size: 8,
      channels: 1 as const,
      ngf: 2,
      ndf: 2,
      batchSize: 2,
      poolSize: 3,
      seed: 5,
    };
    const base = tf.memory().numTensors;
    const t1 = new CycleGanTrainer(options, data);
    let t2: CycleGanTrainer | undefined;
    try {
      for (let i = 0; i < 3; i++) t1.step();
      const held = tf.memory().numTensors;
      const { state, data: bytes } = await t1.saveState();
      expect(tf.memory().numTensors).toBe(held);
      expect(state.steps).toBe(3);
      // 3 steps × batch 2 fakes per pool: both pools are full, and their images are in the float buffer.
      expect(state.pools.a.count).toBe(3);
      expect(state.pools.b.count).toBe(3);
      const names = state.tensors.map((t) => t.name);
      expect(names).toContain('pool_a');
      expect(names).toContain('g_ab/in/w');
      expect(names.some((n) => n.startsWith('dopt/'))).toBe(true);
      t2 = new CycleGanTrainer({ ...options, seed: 99 }, data);
      // Through JSON and a byte copy, as the CLI stores it.
      const disk = JSON.parse(JSON.stringify(state)) as CycleGanTrainerState;
      await t2.loadState(disk, new Uint8Array(bytes));
      expect(t2.steps).toBe(3);
      expect(t2.step()).toEqual(t1.step());
      // Both trainers hold the same tensors: loading left nothing behind.
      expect(tf.memory().numTensors - base).toBe(2 * (held - base));
      for (let i = 0; i < 2; i++) expect(t2.step()).toEqual(t1.step());
      const [c1, c2] = [await t1.checkpoint(), await t2.checkpoint()];
      for (const net of CYCLEGAN_NETS) expect(c2[net].weightData).toEqual(c1[net].weightData);
      const [s1, s2] = [await t1.saveState(), await t2.saveState()];
      expect(s2.state).toEqual(s1.state);
      expect(Buffer.from(s2.data).equals(Buffer.from(s1.data))).toBe(true);
    } finally {
      t1.dispose();
      t2?.dispose();
    }
  });

  it('refuses a state without pools or with other shapes', async () => {
    const data = { a: randomSet(4, 1), b: randomSet(4, 2) };
    const options = { a: 'mnist-thin', b: 'mnist-thick', size: 8, channels: 1 as const, ngf: 2, ndf: 2 };
    const t1 = new CycleGanTrainer(options, data);
    const t2 = new CycleGanTrainer({ ...options, ngf: 3 }, data);
    try {
      t1.step();
      const { state, data: bytes } = await t1.saveState();
      const { pools: _p, ...noPools } = state;
      await expect(t1.loadState(noPools as CycleGanTrainerState, bytes)).rejects.toThrow(/history pools/);
      await expect(t2.loadState(state, bytes)).rejects.toThrow(/'g_ab\/in\/w' missing or shaped/);
    } finally {
      t1.dispose();
      t2.dispose();
    }
  });
});

describe('gymlab train cyclegan --resume', () => {
  // mnist-thin:1 ↔ mnist-thick:1 at 28×28 with 2-channel nets: the MNIST classifier comes from the models
  // directory test/global-setup.ts prepared (GYMLAB_MODELS_DIR); the thin-vs-thick classifier trains there in
  // seconds on first use. poolSize 3 with batch 2 fills the pools by step 2, so resuming needs their state.
  const run = [
    ...['--a', 'mnist-thin:1', '--b', 'mnist-thick:1', '--seed', '3', '--eval-every', '2', '--json'],
    ...['--set', 'ngf=2', '--set', 'ndf=2', '--set', 'batchSize=2', '--set', 'poolSize=3'],
  ];
  const root = mkdtempSync(join(tmpdir(), 'gymlab-cyclegan-resume-'));
  const part = join(root, 'part');

  it('a run stopped at a checkpoint and resumed ends exactly where an uninterrupted run ends', () => {
    const whole = join(root, 'whole');
    const a = runCli(['train', 'cyclegan', ...run, '--steps', '4', '--out', whole]);
    expect(a.status, a.stderr).toBe(0);
    const p = runCli(['train', 'cyclegan', ...run, '--steps', '2', '--out', part]);
    expect(p.status, p.stderr).toBe(0);
    expect(existsSync(join(part, 'checkpoints', 'step_2', 'state.json'))).toBe(true);
    // A line logged after the checkpoint (as by a run killed between checkpoints) is dropped on resume.
    writeFileSync(
      join(part, 'metrics.jsonl'),
      `${readFileSync(join(part, 'metrics.jsonl'), 'utf8')}${JSON.stringify({ step: 3, 'losses/d_a': 9 })}\n`,
    );
    const b = runCli(['train', 'cyclegan', '--resume', part, '--steps', '4', '--json']);
    expect(b.stderr).toBe('');
    expect(b.status).toBe(0);
    const ja = parseSingleJson(a.stdout);
    const jb = parseSingleJson(b.stdout);
    expect(jb['runDir']).toBe(part);
    for (const key of ['steps', 'backend', 'cycleError', 'identityPreserved', 'targetDomainRate']) {
      expect(jb[key], key).toEqual(ja[key]);
    }
    expect(metricsWithoutWallClock(part)).toEqual(metricsWithoutWallClock(whole));
    expect(metricsWithoutWallClock(part).map((l) => l['step'])).toEqual([2, 4]);
    for (const net of ['g_ab', 'g_ba', 'd_a', 'd_b', '']) {
      const file = (dir: string) =>
        readFileSync(join(dir, 'checkpoints', 'step_4', net, net ? 'weights.bin' : 'state.bin'));
      expect(file(part).equals(file(whole)), net || 'state.bin').toBe(true);
    }
    expect(existsSync(join(part, 'samples', 'step_4.png'))).toBe(true);
    const config = JSON.parse(readFileSync(join(part, 'config.json'), 'utf8'));
    expect(config.steps).toBe(4);
    expect(config.options.seed).toBe(3);
    expect(config.resumes).toHaveLength(1);
    expect(config.resumes[0].fromStep).toBe(2);
  }, 60_000);

  it('refuses what it cannot do, with exit 2 and a message naming the problem', () => {
    if (!existsSync(join(part, 'config.json'))) throw new Error('needs the run of the test before');
    const noState = join(root, 'no-state');
    cpSync(part, noState, { recursive: true });
    for (const step of [2, 4]) rmSync(join(noState, 'checkpoints', `step_${step}`, 'state.json'));
    const ganRun = join(root, 'gan-run');
    mkdirSync(ganRun);
    writeFileSync(join(ganRun, 'config.json'), JSON.stringify({ kind: 'gan' }));
    const cases: [string[], RegExp][] = [
      [['--resume', part, '--a', 'mnist'], /--a cannot be combined with --resume/],
      [['--resume', part, '--b', 'mnist'], /--b cannot be combined with --resume/],
      [['--resume', part, '--seed', '1'], /--seed cannot be combined with --resume/],
      [['--resume', part, '--set', 'ngf=4'], /--set cannot be combined with --resume/],
      [['--resume', part, '--out', join(root, 'x')], /--out cannot be combined with --resume/],
      [['--resume', join(root, 'nope')], /is not a run directory \(no config\.json\)/],
      [['--resume', ganRun], /is not a `train cyclegan` run/],
      [['--resume', noState, '--steps', '6'], /has no checkpoint with a trainer state \(state\.json\)/],
      [
        ['--resume', part, '--steps', '4'],
        /--steps must be above the checkpoint's step 4 to resume \(got 4\)/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = runCli(['train', 'cyclegan', ...args, '--json']);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(existsSync(join(root, 'x'))).toBe(false);
  }, 60_000);
});
