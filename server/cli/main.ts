import { OptionsError } from '../../envs/core/options.ts';
import { UsageError } from './args.ts';
import { BENCH_ENV_USAGE, benchEnvCommand } from './commands/bench-env.ts';
import { BENCH_SERVER_USAGE } from './commands/bench-server-usage.ts';
import { BENCH_DQN_USAGE, EVAL_USAGE, TRAIN_DQN_USAGE } from './commands/dqn-usage.ts';
import { ENV_USAGE, envCommand } from './commands/env.ts';
import { BENCH_GAN_USAGE, TRAIN_GAN_USAGE } from './commands/gan-usage.ts';
import { SERVE_USAGE, serveCommand } from './commands/serve.ts';
import { START_USAGE, startCommand } from './commands/start.ts';
import { TRAIN_CYCLEGAN_USAGE } from './commands/train-cyclegan.ts';

type Command = { usage: string; run: (argv: string[]) => Promise<number> };

const COMMANDS: Record<string, Command> = {
  start: { usage: START_USAGE, run: startCommand },
  env: { usage: ENV_USAGE, run: envCommand },
  'bench env': { usage: BENCH_ENV_USAGE, run: benchEnvCommand },
  serve: { usage: SERVE_USAGE, run: serveCommand },
  'bench server': {
    usage: BENCH_SERVER_USAGE,
    run: async (a) => (await import('./commands/bench-server.ts')).benchServerCommand(a),
  },
  // Loaded on use: these pull in TensorFlow.js, which the other commands do not need.
  'train dqn': {
    usage: TRAIN_DQN_USAGE,
    run: async (a) => (await import('./commands/train-dqn.ts')).trainDqnCommand(a),
  },
  'train gan': {
    usage: TRAIN_GAN_USAGE,
    run: async (a) => (await import('./commands/train-gan.ts')).trainGanCommand(a),
  },
  'train cyclegan': {
    usage: TRAIN_CYCLEGAN_USAGE,
    run: async (a) => (await import('./commands/train-cyclegan.ts')).trainCycleGanCommand(a),
  },
  'bench gan': {
    usage: BENCH_GAN_USAGE,
    run: async (a) => (await import('./commands/bench-gan.ts')).benchGanCommand(a),
  },
  eval: { usage: EVAL_USAGE, run: async (a) => (await import('./commands/eval.ts')).evalCommand(a) },
  'bench dqn': {
    usage: BENCH_DQN_USAGE,
    run: async (a) => (await import('./commands/bench-dqn.ts')).benchDqnCommand(a),
  },
};

const USAGE = `gymlab — watch RL agents and generative models learn, and tune them while they learn

usage: gymlab <command> [options]   (every result-printing command takes --json)

${Object.values(COMMANDS)
  .map((c) => c.usage)
  .join('\n\n')}
`;

/** Runs the CLI; returns the exit status (0 ok, 1 failure, 2 bad usage or input). */
export async function main(argv: string[]): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    process.stdout.write(USAGE);
    return first === undefined ? 2 : 0;
  }
  const twoWord = second !== undefined ? `${first} ${second}` : '';
  const name = COMMANDS[twoWord] ? twoWord : first;
  const command = COMMANDS[name];
  if (!command) {
    const groups = Object.keys(COMMANDS).filter((k) => k.startsWith(`${first} `));
    const hint = groups.length > 0 ? groups.join(', ') : Object.keys(COMMANDS).join(', ');
    process.stderr.write(
      `gymlab: unknown command '${[first, second].filter(Boolean).join(' ')}'; try: ${hint}\n`,
    );
    return 2;
  }
  try {
    return await command.run(argv.slice(name.split(' ').length));
  } catch (err) {
    if (err instanceof UsageError || err instanceof OptionsError || err instanceof RangeError) {
      process.stderr.write(`gymlab ${name}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
