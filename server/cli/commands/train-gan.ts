import { appendFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';

import { parseBackendChoice, parseThreads } from '../../../models/backend-choices.ts';
import type { ImageGanConfig } from '../../../models/gan/image-gan.ts';
import type { ToyGanConfig } from '../../../models/gan/toy-gan.ts';
import { readTidy } from '../../../models/read-tidy.ts';
import { writeFileAtomic, writeJsonAtomic } from '../../run-store/atomic-write.ts';
import { intFlag, keyValuePairs, parseFlags, UsageError } from '../args.ts';
import { fmtNum, printJson, printTable, progressBar, withProgress } from '../output.ts';
import { TRAIN_GAN_USAGE } from './gan-usage.ts';
import {
  type ResumeFlags,
  refuseWithResume,
  resumeFrom,
  resumeTarget,
  writeTrainerState,
} from './run-resume.ts';

/** The keys of the one JSON object `--json` prints for an image run (metrics null for non-MNIST-shaped images). */
export interface TrainImageGanResultJson {
  runDir: string;
  steps: number;
  wallSeconds: number;
  backend: string;
  inceptionScore: number | null;
  frechetDistance: number | null;
  classCoverage: number | null;
}

/** The fixed metric names of an image run's metrics.jsonl (besides `step` and `wall_seconds`). */
export const IMAGE_GAN_METRIC_NAMES = [
  'losses/d_loss',
  'losses/g_loss',
  'eval/inception_score',
  'eval/frechet_distance',
  'eval/class_coverage',
] as const;

/** The keys of the one JSON object `--json` prints for a toy run. */
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
    'sample-every': { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'string' },
    backend: { type: 'string' },
    threads: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(`${TRAIN_GAN_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.resume !== undefined) {
    refuseWithResume(values, ['variant', 'data', 'seed', 'set', 'out']);
    return resumeGan(argv, values.resume, values);
  }
  if (values.variant === undefined)
    throw new UsageError('--variant is required (gan, lsgan, wgan, wgan-gp, sngan)');
  if (values.data === undefined)
    throw new UsageError(
      '--data is required (a toy set, a file of x,y points, an MNIST domain such as mnist:3, or an image folder)',
    );
  const steps = intFlag(values.steps ?? '2000', 'steps', 1, 100_000_000)!;
  const seed = intFlag(values.seed ?? '0', 'seed', 0, 2 ** 31 - 1)!;
  const evalEvery = intFlag(
    values['eval-every'] ?? String(Math.min(500, steps)),
    'eval-every',
    1,
    100_000_000,
  )!;
  const sampleEvery = intFlag(values['sample-every'] ?? String(evalEvery), 'sample-every', 1, 100_000_000)!;
  if (values.backend !== undefined) parseBackendChoice(values.backend);
  const threads = values.threads !== undefined ? parseThreads(values.threads) : undefined;
  const { isImageSource, imageGanConfig } = await import('../../../models/gan/image-gan.ts');
  if (isImageSource(values.data)) {
    const config = imageGanConfig({
      ...keyValuePairs(values.set, 'set'),
      variant: values.variant,
      data: values.data,
      seed,
    });
    return trainImageGan(argv, config, { ...values, steps, seed, evalEvery, sampleEvery, threads });
  }
  const { toyGanConfig } = await import('../../../models/gan/toy-gan.ts');
  // Options are validated before TensorFlow.js loads and before a run directory exists.
  const config = toyGanConfig({
    ...keyValuePairs(values.set, 'set'),
    variant: values.variant,
    data: values.data,
    seed,
  });
  const dataName = basename(values.data).replace(/[^A-Za-z0-9_.-]/g, '_');
  const dir =
    values.out ?? join('runs', `${dataName}__${config.variant}__${seed}__${Math.floor(Date.now() / 1000)}`);
  return runToyGan(argv, {
    dir,
    config,
    steps,
    evalEvery,
    sampleEvery,
    backendChoice: values.backend,
    threads,
    json: values.json ?? false,
  });
}

interface ToyRun {
  dir: string;
  config: ToyGanConfig;
  steps: number;
  evalEvery: number;
  sampleEvery: number;
  backendChoice: string | undefined;
  threads?: number | 'auto';
  json: boolean;
  /** A resumed run: the checkpoint to continue from (its step and folder). */
  from?: { step: number; dir: string };
}

/**
 * `train gan --resume <runDir>`: continues a 2-D run from its latest checkpoint's trainer state (weights,
 * optimiser slots, sngan's u, Rng), exactly as if it had not stopped; metrics logged after that checkpoint are
 * dropped and logged again. `--steps` may raise the budget.
 */
/** `train gan --resume <runDir>`: a 2-D or image run continues from its latest trainer state. */
async function resumeGan(argv: string[], runDir: string, flags: ResumeFlags): Promise<number> {
  const t = await resumeTarget(runDir, 'gan', 'train gan', flags, {
    steps: 2000,
    evalEvery: () => 500,
    sampleEvery: () => 500,
  });
  const { optimizer: _optimizer, ...options } = t.saved.options ?? {};
  const json = flags.json ?? false;
  if (t.saved.data?.kind === 'image') {
    const { imageGanConfig } = await import('../../../models/gan/image-gan.ts');
    const config = imageGanConfig(options);
    return trainImageGan(argv, config, {
      ...t,
      seed: config.seed,
      out: runDir,
      backend: flags.backend,
      json,
    });
  }
  const { toyGanConfig } = await import('../../../models/gan/toy-gan.ts');
  return runToyGan(argv, {
    ...t,
    dir: runDir,
    config: toyGanConfig(options),
    backendChoice: flags.backend,
    json,
  });
}

async function runToyGan(argv: string[], run: ToyRun): Promise<number> {
  const { dir, config, steps, evalEvery, sampleEvery, json } = run;
  const seed = config.seed;
  const [{ initBackend }, { registerWasmKernels }, { ToyGanTrainer }, { toyDataSource }, { Rng }] =
    await Promise.all([
      import('../../../models/backend.ts'),
      import('../../../models/kernels/register.ts'),
      import('../../../models/gan/toy-gan.ts'),
      import('../../../models/data/toy.ts'),
      import('../../../envs/core/rng.ts'),
    ]);
  const backend = await initBackend(run.backendChoice, { threads: run.threads });
  registerWasmKernels();
  const trainer = new ToyGanTrainer(config);
  let first = 1;
  let wallOffset = 0;
  const metricsPath = join(dir, 'metrics.jsonl');
  if (run.from) {
    ({ first, wallOffset } = await resumeFrom(dir, run.from, steps, argv, trainer));
  } else {
    mkdirSync(join(dir, 'checkpoints'), { recursive: true });
    writeJsonAtomic(join(dir, 'config.json'), {
      kind: 'gan',
      data: { kind: 'toy', spec: config.data },
      command: ['gymlab', 'train', 'gan', ...argv],
      createdAt: new Date().toISOString(),
      steps,
      evalEvery,
      sampleEvery,
      backend: { requested: run.backendChoice ?? null, tfjs: backend.name, threads: backend.threads },
      options: config,
    });
  }
  mkdirSync(join(dir, 'samples'), { recursive: true });
  // Scatter plots: held-out real points (drawn as the trainer draws its own), generated points, and the
  // critic on a 128×128 grid over [−3, 3]² (row 0 at y = +3).
  const { toyScatterPng, CRITIC_GRID } = await import('../../../models/viz/png.ts');
  const tf = await import('@tensorflow/tfjs');
  const realPoints = toyDataSource(config.data).sample(1000, new Rng(config.seed ^ 0x5eed));
  const grid = new Float32Array(CRITIC_GRID * CRITIC_GRID * 2);
  for (let r = 0; r < CRITIC_GRID; r++) {
    for (let c = 0; c < CRITIC_GRID; c++) {
      const i = r * CRITIC_GRID + c;
      grid[2 * i] = -3 + (6 * (c + 0.5)) / CRITIC_GRID;
      grid[2 * i + 1] = 3 - (6 * (r + 0.5)) / CRITIC_GRID;
    }
  }
  const writeToySample = (step: number) => {
    const critic = readTidy(() => trainer.critic(tf.tensor2d(grid, [CRITIC_GRID * CRITIC_GRID, 2])));
    const png = toyScatterPng({ real: realPoints, fake: trainer.generate(1000), critic, extent: 3 });
    writeFileAtomic(join(dir, 'samples', `step_${step}.png`), png);
  };
  const log = (line: Record<string, unknown>) => appendFileSync(metricsPath, `${JSON.stringify(line)}\n`);

  const bar = progressBar(!json, steps, 'step {value}/{total} | D {d} | G {g} | modes {modes}');
  const start = performance.now();
  let last = trainer.evaluate();
  try {
    await withProgress(bar, async () => {
      for (let i = first; i <= steps; i++) {
        const s = trainer.step();
        const line: Record<string, unknown> = {
          step: i,
          wall_seconds: wallOffset + (performance.now() - start) / 1000,
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
          await writeTrainerState(dir, i, trainer);
        }
        if (i % sampleEvery === 0 || i === steps) writeToySample(i);
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
    wallSeconds: wallOffset + (performance.now() - start) / 1000,
    backend: backend.name,
    modesCovered: last.modesCovered,
    highQualityRate: last.highQualityRate,
    energyDistance: last.energyDistance,
    slicedWasserstein: last.slicedWasserstein,
  };
  if (json) {
    printJson(result);
  } else {
    printTable(`${config.data} · ${config.variant} · seed ${seed}`, [
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

interface ImageRunFlags {
  steps: number;
  seed: number;
  evalEvery: number;
  sampleEvery: number;
  data?: string;
  out?: string;
  backend?: string;
  threads?: number | 'auto';
  json?: boolean;
  /** Resume: the checkpoint to continue from (`out` is then the run directory). */
  from?: { dir: string; step: number };
}

/** `train gan` on images: the DCGAN-style ImageGanTrainer, MNIST-classifier metrics, PNG sample grids. */
async function trainImageGan(argv: string[], config: ImageGanConfig, f: ImageRunFlags): Promise<number> {
  const [{ initBackend }, { registerWasmKernels }, { ImageGanTrainer, loadImageData }, { imageGridPng }] =
    await Promise.all([
      import('../../../models/backend.ts'),
      import('../../../models/kernels/register.ts'),
      import('../../../models/gan/image-gan.ts'),
      import('../../../models/viz/png.ts'),
    ]);
  // The data is read (and checked) before a run directory exists.
  const data = loadImageData(config.data, config.imageSize);
  const backend = await initBackend(f.backend, { threads: f.threads });
  registerWasmKernels();
  const { steps, seed, evalEvery, sampleEvery } = f;
  const trainer = new ImageGanTrainer(config, data);
  try {
    // MNIST-shaped images are scored by the small MNIST classifier (trained and cached on first use).
    let metricsFn: ((images: Float32Array, count: number) => ImageMetricsLike) | undefined;
    let realScores: ImageMetricsLike | undefined;
    let disposeClassifier = () => {};
    if (trainer.mnistShaped) {
      const [{ loadOrTrainMnistClassifier }, { imageMetrics, realDataScores }] = await Promise.all([
        import('../../../models/metrics/mnist-classifier.ts'),
        import('../../../models/metrics/images.ts'),
      ]);
      const cbar = progressBar(!f.json, 1, 'MNIST classifier {info}', { info: '' });
      const classifier = await withProgress(cbar, () =>
        loadOrTrainMnistClassifier({
          onProgress: (done, total, info) => {
            cbar.update(total > 0 ? done / total : 0, { info });
          },
        }),
      );
      disposeClassifier = () => classifier.dispose();
      metricsFn = (images, count) => imageMetrics(classifier, images, count);
      if (!f.json) realScores = realDataScores(classifier);
    }
    const dataName = basename(config.data).replace(/[^A-Za-z0-9_.-]/g, '_');
    const dir =
      f.out ?? join('runs', `${dataName}__${config.variant}__${seed}__${Math.floor(Date.now() / 1000)}`);
    let first = 1;
    let wallOffset = 0;
    if (f.from) ({ first, wallOffset } = await resumeFrom(dir, f.from, steps, argv, trainer));
    mkdirSync(join(dir, 'checkpoints'), { recursive: true });
    mkdirSync(join(dir, 'samples'), { recursive: true });
    if (!f.from)
      writeJsonAtomic(join(dir, 'config.json'), {
        kind: 'gan',
        data: {
          kind: 'image',
          spec: config.data,
          count: data.count,
          height: data.height,
          width: data.width,
          channels: data.channels,
        },
        command: ['gymlab', 'train', 'gan', ...argv],
        createdAt: new Date().toISOString(),
        steps,
        evalEvery,
        sampleEvery,
        backend: { requested: f.backend ?? null, tfjs: backend.name, threads: backend.threads },
        options: config,
      });
    const metricsPath = join(dir, 'metrics.jsonl');
    const log = (line: Record<string, unknown>) =>
      appendFileSync(
        metricsPath,
        `${JSON.stringify(line)}
`,
      );
    const bar = progressBar(!f.json, steps, 'step {value}/{total} | D {d} | G {g} | IS {is}', {
      d: '–',
      g: '–',
      is: '–',
    });
    const start = performance.now();
    let last: ImageMetricsLike | null = null;
    await withProgress(bar, async () => {
      for (let i = first; i <= steps; i++) {
        const s = trainer.step();
        const line: Record<string, unknown> = {
          step: i,
          wall_seconds: wallOffset + (performance.now() - start) / 1000,
          'losses/d_loss': s.dLoss,
          'losses/g_loss': s.gLoss,
        };
        let evaluated = false;
        if (i % evalEvery === 0 || i === steps) {
          if (metricsFn) {
            last = trainer.evaluate(metricsFn);
            if (last) {
              Object.assign(line, {
                'eval/inception_score': last.inceptionScore,
                'eval/frechet_distance': last.frechetDistance,
                'eval/class_coverage': last.classCoverage,
              });
            }
          }
          evaluated = true;
        }
        if (i % sampleEvery === 0 || i === steps) {
          // Conditional runs: one column per class (8 rows); otherwise an 8×8 grid.
          const present = trainer.presentClasses;
          const columns = present.length > 0 && present.length <= 16 ? present.length : 8;
          const classes =
            columns === present.length
              ? Int32Array.from({ length: 8 * columns }, (_, k) => present[k % columns]!)
              : undefined;
          const grid = trainer.generate(8 * columns, classes);
          writeFileAtomic(join(dir, 'samples', `step_${i}.png`), imageGridPng(grid, { columns }));
        }
        if (evaluated) {
          // After the samples, which draw from the trainer's Rng: the state holds what step i + 1 starts from.
          await writeCheckpoint(dir, i, trainer);
          await writeTrainerState(dir, i, trainer);
        }
        if (i % 10 === 0 || i === steps || evaluated) log(line);
        bar.update(i, {
          d: s.dLoss.toFixed(3),
          g: s.gLoss.toFixed(3),
          is: last ? (last as ImageMetricsLike).inceptionScore.toFixed(2) : '–',
        });
      }
    });
    disposeClassifier();
    const final = last as ImageMetricsLike | null;
    const result: TrainImageGanResultJson = {
      runDir: dir,
      steps,
      wallSeconds: wallOffset + (performance.now() - start) / 1000,
      backend: backend.name,
      inceptionScore: final?.inceptionScore ?? null,
      frechetDistance: final?.frechetDistance ?? null,
      classCoverage: final?.classCoverage ?? null,
    };
    if (f.json) {
      printJson(result);
    } else {
      const real = (v: number | undefined) => (v === undefined ? '' : ` (real data ${fmtNum(v)})`);
      const num = (v: number | null) => (v === null ? '–' : fmtNum(v));
      printTable(`${config.data} · ${config.variant} · seed ${seed}`, [
        ['run directory', result.runDir],
        ['generator steps', result.steps],
        ['inception score', `${num(result.inceptionScore)}${real(realScores?.inceptionScore)}`],
        ['Fréchet distance', `${num(result.frechetDistance)}${real(realScores?.frechetDistance)}`],
        ['class coverage', `${num(result.classCoverage)}${real(realScores?.classCoverage)}`],
        ['wall time', `${fmtNum(result.wallSeconds)} s`],
        ['backend', result.backend],
      ]);
    }
    return 0;
  } finally {
    trainer.dispose();
  }
}

interface ImageMetricsLike {
  inceptionScore: number;
  frechetDistance: number;
  classCoverage: number;
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
