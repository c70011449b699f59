import { appendFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseBackendChoice, parseThreads } from '../../../models/backend-choices.ts';
import type { CycleGanConfig } from '../../../models/gan/cyclegan.ts';
import type { CycleEvaluator as CycleEvaluatorType } from '../../../models/metrics/cycle.ts';
import { writeFileAtomic, writeJsonAtomic } from '../../run-store/atomic-write.ts';
import { intFlag, keyValuePairs, parseFlags, UsageError } from '../args.ts';
import { fmtNum, printJson, printTable, progressBar, withProgress } from '../output.ts';
import {
  type ResumeFlags,
  refuseWithResume,
  resumeFrom,
  resumeTarget,
  writeTrainerState,
} from './run-resume.ts';

export const TRAIN_CYCLEGAN_USAGE = `gymlab train cyclegan --a <domain> --b <domain> [options]
       gymlab train cyclegan --resume <runDir> [--steps <n>] [--eval-every <n>] [--sample-every <n>] [...]
  Unpaired image-to-image translation (CycleGAN: two generators, two PatchGAN discriminators, LSGAN loss,
  cycle λ 10, identity 0.5·λ, history pool 50) between two image domains.
  --a, --b <domain>     mnist, mnist-thin, mnist-thick, mnist-inverted (optionally ':digits', e.g.
                        mnist-thin:3,5), or a folder of PNG/JPEG images (resized to 32×32 RGB by default)
  --steps <n>           training steps (one generator + one discriminator update each; default 1000)
  --seed <n>            seed (default 0)
  --set key=value       option override, repeatable: batchSize, lr, beta1, beta2, lambdaCycle, lambdaIdentity,
                        poolSize, ngf, ndf, resBlocks, size, channels
  --eval-every <n>      steps between evaluations + checkpoints (default min(500, steps))
  --sample-every <n>    steps between sample grids (default min(250, steps))
  --out <dir>           run directory (default runs/<a>__<b>__cyclegan__<seed>__<unixtime>)
  --resume <runDir>     continue a run from its latest checkpoint, bit-exact (weights, both optimisers, the
                        random state and both history pools): --steps (above the checkpoint's step), the
                        intervals, --backend, --threads and --json may be given; --a, --b, --seed, --set and
                        --out may not (the run's config.json decides them); metrics after the checkpoint are
                        dropped and logged again
  --backend <name>      auto, tensorflow-gpu, tensorflow, wasm, cpu
  --threads <n|auto>    wasm backend threads (default $GYMLAB_WASM_THREADS, else 1; auto = the cores, ≤ 8)
  --json                print one JSON object: runDir, steps, wallSeconds, backend, cycleError,
                        identityPreserved, targetDomainRate (rates as fractions 0..1; null where n/a)
  Writes config.json, metrics.jsonl, checkpoints/step_N/{g_ab,g_ba,d_a,d_b}/{model.json,weights.bin} with
  the trainer state checkpoints/step_N/{state.json,state.bin} (what --resume reads), and samples/step_N.png
  (rows: A, G_AB(A), G_BA(G_AB(A)), B, G_BA(B), G_AB(G_BA(B))).`;

/** The keys of the one JSON object `--json` prints. */
export interface TrainCycleGanResultJson {
  runDir: string;
  steps: number;
  wallSeconds: number;
  backend: string;
  cycleError: number;
  identityPreserved: number | null;
  targetDomainRate: number | null;
}

/**
 * The fixed metric names of metrics.jsonl: one line per logged step with `step`, `wall_seconds`, the losses,
 * and on evaluation steps the `eval/…` values.
 */
export const CYCLEGAN_METRIC_NAMES = [
  'losses/d_a',
  'losses/d_b',
  'losses/g_adv',
  'losses/cycle',
  'losses/identity',
  'eval/cycle_error',
  'eval/identity_preserved',
  'eval/target_domain_rate',
] as const;

/** Images per row of the sample grid. */
const SAMPLE_COLUMNS = 8;

