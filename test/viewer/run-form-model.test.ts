import { describe, expect, it } from 'vitest';
import { dqnOptionsSchema, PRESETS, resolveDqnOptions } from '../../agents/dqn/options.ts';
import { DEFAULT_REWARD_WEIGHTS } from '../../envs/lunar-lander/options.ts';
import {
  buildRunConfig,
  dqnFields,
  envFields,
  type FormField,
  parseField,
  validateRunConfig,
} from '../../viewer/src/state/run-form-model.ts';

const field = (fields: FormField[], key: string) => fields.find((f) => f.key === key)!;

describe('run form model', () => {
  it('offers every DQN option (from the same schema the server validates with) with the preset’s defaults', () => {
    const lander = dqnFields('LunarLander-v3');
    const keys = lander.map((f) => f.key);
    for (const k of Object.keys(dqnOptionsSchema.shape)) if (k !== 'envOptions') expect(keys).toContain(k);
    expect(keys.slice(0, 3)).toEqual(['steps', 'seed', 'numEnvs']);
    expect(field(lander, 'gamma').defaultValue).toBe(0.995);
    expect(field(lander, 'steps').defaultValue).toBe(PRESETS['LunarLander-v3']!.steps);
    // Each env's preset, resolved exactly as the server resolves it.
    const cart = dqnFields('CartPole-v1');
    const preset = resolveDqnOptions('CartPole-v1') as unknown as Record<string, unknown>;
    for (const f of cart.slice(3)) expect(f.defaultValue).toEqual(preset[f.key]);
    expect(field(cart, 'gamma').defaultValue).toBe(0.99);
    expect(field(cart, 'loss')).toMatchObject({ kind: 'enum', options: ['mse', 'huber'] });
    expect(field(cart, 'hiddenSizes').kind).toBe('intList');
    expect(field(cart, 'maxGradNorm').kind).toBe('nullableNumber');
  });

  it('lists the env’s reward weights with their defaults, and its other options', () => {
    const fields = envFields('LunarLander-v3', { ...DEFAULT_REWARD_WEIGHTS });
    expect(fields.filter((f) => f.group === 'Reward weights').map((f) => [f.label, f.defaultValue])).toEqual(
      Object.entries(DEFAULT_REWARD_WEIGHTS),
    );
    expect(fields.map((f) => f.key)).toEqual(
      expect.arrayContaining(['env.gravity', 'env.enableWind', 'env.windPower']),
    );
    expect(fields.map((f) => f.key)).not.toContain('env.continuous');
    expect(envFields('MarsRover-v0', null).map((f) => f.key)).toEqual(
      expect.arrayContaining(['env.misstepProbability']),
    );
  });

  it('parses typed text per field kind, naming what is expected', () => {
    const f = dqnFields('LunarLander-v3');
    expect(parseField(field(f, 'hiddenSizes'), '32, 16')).toEqual({ value: [32, 16] });
    expect(parseField(field(f, 'hiddenSizes'), '32, x')).toEqual({ error: 'a list of numbers, e.g. 64, 64' });
    expect(parseField(field(f, 'batchSize'), '6.5')).toEqual({ error: 'a whole number' });
    expect(parseField(field(f, 'gamma'), '')).toEqual({ error: 'required' });
    expect(parseField(field(f, 'maxGradNorm'), '')).toEqual({ value: null });
    expect(parseField(field(f, 'doubleDqn'), true)).toEqual({ value: true });
  });

  it('sends only what differs from the preset (plus the run fields), with env options nested', () => {
    const fields = [
      ...dqnFields('LunarLander-v3'),
      ...envFields('LunarLander-v3', { ...DEFAULT_REWARD_WEIGHTS }),
    ];
    const values: Record<string, unknown> = Object.fromEntries(fields.map((f) => [f.key, f.defaultValue]));
    values['gamma'] = 0.9;
    values['env.rewardWeights.mainEngine'] = 0;
    values['env.gravity'] = -5;
    expect(buildRunConfig('LunarLander-v3', fields, values)).toEqual({
      env: 'LunarLander-v3',
      steps: PRESETS['LunarLander-v3']!.steps,
      seed: 0,
      numEnvs: 1,
      gamma: 0.9,
      envOptions: { gravity: -5, rewardWeights: { mainEngine: 0 } },
    });
  });

  it('validates as the server does and attaches each problem to its field', () => {
    expect(validateRunConfig({ env: 'LunarLander-v3', steps: 1000 })).toEqual({});
    expect(validateRunConfig({ env: 'LunarLander-v3', gamma: 1.5 })).toEqual({
      gamma: 'must be in [0, 1) (got 1.5)',
    });
    expect(validateRunConfig({ env: 'LunarLander-v3', numEnvs: 100 })['numEnvs']).toMatch(/≤ 64|at most/);
    expect(
      validateRunConfig({ env: 'LunarLander-v3', epsilonStart: 0.1, epsilonEnd: 0.5 })['epsilonEnd'],
    ).toMatch(/must be ≤ 'epsilonStart'/);
    expect(validateRunConfig({ env: 'LunarLander-v3', envOptions: { gravity: 3 } })).toEqual({
      'env.gravity': 'must be in (-12, 0) (got 3)',
    });
  });
});
