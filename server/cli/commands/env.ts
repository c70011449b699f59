import { evaluatePolicy } from '../../../envs/evaluate.ts';
import { POLICY_NAMES } from '../../../envs/policies.ts';
import { ENV_IDS, envSpec, makeEnv } from '../../../envs/registry.ts';
import { intFlag, keyValuePairs, parseFlags, UsageError } from '../args.ts';
import { fmtNum, printJson, printTable, progressBar, withProgress } from '../output.ts';

export const ENV_USAGE = `gymlab env <id> [--policy heuristic|random] [--episodes N] [--seed S] [--option key=value …] [--json]
  Runs a policy for N episodes (episode i seeded with S + i) and summarises returns and outcomes.
  ids: ${ENV_IDS.join(', ')}`;

export async function envCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    policy: { type: 'string', default: 'heuristic' },
    episodes: { type: 'string', default: '10' },
    seed: { type: 'string', default: '0' },
    option: { type: 'string', multiple: true, default: [] },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(`${ENV_USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one env id; valid ids: ${ENV_IDS.join(', ')}`);
  const envId = positionals[0]!;
  envSpec(envId);
  if (!(POLICY_NAMES as readonly string[]).includes(values.policy)) {
    throw new UsageError(`--policy must be one of ${POLICY_NAMES.join(', ')} (got '${values.policy}')`);
  }
  const episodes = intFlag(values.episodes, 'episodes', 1, 1_000_000)!;
  const seed = intFlag(values.seed, 'seed', 0, 2 ** 31 - 1)!;
  const envOptions = keyValuePairs(values.option, 'option');

  // Build once up front so bad options fail before any output.
  makeEnv(envId, envOptions).close();

  const bar = progressBar(!values.json, episodes, 'episode {value}/{total} | last return {last}', {
    last: '–',
  });
  const summary = await withProgress(bar, () =>
    evaluatePolicy({
      envId,
      policy: values.policy,
      episodes,
      seed,
      envOptions,
      onEpisode: (done, last) => bar.update(done, { last: last.toFixed(1) }),
    }),
  );

  const { returns: _returns, ...result } = summary;
  if (values.json) {
    printJson(result);
  } else {
    printTable(`${envId} · ${values.policy} policy · ${episodes} episodes from seed ${seed}`, [
      ['mean return', `${fmtNum(result.meanReturn)} ± ${fmtNum(result.stdReturn)}`],
      ['landed', result.landed],
      ['crashed', result.crashed],
      ['out of bounds', result.outOfBounds],
      ['truncated', result.truncated],
      ['mean length', result.meanLength],
      ['steps/s', Math.round(result.stepsPerSecond)],
    ]);
  }
  return 0;
}