export async function trainCycleGanCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    a: { type: 'string' },
    b: { type: 'string' },
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
    process.stdout.write(`${TRAIN_CYCLEGAN_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.resume !== undefined) return resumeCycleGan(argv, values.resume, values);
  if (values.a === undefined) throw new UsageError('--a is required (an image domain or a folder)');
  if (values.b === undefined) throw new UsageError('--b is required (an image domain or a folder)');
  const steps = intFlag(values.steps ?? '1000', 'steps', 1, 100_000_000)!;
  const seed = intFlag(values.seed ?? '0', 'seed', 0, 2 ** 31 - 1)!;
  const evalEvery = intFlag(
    values['eval-every'] ?? String(Math.min(500, steps)),
    'eval-every',
    1,
    100_000_000,
  )!;
  const sampleEvery = intFlag(
    values['sample-every'] ?? String(Math.min(250, steps)),
    'sample-every',
    1,
    100_000_000,
  )!;
  if (values.backend !== undefined) parseBackendChoice(values.backend);
  const threads = values.threads !== undefined ? parseThreads(values.threads) : undefined;
  const { cycleGanConfig } = await import('../../../models/gan/cyclegan.ts');
  // Options (and that each domain exists) are validated before TensorFlow.js starts and before a run directory.
  const config = cycleGanConfig({ ...keyValuePairs(values.set, 'set'), a: values.a, b: values.b, seed });
  const name = (spec: string) => basename(spec).replace(/[^A-Za-z0-9_.,-]/g, '_');
  return runCycleGan(argv, {
    dir:
      values.out ??
      join(
        'runs',
        `${name(config.a)}__${name(config.b)}__cyclegan__${seed}__${Math.floor(Date.now() / 1000)}`,
      ),
    config,
    steps,
    evalEvery,
    sampleEvery,
    backendChoice: values.backend,
    threads,
    json: values.json ?? false,
  });
}

/** The flags `--resume` leaves to the run's config.json (refused with it). */
const FIXED_BY_RUN = ['a', 'b', 'seed', 'set', 'out'] as const;

/** `--resume <runDir>`: continues a run from its latest checkpoint with a trainer state, with its saved options. */
async function resumeCycleGan(
  argv: string[],
  runDir: string,
  values: ResumeFlags & Record<string, unknown>,
): Promise<number> {
  refuseWithResume(values, FIXED_BY_RUN);
  const t = await resumeTarget(runDir, 'cyclegan', 'train cyclegan', values, {
    steps: 1000,
    evalEvery: (steps) => Math.min(500, steps),
    sampleEvery: (steps) => Math.min(250, steps),
  });
  const { cycleGanConfig } = await import('../../../models/gan/cyclegan.ts');
  return runCycleGan(argv, {
    ...t,
    dir: runDir,
    config: cycleGanConfig(t.saved.options ?? {}),
    backendChoice: values.backend,
    json: values.json ?? false,
  });
}

interface CycleGanRun {
  dir: string;
  config: CycleGanConfig;
  steps: number;
  evalEvery: number;
  sampleEvery: number;
  backendChoice: string | undefined;
  threads?: number | 'auto';
  json: boolean;
  /** Resume: the checkpoint to continue from (`dir` is then the existing run directory). */
  from?: { dir: string; step: number };
}

async function runCycleGan(argv: string[], run: CycleGanRun): Promise<number> {
  const { dir, config, steps, evalEvery, sampleEvery, json } = run;
  const seed = config.seed;
  const [
    { initBackend },
    { registerWasmKernels },
    { CycleGanTrainer },
    { CycleEvaluator },
    { imageGridPng },
  ] = await Promise.all([
    import('../../../models/backend.ts'),
    import('../../../models/kernels/register.ts'),
    import('../../../models/gan/cyclegan.ts'),
    import('../../../models/metrics/cycle.ts'),
    import('../../../models/viz/png.ts'),
  ]);
  const backend = await initBackend(run.backendChoice, { threads: run.threads });
  registerWasmKernels();
  const trainer = new CycleGanTrainer(config);
  let evaluator: CycleEvaluatorType | undefined;
  try {
    evaluator = await CycleEvaluator.create(config.a, config.b, {
      size: config.size,
      channels: config.channels,
      // Training a classifier on first use takes about a minute: say so (not with --json: stderr stays quiet).
      onProgress: json
        ? undefined
        : (done, total, info) => {
            if (info) process.stderr.write(`${info}\n`);
            else if (done === total) process.stderr.write(`classifier trained (${total} batches)\n`);
          },
    });
  } catch (err) {
    trainer.dispose();
    throw err;
  }
  let first = 1;
  let wallOffset = 0;
  if (run.from) {
    try {
      ({ first, wallOffset } = await resumeFrom(dir, run.from, steps, argv, trainer));
    } catch (err) {
      trainer.dispose();
      evaluator.dispose();
      throw err;
    }
  }
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  mkdirSync(join(dir, 'samples'), { recursive: true });
  if (!run.from) {
    writeJsonAtomic(join(dir, 'config.json'), {
      kind: 'cyclegan',
      command: ['gymlab', 'train', 'cyclegan', ...argv],
      createdAt: new Date().toISOString(),
      steps,
      evalEvery,
      sampleEvery,
      backend: { requested: run.backendChoice ?? null, tfjs: backend.name, threads: backend.threads },
      options: config,
      evaluation: {
        heldOutImages: evaluator.heldOutA.count,
        mnistClassifierAccuracy: evaluator.mnistClassifierAccuracy,
        domainClassifierAccuracy: evaluator.domainClassifierAccuracy,
      },
    });
  }
  const metricsPath = join(dir, 'metrics.jsonl');
  const log = (line: Record<string, unknown>) => appendFileSync(metricsPath, `${JSON.stringify(line)}\n`);

  // Fixed images for the sample grids: the first held-out images of A, and B's test split spread the same way.
  const ev = evaluator;
  const { loadImageSource } = await import('../../../models/data/domains.ts');
  const { spreadSubset } = await import('../../../models/metrics/cycle.ts');
  const shape = { size: config.size, channels: config.channels };
  const heldOutB = loadImageSource(config.b, { split: 'test', ...shape });
  const columns = Math.min(SAMPLE_COLUMNS, ev.heldOutA.count, heldOutB.count);
  const sampleA = spreadSubset(ev.heldOutA, columns);
  const sampleB = spreadSubset(heldOutB, columns);
  const writeSamples = (step: number) => {
    const px = config.size * config.size * config.channels;
    const rows: Float32Array[] = [];
    for (const [set, there, back] of [
      [sampleA, 'ab', 'ba'],
      [sampleB, 'ba', 'ab'],
    ] as const) {
      const t = trainer.translate(there, set.images, set.count);
      rows.push(set.images, t, trainer.translate(back, t, set.count));
    }
    const images = new Float32Array(rows.reduce((s, r) => s + r.length, 0));
    let k = 0;
    for (const r of rows) {
      images.set(r, k);
      k += r.length;
    }
    const count = images.length / px;
    const png = imageGridPng(
      { images, labels: null, count, height: config.size, width: config.size, channels: config.channels },
      { columns },
    );
    writeFileAtomic(join(dir, 'samples', `step_${step}.png`), png);
  };

  const bar = progressBar(
    !json,
    steps,
    'step {value}/{total} | D {d} | G {g} | cycle {cyc} | ident {ip} | judged B {tdr}',
    { d: '–', g: '–', cyc: '–', ip: '–', tdr: '–' },
  );
  const pct = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(1)}%`);
  const start = performance.now();
  let last = ev.evaluate(trainer);
  try {
    await withProgress(bar, async () => {
      for (let i = first; i <= steps; i++) {
        const s = trainer.step();
        const line: Record<string, unknown> = {
          step: i,
          wall_seconds: wallOffset + (performance.now() - start) / 1000,
          'losses/d_a': s.dA,
          'losses/d_b': s.dB,
          'losses/g_adv': s.gAdv,
          'losses/cycle': s.cycle,
          'losses/identity': s.identity,
        };
        const evaluating = i % evalEvery === 0 || i === steps;
        if (evaluating) {
          last = ev.evaluate(trainer);
          Object.assign(line, {
            'eval/cycle_error': last.cycleError,
            'eval/identity_preserved': last.identityPreserved,
            'eval/target_domain_rate': last.targetDomainRate,
          });
        }
        if (i % sampleEvery === 0 || i === steps) writeSamples(i);
        if (evaluating) {
          // After the samples (as in `train gan`): the state holds exactly what step i + 1 starts from.
          await writeCheckpoint(dir, i, trainer);
          await writeTrainerState(dir, i, trainer);
        }
        if (i % 10 === 0 || i === steps || evaluating) log(line);
        bar.update(i, {
          d: (s.dA + s.dB).toFixed(3),
          g: s.gAdv.toFixed(3),
          cyc: last.cycleError.toFixed(3),
          ip: pct(last.identityPreserved),
          tdr: pct(last.targetDomainRate),
        });
      }
    });
  } finally {
    trainer.dispose();
    ev.dispose();
  }
  const result: TrainCycleGanResultJson = {
    runDir: dir,
    steps,
    wallSeconds: wallOffset + (performance.now() - start) / 1000,
    backend: backend.name,
    cycleError: last.cycleError,
    identityPreserved: last.identityPreserved,
    targetDomainRate: last.targetDomainRate,
  };
  if (json) {
    printJson(result);
  } else {
    printTable(`${config.a} ↔ ${config.b} · cyclegan · seed ${seed}`, [
      ['run directory', result.runDir],
      ['steps', result.steps],
      ['cycle error (A→B→A, [0,1] px)', result.cycleError],
      ['identity preserved (A→B)', pct(result.identityPreserved)],
      ['judged B (A→B)', pct(result.targetDomainRate)],
      ['wall time', `${fmtNum(result.wallSeconds)} s`],
      ['backend', result.backend],
    ]);
  }
  return 0;
}

async function writeCheckpoint(
  dir: string,
  step: number,
  trainer: { checkpoint(): Promise<Record<string, { modelJson: unknown; weightData: Uint8Array }>> },
): Promise<void> {
  const files = await trainer.checkpoint();
  for (const [name, model] of Object.entries(files)) {
    const sub = join(dir, 'checkpoints', `step_${step}`, name);
    mkdirSync(sub, { recursive: true });
    writeFileAtomic(join(sub, 'weights.bin'), model.weightData);
    writeJsonAtomic(join(sub, 'model.json'), model.modelJson);
  }
}
