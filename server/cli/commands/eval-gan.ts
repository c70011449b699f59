import { initBackend } from '../../../models/backend.ts';
import { evaluateGanRun } from '../../../models/gan/eval.ts';
import { type Progress, printJson, printTable, progressBar } from '../output.ts';

/** The keys of the one JSON object `gymlab eval <GAN run> --json` prints. */
export interface EvalGanResultJson {
  runDir: string;
  step: number;
  variant: string;
  data: string;
  modesCovered: number | null;
  highQualityRate: number | null;
  energyDistance: number;
  slicedWasserstein: number;
  backend: string;
}

/** `gymlab eval` for a `train gan` run: the latest generator's toy metrics (seed defaults to the run's). */
export async function evalGanCommand(
  runDir: string,
  opts: { seed: number | undefined; json: boolean },
): Promise<number> {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as {
    data?: { kind?: string };
  };
  if (config.data?.kind === 'image') return evalImageGanCommand(runDir, opts);
  const backend = await initBackend();
  const r = await evaluateGanRun(runDir, opts.seed);
  const result: EvalGanResultJson = {
    runDir,
    step: r.step,
    variant: r.variant,
    data: r.data,
    modesCovered: r.modesCovered,
    highQualityRate: r.highQualityRate,
    energyDistance: r.energyDistance,
    slicedWasserstein: r.slicedWasserstein,
    backend: backend.name,
  };
  if (opts.json) {
    printJson(result);
  } else {
    printTable(`${r.data} · ${r.variant} · generator at step ${r.step} · seed ${r.seed}`, [
      ['run directory', runDir],
      ['modes covered', result.modesCovered ?? '–'],
      ['high-quality rate', result.highQualityRate ?? '–'],
      ['energy distance', result.energyDistance],
      ['sliced Wasserstein', result.slicedWasserstein],
      ['backend', result.backend],
    ]);
  }
  return 0;
}

/** The keys of the one JSON object `gymlab eval <image GAN run> --json` prints. */
export interface EvalImageGanResultJson {
  runDir: string;
  step: number;
  variant: string;
  data: string;
  seed: number;
  inceptionScore: number | null;
  frechetDistance: number | null;
  classCoverage: number | null;
  backend: string;
}

/** `gymlab eval` for an image `train gan` run: the latest generator's IS analogue, Fréchet distance, coverage. */
async function evalImageGanCommand(
  runDir: string,
  opts: { seed: number | undefined; json: boolean },
): Promise<number> {
  const [{ evaluateImageGanRun, readImageGanRunConfig }, { registerWasmKernels }] = await Promise.all([
    import('../../../models/gan/image-gan-eval.ts'),
    import('../../../models/kernels/register.ts'),
  ]);
  readImageGanRunConfig(runDir);
  const backend = await initBackend();
  registerWasmKernels();
  const progress = classifierProgress(opts.json, 'MNIST classifier');
  let r: Awaited<ReturnType<typeof evaluateImageGanRun>>;
  try {
    r = await evaluateImageGanRun(runDir, { seed: opts.seed, onProgress: progress.onProgress });
  } finally {
    progress.stop();
  }
  const result: EvalImageGanResultJson = {
    runDir,
    step: r.step,
    variant: r.variant,
    data: r.data,
    seed: r.seed,
    inceptionScore: r.inceptionScore,
    frechetDistance: r.frechetDistance,
    classCoverage: r.classCoverage,
    backend: backend.name,
  };
  if (opts.json) {
    printJson(result);
  } else {
    printTable(`${r.data} · ${r.variant} · generator at step ${r.step} · seed ${r.seed}`, [
      ['run directory', runDir],
      ['samples', r.samples],
      ['inception score', result.inceptionScore ?? '– (not 28×28 grey)'],
      ['Fréchet distance', result.frechetDistance ?? '–'],
      ['class coverage', result.classCoverage ?? '–'],
      ['backend', result.backend],
    ]);
  }
  return 0;
}

/** The keys of the one JSON object `gymlab eval <CycleGAN run> --json` prints (rates as fractions 0..1). */
export interface EvalCycleGanResultJson {
  runDir: string;
  step: number;
  a: string;
  b: string;
  seed: number;
  cycleError: number;
  identityPreserved: number | null;
  targetDomainRate: number | null;
  backend: string;
}

/**
 * `gymlab eval` for a `train cyclegan` run: the latest checkpoint's cycle error, identity preservation and
 * target-domain rate on training's held-out images. Training a classifier on first use shows a progress bar
 * (not with --json).
 */
export async function evalCycleGanCommand(
  runDir: string,
  opts: { seed: number | undefined; json: boolean },
): Promise<number> {
  const [{ evaluateCycleGanRun, readCycleGanRunConfig }, { registerWasmKernels }] = await Promise.all([
    import('../../../models/gan/cyclegan-eval.ts'),
    import('../../../models/kernels/register.ts'),
  ]);
  // The config (and its folders) are checked before TensorFlow.js starts.
  readCycleGanRunConfig(runDir);
  const backend = await initBackend();
  registerWasmKernels();
  const progress = classifierProgress(opts.json, 'classifier');
  let r: Awaited<ReturnType<typeof evaluateCycleGanRun>>;
  try {
    r = await evaluateCycleGanRun(runDir, { seed: opts.seed, onProgress: progress.onProgress });
  } finally {
    progress.stop();
  }
  const result: EvalCycleGanResultJson = {
    runDir,
    step: r.step,
    a: r.a,
    b: r.b,
    seed: r.seed,
    cycleError: r.cycleError,
    identityPreserved: r.identityPreserved,
    targetDomainRate: r.targetDomainRate,
    backend: backend.name,
  };
  if (opts.json) {
    printJson(result);
  } else {
    const pct = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(1)}%`);
    printTable(`${r.a} ↔ ${r.b} · cyclegan · generators at step ${r.step}`, [
      ['run directory', runDir],
      ['held-out images of A', r.heldOutImages],
      ['cycle error (A→B→A, [0,1] px)', r.cycleError],
      ['identity preserved (A→B)', pct(r.identityPreserved)],
      ['judged B (A→B)', pct(r.targetDomainRate)],
      ['MNIST classifier accuracy', pct(r.mnistClassifierAccuracy)],
      ['domain classifier accuracy', pct(r.domainClassifierAccuracy)],
      ['backend', result.backend],
    ]);
  }
  return 0;
}

/**
 * Progress for a classifier trained on first use: the bar appears only when one actually trains (cached ones
 * load silently) and never with --json. `stop` must run even on failure: a running bar keeps its timer alive.
 */
function classifierProgress(
  json: boolean,
  label: string,
): { onProgress: (done: number, total: number, info: string) => void; stop: () => void } {
  let bar: Progress | undefined;
  return {
    onProgress: (done, total, info) => {
      if (json) return;
      bar ??= progressBar(true, 1, `${label} {info}`, { info: '' });
      bar.update(total > 0 ? done / total : 0, { info });
    },
    stop: () => bar?.stop(),
  };
}
