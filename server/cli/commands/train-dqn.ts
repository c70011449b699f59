import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DqnTrainer, TrainerConfig, TrainSummary } from '../../../agents/dqn/trainer.ts';
import { ENV_IDS, envSpec } from '../../../envs/registry.ts';
import { parseBackendChoice } from '../../../models/backend-choices.ts';
import type { RunStore } from '../../run-store/run-store.ts';
import { newRunConfig, resolveDqnRun } from '../../training/dqn-config.ts';
import { intFlag, keyValuePairs, parseFlags, UsageError } from '../args.ts';
import { fmtNum, printJson, printTable, progressBar } from '../output.ts';
import { TRAIN_DQN_USAGE } from './dqn-usage.ts';

/** The keys of the one JSON object `--json` prints. */
export interface TrainResultJson {
  runDir: string;
  solved: boolean;
  solvedAtStep: number | null;
  steps: number;
  episodes: number;
  meanReturn100: number | null;
  wallSeconds: number;
  stepsPerSecond: number;
  backend: string;
}

export async function trainDqnCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    env: { type: 'string' },
    config: { type: 'string' },
    set: { type: 'string', multiple: true, default: [] },
    seed: { type: 'string' },
    steps: { type: 'string' },
    out: { type: 'string' },
    'num-envs': { type: 'string' },
    resume: { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(`${TRAIN_DQN_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const steps = intFlag(values.steps, 'steps', 1, 1_000_000_000);
  if (values.backend !== undefined) parseBackendChoice(values.backend);
  // Everything above and the option checks below run before TensorFlow.js loads, so mistakes fail fast.
  const load = async () => {
    const [{ initBackend }, { DqnTrainer }, { RunStore, defaultRunDir }] = await Promise.all([
      import('../../../models/backend.ts'),
      import('../../../agents/dqn/trainer.ts'),
      import('../../run-store/run-store.ts'),
    ]);
    return { backend: await initBackend(values.backend), DqnTrainer, RunStore, defaultRunDir };
  };
  let backend: Awaited<ReturnType<typeof load>>['backend'];
  let store: RunStore;
  let trainer: DqnTrainer;

  if (values.resume !== undefined) {
    for (const flag of ['env', 'config', 'seed', 'out', 'num-envs'] as const) {
      if (values[flag] !== undefined) {
        throw new UsageError(`--${flag} cannot be combined with --resume (it comes from the run)`);
      }
    }
    if (values.set.length > 0) {
      throw new UsageError('--set cannot be combined with --resume (options come from the run)');
    }
    if (!existsSync(join(values.resume, 'config.json'))) {
      throw new RangeError(`${values.resume} is not a run directory (no config.json)`);
    }
    const loaded = await load();
    backend = loaded.backend;
    store = loaded.RunStore.open(values.resume);
    const runConfig = store.readConfig();
    const { snapshot } = await store.latestCheckpoint();
    snapshot.config = { ...snapshot.config, totalSteps: steps ?? runConfig.steps, backend: values.backend };
    trainer = await loaded.DqnTrainer.restore(snapshot, store.callbacks());
    const resumed = { at: new Date().toISOString(), step: trainer.steps, steps: snapshot.config.totalSteps };
    store.writeConfig({
      ...runConfig,
      steps: snapshot.config.totalSteps,
      resumes: [...runConfig.resumes, resumed],
    });
    store.metrics.write({
      step: trainer.steps,
      events: [{ name: 'resumed', from: null, to: trainer.steps }],
    });
  } else {
    if (values.env === undefined) throw new UsageError(`--env is required; ids: ${ENV_IDS.join(', ')}`);
    const envId = values.env;
    envSpec(envId);
    const seed = intFlag(values.seed ?? '0', 'seed', 0, 2 ** 31 - 1)!;
    const numEnvs = intFlag(values['num-envs'] ?? '1', 'num-envs', 1, 1024)!;
    const fileOptions = values.config === undefined ? {} : readConfigFile(values.config);
    // The same resolution and validation as the server's createRun: all before a run directory exists.
    const config: TrainerConfig = {
      ...resolveDqnRun(
        { env: envId, seed, steps, numEnvs, options: fileOptions },
        keyValuePairs(values.set, 'set'),
      ),
      backend: values.backend,
    };
    const loaded = await load();
    backend = loaded.backend;
    const dir = values.out ?? loaded.defaultRunDir(envId, seed);
    // The trainer first: an env it cannot train on fails before a run directory is created.
    trainer = await loaded.DqnTrainer.create(config);
    const command = ['gymlab', 'train', 'dqn', ...argv];
    store = loaded.RunStore.create(
      dir,
      newRunConfig(config, command, { requested: values.backend, tfjs: backend.name }),
    );
    trainer.setCallbacks(store.callbacks());
    store.writeConfig({ ...store.readConfig(), learner: trainer.agent.learner.backend });
  }

  const total = trainer.config.totalSteps;
  const bar = progressBar(
    !values.json,
    total,
    'step {value}/{total} | ep {episodes} | mean100 {mean} | ε {eps} | {sps} steps/s',
  );
  const tick = () =>
    bar.update(trainer.steps, {
      episodes: trainer.episodes,
      mean: trainer.meanReturn100 === null ? '–' : trainer.meanReturn100.toFixed(1),
      eps: trainer.agent.epsilon.toFixed(3),
      sps: Math.round(trainer.stepsPerSecond),
    });
  tick();
  const timer = setInterval(tick, 250);
  // Ctrl-C stops at the next step; the final checkpoint is still written.
  const onSignal = () => trainer.stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let summary: TrainSummary;
  try {
    summary = await trainer.run();
  } finally {
    clearInterval(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    store.metrics.flush();
  }
  tick();
  bar.stop();
  trainer.close();

  const result: TrainResultJson = {
    runDir: store.dir,
    solved: summary.solved,
    solvedAtStep: summary.solvedAtStep,
    steps: summary.steps,
    episodes: summary.episodes,
    meanReturn100: summary.meanReturn100,
    wallSeconds: summary.wallSeconds,
    stepsPerSecond: summary.stepsPerSecond,
    backend: summary.backend,
  };
  if (summary.status === 'failed') {
    store.metrics.write({ step: summary.steps, events: [{ name: 'failed', from: null, to: summary.error }] });
    store.metrics.flush();
    process.stderr.write(`gymlab train dqn: training failed: ${summary.error}\n`);
  }
  if (values.json) {
    printJson(result);
  } else {
    printTable(`${trainer.config.envId} · DQN · seed ${trainer.config.seed} · ${summary.status}`, [
      ['run directory', result.runDir],
      ['solved', result.solved ? `yes, at step ${fmtNum(result.solvedAtStep!)}` : 'no'],
      ['steps', result.steps],
      ['episodes', result.episodes],
      ['mean return (100 ep.)', result.meanReturn100 === null ? '–' : fmtNum(result.meanReturn100)],
      ['best mean (100 ep.)', summary.bestMeanReturn100 === null ? '–' : fmtNum(summary.bestMeanReturn100)],
      ['wall time', `${fmtNum(result.wallSeconds)} s`],
      ['steps/s', Math.round(result.stepsPerSecond)],
      ['backend', `${result.backend} (tfjs: ${backend.name})`],
    ]);
  }
  return summary.status === 'failed' ? 1 : 0;
}

function readConfigFile(path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`--config ${path}: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`--config ${path}: expected a JSON object of DQN options`);
  }
  return value as Record<string, unknown>;
}
