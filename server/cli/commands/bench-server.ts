import { benchServer } from '../../bench/server-bench.ts';
import { intFlag, parseFlags, UsageError } from '../args.ts';
import { fmtNum, printJson, printTable } from '../output.ts';
import { BENCH_SERVER_USAGE } from './bench-server-usage.ts';

export async function benchServerCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    clients: { type: 'string', default: '1,10,50' },
    seconds: { type: 'string', default: '5' },
    'frame-hz': { type: 'string', default: '30' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(`${BENCH_SERVER_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const clients = values.clients.split(',').map((c) => intFlag(c.trim(), 'clients', 1, 200)!);
  if (clients.length > 5) throw new UsageError('--clients takes at most 5 counts');
  const seconds = intFlag(values.seconds, 'seconds', 1, 60)!;
  const frameHz = intFlag(values['frame-hz'], 'frame-hz', 1, 1000)!;
  if (!values.json) {
    process.stderr.write(
      `gymlab bench server: ${clients.join(', ')} viewers, ${seconds} s each, frames at ≤ ${frameHz} Hz…\n`,
    );
  }
  const result = await benchServer({
    clients,
    seconds,
    frameHz,
    onPhase: (p) => {
      if (!values.json)
        process.stderr.write(
          `  ${p.clients} viewer${p.clients === 1 ? '' : 's'}: ${Math.round(p.framesPerSecond)} frames/s\n`,
        );
    },
  });
  if (values.json) {
    printJson(result);
    return 0;
  }
  printTable(
    `server fan-out · ${result.env} DQN training flat out (${fmtNum(Math.round(result.trainingStepsPerSecond))} steps/s) · frames ≤ ${frameHz} Hz · ${result.cpus} cores`,
    [
      ...result.phases.map(
        (p) =>
          [
            `${p.clients} viewer${p.clients === 1 ? '' : 's'}`,
            `${fmtNum(Math.round(p.framesPerSecond))} frames/s (${p.perClientFramesPerSecond.toFixed(1)} each), latency median ${p.medianLatencyMs.toFixed(2)} ms, p95 ${p.p95LatencyMs.toFixed(2)} ms, dropped ${p.framesDropped}`,
          ] as [string, string],
      ),
      [
        'peak server RSS',
        `${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB (main thread + the run's worker)`,
      ],
    ],
  );
  return 0;
}
