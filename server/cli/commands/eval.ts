import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateGreedy } from '../../../agents/dqn/evaluate.ts';
import type { NetworkSpec } from '../../../agents/dqn/learner.ts';
import { initBackend } from '../../../models/backend.ts';
import { latestCheckpointDir, readLayersModel } from '../../run-store/checkpoint-files.ts';
import { RunStore } from '../../run-store/run-store.ts';
import { intFlag, parseFlags, UsageError } from '../args.ts';
import { fmtNum, printJson, printTable, progressBar } from '../output.ts';
import { EVAL_USAGE } from './dqn-usage.ts';

export async function evalCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    episodes: { type: 'string' },
    seed: { type: 'string' },
    checkpoint: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(`${EVAL_USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('expected one run directory');
  const runDir = positionals[0]!;
  const episodesFlag = intFlag(values.episodes, 'episodes', 1, 1_000_000);
  const seedFlag = intFlag(values.seed, 'seed', 0, 2 ** 31 - 1);
  const config = RunStore.open(runDir).readConfig();
  const kind = (config as { kind?: unknown }).kind;
  if (kind === 'gan') {
    if (episodesFlag !== undefined) throw new UsageError('--episodes applies to DQN runs only');
    if (values.checkpoint !== undefined && values.checkpoint !== 'latest')
      throw new UsageError('GAN runs have no best/: --checkpoint must be latest (the default)');
    const { evalGanCommand } = await import('./eval-gan.ts');
    return evalGanCommand(runDir, {
      seed: seedFlag,
      json: values.json,
    });
  }
  if (kind === 'cyclegan') {
    if (episodesFlag !== undefined) throw new UsageError('--episodes applies to DQN runs only');
    if (values.checkpoint !== undefined && values.checkpoint !== 'latest')
      throw new UsageError('CycleGAN runs have no best/: --checkpoint must be latest (the default)');
    const { evalCycleGanCommand } = await import('./eval-gan.ts');
    return evalCycleGanCommand(runDir, { seed: seedFlag, json: values.json });
  }
  if (config.algorithm !== 'dqn') {
    throw new RangeError(
      `${runDir} is neither a DQN run (config.json algorithm 'dqn') nor a GAN run (kind 'gan' or 'cyclegan')`,
    );
  }
  values.checkpoint ??= 'best';
  const episodes = episodesFlag ?? 100;
  const seed = seedFlag ?? 0;
  if (values.checkpoint !== 'best' && values.checkpoint !== 'latest') {
    throw new UsageError(`--checkpoint must be best or latest (got '${values.checkpoint}')`);
  }
  // Reading a layers model goes through tf.loadLayersModel, which needs a backend.
  await initBackend();
  let modelDir = join(runDir, 'best');
  let source = 'best';
  if (values.checkpoint === 'latest' || !existsSync(join(modelDir, 'model.json'))) {
    if (values.checkpoint === 'best' && !values.json)
      process.stderr.write('no best/ yet: using the latest checkpoint\n');
    modelDir = latestCheckpointDir(runDir);
    source = 'latest';
  }
  const { shape, weights } = await readLayersModel(modelDir);
  const spec: NetworkSpec = {
    inputSize: shape.inputSize,
    hiddenSizes: shape.hiddenSizes,
    activation: shape.activation,
    numActions: shape.outputSize,
  };

  const bar = progressBar(!values.json, episodes, 'episode {value}/{total} | last return {last}');
  const summary = evaluateGreedy({
    envId: config.env,
    envOptions: config.options.envOptions,
    spec,
    weights,
    episodes,
    seed,
    onEpisode: (done, last) => bar.update(done, { last: last.toFixed(1) }),
  });
  bar.stop();
  if (values.json) {
    printJson({
      meanReturn: summary.meanReturn,
      stdReturn: summary.stdReturn,
      episodes: summary.episodes,
      landed: summary.landed,
      crashed: summary.crashed,
    });
  } else {
    printTable(`${config.env} · greedy policy from ${source} · ${episodes} episodes from seed ${seed}`, [
      ['mean return', `${fmtNum(summary.meanReturn)} ± ${fmtNum(summary.stdReturn)}`],
      ['landed', summary.landed],
      ['crashed', summary.crashed],
      ['truncated', summary.truncated],
      ['mean length', summary.meanLength],
    ]);
  }
  return 0;
}
