import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSingleJson, runCli } from '../helpers/cli.ts';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gymlab-dqn-cli-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const TRAIN_KEYS = [
  'backend',
  'episodes',
  'meanReturn100',
  'runDir',
  'solved',
  'solvedAtStep',
  'steps',
  'stepsPerSecond',
  'wallSeconds',
];

function readJsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('gymlab train dqn / eval', () => {
  it('trains with a tiny budget, writes the run directory, evaluates and resumes', () => {
    const runDir = join(dir, 'cartpole');
    const train = runCli([
      'train',
      'dqn',
      '--env',
      'CartPole-v1',
      '--steps',
      '1500',
      '--seed',
      '4',
      '--out',
      runDir,
      '--set',
      'learningStarts=100',
      '--set',
      'hiddenSizes=[16,16]',
      '--json',
    ]);
    expect(train.status, train.stderr).toBe(0);
    const out = parseSingleJson(train.stdout);
    expect(Object.keys(out).sort()).toEqual(TRAIN_KEYS);
    expect(out).toMatchObject({
      runDir,
      solved: false,
      solvedAtStep: null,
      steps: 1500,
      backend: 'fused-wasm-simd',
    });
    expect(out['episodes']).toBeGreaterThan(10);

    const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      env: 'CartPole-v1',
      seed: 4,
      steps: 1500,
      numEnvs: 1,
      learner: 'fused-wasm-simd',
    });
    expect(config.options).toMatchObject({ hiddenSizes: [16, 16], learningStarts: 100, gamma: 0.99 });
    const metrics = readJsonl(join(runDir, 'metrics.jsonl'));
    const episode = metrics.find((m) => 'charts/episodic_return' in m)!;
    expect(Object.keys(episode)).toEqual(
      expect.arrayContaining(['step', 'charts/episodic_return', 'charts/episodic_length', 'charts/epsilon']),
    );
    const learning = metrics.find((m) => 'losses/td_loss' in m)!;
    expect(Object.keys(learning)).toEqual(expect.arrayContaining(['step', 'losses/q_values', 'charts/SPS']));
    const latest = JSON.parse(readFileSync(join(runDir, 'checkpoints', 'latest.json'), 'utf8'));
    expect(latest.step).toBe(1500);
    expect(existsSync(join(runDir, 'checkpoints', latest.dir, 'model.json'))).toBe(true);

    const evaluation = runCli(['eval', runDir, '--episodes', '3', '--json']);
    expect(evaluation.status, evaluation.stderr).toBe(0);
    const ev = parseSingleJson(evaluation.stdout);
    expect(Object.keys(ev).sort()).toEqual(['crashed', 'episodes', 'landed', 'meanReturn', 'stdReturn']);
    expect(ev['episodes']).toBe(3);
    expect(ev['meanReturn']).toBeGreaterThan(0);

    const resume = runCli(['train', 'dqn', '--resume', runDir, '--steps', '2000', '--json']);
    expect(resume.status, resume.stderr).toBe(0);
    const resumed = parseSingleJson(resume.stdout);
    expect(resumed['steps']).toBe(2000);
    expect(resumed['episodes']).toBeGreaterThan(out['episodes'] as number);
    const events = readJsonl(join(runDir, 'metrics.jsonl')).filter((m) => 'events' in m);
    expect(events).toEqual([{ step: 1500, events: [{ name: 'resumed', from: null, to: 1500 }] }]);
    expect(JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')).resumes).toHaveLength(1);
  });

  it('trains on the lander with vector envs and a config file; prints a summary table without --json', () => {
    const file = join(dir, 'lander.json');
    writeFileSync(file, JSON.stringify({ hiddenSizes: [32], learningStarts: 64, learner: 'tfjs' }));
    const runDir = join(dir, 'lander');
    const r = runCli([
      'train',
      'dqn',
      '--env',
      'LunarLander-v3',
      '--config',
      file,
      '--num-envs',
      '2',
      '--steps',
      '600',
      '--out',
      runDir,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/run directory +.*lander/);
    expect(r.stdout).toMatch(/steps +600/);
    expect(r.stdout).toMatch(/backend +tfjs-wasm \(tfjs: wasm\)/);
    const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      numEnvs: 2,
      learner: 'tfjs-wasm',
      options: { hiddenSizes: [32], learner: 'tfjs' },
    });
  });

  it('a diverging run stops with a clear failure and exit status 1', () => {
    const runDir = join(dir, 'nan');
    const r = runCli([
      'train',
      'dqn',
      '--env',
      'CartPole-v1',
      '--steps',
      '3000',
      '--out',
      runDir,
      '--json',
      ...['optimizer=sgd', 'learningRate=1', 'momentum=0.99', 'loss=mse', 'learningStarts=100'].flatMap(
        (s) => ['--set', s],
      ),
      ...['learningRateSchedule=constant', 'maxGradNorm=null'].flatMap((s) => ['--set', s]),
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/training failed: (loss|Q-value) NaN.*the network diverged/);
    expect(parseSingleJson(r.stdout)['steps']).toBeLessThan(3000);
    const last = readJsonl(join(runDir, 'metrics.jsonl')).at(-1)!;
    expect(last['events']).toEqual([{ name: 'failed', from: null, to: expect.stringMatching(/diverged/) }]);
  });

  it('rejects bad input with a message naming the field and exit status 2', () => {
    const cases: [string[], RegExp][] = [
      [['train', 'dqn', '--env', 'CartPole-v1', '--set', 'gamma=1'], /'gamma' must be in \[0, 1\) \(got 1\)/],
      [['train', 'dqn', '--env', 'CartPole-v1', '--set', 'tau=0'], /'tau' must be in \(0, 1\]/],
      [
        ['train', 'dqn', '--env', 'CartPole-v1', '--set', 'bogus=1'],
        /unknown field 'bogus'; valid: hiddenSizes/,
      ],
      [['train', 'dqn', '--env', 'Nope-v0'], /unknown env id 'Nope-v0'/],
      [['train', 'dqn'], /--env is required/],
      [
        ['train', 'dqn', '--env', 'CartPole-v1', '--num-envs', '0'],
        /--num-envs must be an integer in \[1, 1024\]/,
      ],
      [['train', 'dqn', '--resume', dir, '--env', 'CartPole-v1'], /--env cannot be combined with --resume/],
      [['train', 'dqn', '--resume', join(dir, 'nothing-here')], /is not a run directory/],
      [
        [
          'train',
          'dqn',
          '--env',
          'LunarLanderContinuous-v3',
          '--steps',
          '10',
          '--out',
          join(dir, 'continuous'),
        ],
        /needs a discrete action space/i,
      ],
      [['train', 'dqn', '--env', 'LunarLander-v3', '--set', 'envOptions.gravity=5'], /'gravity' must be in/],
      [['eval', join(dir, 'nothing-here')], /is not a run directory/],
      [
        ['train', 'dqn', '--env', 'CartPole-v1', '--backend', 'gpu'],
        /backend must be one of auto, tensorflow-gpu/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    }
    // A rejected run leaves no run directory behind.
    expect(existsSync(join(dir, 'continuous'))).toBe(false);
  });
});

describe('gymlab bench dqn', () => {
  it('--json reports the anchor work for both learners and end-to-end steps/s', () => {
    const r = runCli(['bench', 'dqn', '--updates', '40', '--seconds', '0.3', '--peer', 'off', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = parseSingleJson(r.stdout);
    expect(out).toMatchObject({
      backend: 'fused-wasm-simd',
      peer: null,
      peerNote: 'skipped (--peer off)',
      ratioUpdate: null,
      tfjs: { backend: 'tfjs-wasm' },
    });
    for (const key of ['msPerUpdate', 'msPerAct', 'trainStepsPerSecond']) expect(out[key]).toBeGreaterThan(0);
  });
});
