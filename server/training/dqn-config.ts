import { PRESETS, resolveDqnOptions } from '../../agents/dqn/options.ts';
import type { TrainerConfig } from '../../agents/dqn/trainer.ts';
import { OptionsError, parseWith } from '../../envs/core/options.ts';
import { Discrete } from '../../envs/core/spaces.ts';
import { ENV_IDS, envSpec } from '../../envs/registry.ts';
import type { RunConfig } from '../run-store/run-store.ts';

/** What `createRun`'s config (or `gymlab train dqn`'s flags) names: env, seed, budget, envs, and DQN options. */
export interface DqnRunRequest {
  env: string;
  seed?: number;
  steps?: number;
  numEnvs?: number;
  /** DQN options (agents/dqn/options.ts), layered over the env's preset like a `--config` file. */
  options?: Record<string, unknown>;
}

/**
 * The trainer config `gymlab train dqn --env … --seed … --steps … --num-envs … --config/--set …` would build:
 * the same defaults (seed 0, one env, the preset's step budget), the same option layering and validation
 * (`resolveDqnOptions`, then the env's own options schema). Throws OptionsError or RangeError naming the
 * field; nothing is created.
 */
export function resolveDqnRun(
  request: DqnRunRequest,
  ...laterOptionLayers: Record<string, unknown>[]
): TrainerConfig {
  const { env: envId, seed = 0, numEnvs = 1, options = {} } = request;
  if (!ENV_IDS.includes(envId)) {
    throw new OptionsError('run config', [
      `'env' must be one of ${ENV_IDS.join(', ')} (got ${JSON.stringify(envId)})`,
    ]);
  }
  const issues: string[] = [];
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1)
    issues.push(`'seed' must be an integer in [0, 2147483647]`);
  if (!Number.isInteger(numEnvs) || numEnvs < 1 || numEnvs > 1024)
    issues.push(`'numEnvs' must be an integer in [1, 1024]`);
  if (request.steps !== undefined && (!Number.isInteger(request.steps) || request.steps < 1)) {
    issues.push(`'steps' must be an integer ≥ 1`);
  }
  if (issues.length > 0) throw new OptionsError('run config', issues);
  const spec = envSpec(envId);
  // DQN needs discrete actions: say so before anything is written (a probe env is cheap to build).
  const probe = spec.create({});
  const discrete = probe.actionSpace instanceof Discrete;
  probe.close();
  if (!discrete) {
    throw new OptionsError('run config', [
      `'env' ${envId} has continuous actions; DQN needs a discrete action space (${discreteEnvIds().join(', ')})`,
    ]);
  }
  const resolved = resolveDqnOptions(envId, options, ...laterOptionLayers);
  parseWith(spec.optionsSchema, resolved.envOptions, `options for ${envId}`);
  const totalSteps = request.steps ?? PRESETS[envId]?.steps ?? 100_000;
  return { envId, options: resolved, seed, numEnvs, totalSteps };
}

export function discreteEnvIds(): string[] {
  return ENV_IDS.filter((id) => {
    const env = envSpec(id).create({});
    const ok = env.actionSpace instanceof Discrete;
    env.close();
    return ok;
  });
}

/** config.json of a new run, from the CLI or the server: `command` is how to train the same run headless. */
export function newRunConfig(
  config: TrainerConfig,
  command: string[],
  backend: { requested?: string; tfjs: string | null },
  now = new Date(),
): RunConfig {
  return {
    algorithm: 'dqn',
    env: config.envId,
    seed: config.seed,
    steps: config.totalSteps,
    numEnvs: config.numEnvs,
    backend: { requested: backend.requested ?? process.env['GYMLAB_BACKEND'] ?? 'auto', tfjs: backend.tfjs },
    learner: '',
    options: config.options,
    presetNote: PRESETS[config.envId]?.note ?? null,
    createdAt: now.toISOString(),
    command,
    resumes: [],
  };
}

/**
 * config.json for a run the server creates. `command` is the `gymlab train dqn` line that trains the same run
 * headless (same seed, options and budget), so any server run can be reproduced from the CLI.
 */
export function runConfigFor(
  config: TrainerConfig,
  given: Record<string, unknown>,
  now = new Date(),
): RunConfig {
  const set = Object.entries(given).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const command = [
    'gymlab',
    'train',
    'dqn',
    '--env',
    config.envId,
    '--seed',
    String(config.seed),
    '--steps',
    String(config.totalSteps),
    '--num-envs',
    String(config.numEnvs),
    ...set.flatMap((s) => ['--set', s]),
  ];
  return newRunConfig(config, command, { tfjs: null }, now);
}

/** The trainer config a run's config.json describes (for a run that has no checkpoint yet). */
export function trainerConfigOf(run: RunConfig, totalSteps?: number): TrainerConfig {
  return {
    envId: run.env,
    options: resolveDqnOptions(run.env, run.options as unknown as Record<string, unknown>),
    seed: run.seed,
    numEnvs: run.numEnvs,
    totalSteps: totalSteps ?? run.steps,
  };
}
