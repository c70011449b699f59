import { appendFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';

import { parseBackendChoice } from '../../../models/backend-choices.ts';
import { writeFileAtomic, writeJsonAtomic } from '../../run-store/atomic-write.ts';
import { intFlag, keyValuePairs, parseFlags, UsageError } from '../args.ts';
import { fmtNum, printJson, printTable, progressBar, withProgress } from '../output.ts';
import { TRAIN_GAN_USAGE } from './gan-usage.ts';

/** The keys of the one JSON object `--json` prints. */
export interface TrainGanResultJson {
  runDir: string;
  steps: number;
  wallSeconds: number;
  backend: string;
  modesCovered: number | null;
  highQualityRate: number | null;
  energyDistance: number;
  slicedWasserstein: number;
}

/**
 * The fixed metric names of metrics.jsonl: one line per logged step with `step`, `wall_seconds`,
 * `losses/d_loss`, `losses/g_loss`, and on evaluation steps `eval/modes_covered`, `eval/high_quality_rate`,
 * `eval/energy_distance`, `eval/sliced_wasserstein`.
 */
export const GAN_METRIC_NAMES = [
  'losses/d_loss',
  'losses/g_loss',
  'eval/modes_covered',
  'eval/high_quality_rate',
  'eval/energy_distance',
  'eval/sliced_wasserstein',
] as const;

export async function trainGanCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    variant: { type: 'string' },
    data: { type: 'string' },
    steps: { type: 'string' },
    seed: { type: 'string' },
    set: { type: 'string', multiple: true, default: [] },
    'eval-every': { type: 'string' },
    out: { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(`${TRAIN_GAN_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.variant === undefined)
    throw new UsageError('--variant is required (gan, lsgan, wgan, wgan-gp, sngan)');
  if (values.data === undefined)
    throw new UsageError('--data is required (a toy set or a file of x,y points)');
  const steps = intFlag(values.steps ?? '2000', 'steps', 1, 100_000_000)!;
  const seed = intFlag(values.seed ?? '0', 'seed', 0, 2 ** 31 - 1)!;
  const evalEvery = intFlag(
    values['eval-every'] ?? String(Math.min(500, steps)),
    'eval-every',
    1,
    100_000_000,
  )!;
  if (values.backend !== undefined) parseBackendChoice(values.backend);
  const { toyGanConfig } = await import('../../../models/gan/toy-gan.ts');
  // Options are validated before TensorFlow.js loads and before a run directory exists.
  const config = toyGanConfig({
    ...keyValuePairs(values.set, 'set'),
    variant: values.variant,
    data: values.data,
    seed,
  });
  const [{ initBackend }, { registerWasmKernels }, { ToyGanTrainer }] = await Promise.all([
    import('../../../models/backend.ts'),
    import('../../../models/kernels/register.ts'),
    import('../../../models/gan/toy-gan.ts'),
  ]);
  const backend = await initBackend(values.backend);
  registerWasmKernels();
  const trainer = new ToyGanTrainer(config);
  const dataName = basename(values.data).replace(/[^A-Za-z0-9_.-]/g, '_');
  const dir =
    values.out ?? join('runs', `${dataName}__${config.variant}__${seed}__${Math.floor(Date.now() / 1000)}`);
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  writeJsonAtomic(join(dir, 'config.json'), {
    kind: 'gan',
    command: ['gymlab', 'train', 'gan', ...argv],
    createdAt: new Date().toISOString(),
    steps,
    evalEvery,
    backend: { requested: values.backend ?? null, tfjs: backend.name },
    options: config,
  });
  const metricsPath = join(dir, 'metrics.jsonl');
  const log = (line: Record<string, unknown>) => appendFileSync(metricsPath, `${JSON.stringify(line)}\n`);

  const bar = progressBar(!values.json, steps, 'step {value}/{total} | D {d} | G {g} | modes {modes}');
  const start = performance.now();
  let last = trainer.evaluate();
  try {
    await withProgress(bar, async () => {
      for (let i = 1; i <= steps; i++) {
        const s = trainer.step();
        const line: Record<string, unknown> = {
          step: i,
          wall_seconds: (performance.now() - start) / 1000,
          'losses/d_loss': s.dLoss,
          'losses/g_loss': s.gLoss,
        };
        if (i % evalEvery === 0 || i === steps) {
          last = trainer.evaluate();
          Object.assign(line, {
            'eval/modes_covered': last.modesCovered,
            'eval/high_quality_rate': last.highQualityRate,
            'eval/energy_distance': last.energyDistance,
            'eval/sliced_wasserstein': last.slicedWasserstein,
          });
          await writeCheckpoint(dir, i, trainer);
        }
        if (i % 10 === 0 || i === steps || 'eval/energy_distance' in line) log(line);
        bar.update(i, { d: s.dLoss.toFixed(3), g: s.gLoss.toFixed(3), modes: last.modesCovered ?? '–' });
      }
    });
  } finally {
    trainer.dispose();
  }
  const result: TrainGanResultJson = {
    runDir: dir,
    steps,
    wallSeconds: (performance.now() - start) / 1000,
    backend: backend.name,
    modesCovered: last.modesCovered,
    highQualityRate: last.highQualityRate,
    energyDistance: last.energyDistance,
    slicedWasserstein: last.slicedWasserstein,
  };
  if (values.json) {
    printJson(result);
  } else {
    printTable(`${values.data} · ${config.variant} · seed ${seed}`, [
      ['run directory', result.runDir],
      ['generator steps', result.steps],
      ['modes covered', result.modesCovered ?? '–'],
      ['high-quality rate', result.highQualityRate ?? '–'],
      ['energy distance', result.energyDistance],
      ['sliced Wasserstein', result.slicedWasserstein],
      ['wall time', `${fmtNum(result.wallSeconds)} s`],
      ['backend', result.backend],
    ]);
  }
  return 0;
}

async function writeCheckpoint(
  dir: string,
  step: number,
  trainer: {
    checkpoint(): Promise<
      Record<'generator' | 'discriminator', { modelJson: unknown; weightData: Uint8Array }>
    >;
  },
): Promise<void> {
  const files = await trainer.checkpoint();
  for (const [name, model] of Object.entries(files)) {
    const sub = join(dir, 'checkpoints', `step_${step}`, name);
    mkdirSync(sub, { recursive: true });
    writeFileAtomic(join(sub, 'weights.bin'), model.weightData);
    writeJsonAtomic(join(sub, 'model.json'), model.modelJson);
  }
}
