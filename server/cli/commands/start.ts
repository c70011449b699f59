import { evaluatePolicy } from '../../../envs/evaluate.ts';
import { intFlag, parseFlags } from '../args.ts';
import { fmtNum, printTable } from '../output.ts';

export const START_USAGE = `gymlab start [--episodes N] [--seed S]
  The main job. Until the training server lands, it flies Gymnasium's heuristic lander for a few episodes and
  prints each landing, so a fresh clone shows the physics working end to end.`;

export async function startCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    episodes: { type: 'string', default: '5' },
    seed: { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(`${START_USAGE}\n`);
    return 0;
  }
  const episodes = intFlag(values.episodes, 'episodes', 1, 10_000)!;
  const seed = intFlag(values.seed, 'seed', 0, 2 ** 31 - 1)!;
  process.stdout.write(`gymlab · LunarLander-v3 · heuristic controller · ${episodes} episodes\n`);
  let last = 0;
  const summary = evaluatePolicy({
    envId: 'LunarLander-v3',
    policy: 'heuristic',
    episodes,
    seed,
    onEpisode: (done, ret) => {
      last = ret;
      process.stdout.write(
        `  episode ${String(done).padStart(3)} (seed ${seed + done - 1}): return ${fmtNum(last)}\n`,
      );
    },
  });
  printTable('summary', [
    ['mean return', `${fmtNum(summary.meanReturn)} ± ${fmtNum(summary.stdReturn)}`],
    [
      'landed / crashed / out of bounds / truncated',
      `${summary.landed} / ${summary.crashed} / ${summary.outOfBounds} / ${summary.truncated}`,
    ],
    ['mean length', summary.meanLength],
    ['steps/s', Math.round(summary.stepsPerSecond)],
  ]);
  process.stdout.write('next: `npx gymlab env LunarLander-v3 --episodes 100`, `npx gymlab bench env`\n');
  return 0;
}
