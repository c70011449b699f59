import { describe, expect, it } from 'vitest';
import { parseSingleJson, runCli } from '../helpers/cli.ts';

describe('gymlab env', () => {
  it('--json prints exactly one object with the documented fields', () => {
    const r = runCli([
      'env',
      'CartPole-v1',
      '--policy',
      'random',
      '--episodes',
      '5',
      '--seed',
      '3',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const out = parseSingleJson(r.stdout);
    expect(Object.keys(out).sort()).toEqual(
      [
        'crashed',
        'env',
        'episodes',
        'landed',
        'meanLength',
        'meanReturn',
        'outOfBounds',
        'policy',
        'stdReturn',
        'stepsPerSecond',
        'truncated',
      ].sort(),
    );
    expect(out['env']).toBe('CartPole-v1');
    expect(out['episodes']).toBe(5);
    // CartPole pays 1 per step: the mean return is the mean length.
    expect(out['meanReturn']).toBeCloseTo(out['meanLength'] as number, 9);
    expect(out['landed']).toBe(0);
  });

  it('is reproducible: the same seed gives the same returns', () => {
    const args = ['env', 'LunarLander-v3', '--policy', 'random', '--episodes', '3', '--seed', '7', '--json'];
    const a = parseSingleJson(runCli(args).stdout);
    const b = parseSingleJson(runCli(args).stdout);
    expect(a['meanReturn']).toBe(b['meanReturn']);
    expect(a['stdReturn']).toBe(b['stdReturn']);
  });

  it('heuristic lander with --option: the readable form shows a summary table', () => {
    const r = runCli(['env', 'LunarLander-v3', '--episodes', '2', '--option', 'rewardWeights.mainEngine=0']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/mean return/);
    expect(r.stdout).toMatch(/landed/);
  });

  it('rejects bad input with a message naming the field and exit status 2', () => {
    const cases: [string[], RegExp][] = [
      [['env', 'Nope-v0'], /unknown env id 'Nope-v0'; valid ids: LunarLander-v3/],
      [['env', 'CartPole-v1', '--episodes', '0'], /--episodes must be an integer in \[1, /],
      [['env', 'CartPole-v1', '--policy', 'smart'], /--policy must be one of heuristic, random/],
      [['env', 'LunarLander-v3', '--option', 'gravity=-15'], /'gravity' must be in \(-12, 0\)/],
      [['env', 'LunarLander-v3', '--option', 'bogus=1'], /unknown field 'bogus'; valid: /],
      [['env', 'CartPole-v1', '--option', 'novalue'], /--option expects key=value/],
      [['env', 'CartPole-v1', '--frobnicate'], /Unknown option '--frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
  });

  it('unknown commands list the valid ones', () => {
    const r = runCli(['bench', 'nothing']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/try: bench env/);
  });
});

describe('gymlab bench env', () => {
  it('--json reports steps/s and a physics fraction per env', () => {
    const r = runCli(['bench', 'env', '--seconds', '0.2', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = parseSingleJson(r.stdout) as { envs: Record<string, unknown>[] };
    const ids = out.envs.map((e) => e['env']);
    expect(ids).toEqual(['LunarLander-v3', 'LunarLanderContinuous-v3', 'CartPole-v1', 'MarsRover-v0']);
    for (const e of out.envs) expect(e['stepsPerSecond']).toBeGreaterThan(100);
    const lander = out.envs[0]!;
    expect(lander['physicsFraction']).toBeGreaterThan(0);
    expect(lander['physicsFraction']).toBeLessThan(1);
    expect(out.envs[2]!['physicsFraction']).toBeNull();
  });
});
