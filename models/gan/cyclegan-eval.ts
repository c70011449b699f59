import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { OptionsError } from '../../envs/core/options.ts';
import { registerWasmKernels } from '../kernels/register.ts';
import { CycleEvaluator, type CycleMetrics, type Translator } from '../metrics/cycle.ts';
import {
  type CycleGanConfig,
  cycleGanConfig,
  isMnistDomain,
  loadCycleGanNet,
  readNetFiles,
  translateWith,
} from './cyclegan.ts';

/** The generators a checkpoint needs for evaluation (the discriminators are not used). */
const GENERATORS = ['g_ab', 'g_ba'] as const;

/** The newest `checkpoints/step_<N>/` holding both generators (`train cyclegan`'s layout), or undefined. */
export function latestCycleGanCheckpoint(runDir: string): { step: number; dir: string } | undefined {
  const root = join(runDir, 'checkpoints');
  if (!existsSync(root)) return undefined;
  const steps = readdirSync(root)
    .map((d) => /^step_(\d+)$/.exec(d))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .filter((n) => GENERATORS.every((g) => existsSync(join(root, `step_${n}`, g, 'model.json'))))
    .sort((a, b) => b - a);
  return steps.length === 0 ? undefined : { step: steps[0]!, dir: join(root, `step_${steps[0]}`) };
}

export interface CycleGanEvaluation extends CycleMetrics {
  /** The checkpoint's step. */
  step: number;
  /** The run's domains as recorded (folders as the paths `train cyclegan` was given). */
  a: string;
  b: string;
  /** The seed reported (default the run's); evaluation draws no random numbers, so it changes nothing. */
  seed: number;
  /** Held-out images of A the metrics were computed on. */
  heldOutImages: number;
  mnistClassifierAccuracy: number | null;
  domainClassifierAccuracy: number | null;
}

export interface EvaluateCycleGanOptions {
  /** Seed to report (default the run's). CycleGAN evaluation is deterministic: the metrics do not depend on it. */
  seed?: number;
  /** Models directory of the cached classifiers (default as training: $GYMLAB_MODELS_DIR or .gymlab/models). */
  dir?: string;
  /** Classifier training progress (first use only) and cache messages, as `CycleEvaluator.create` reports them. */
  onProgress?: (done: number, total: number, info: string) => void;
}

/** The run's validated CycleGAN config (config.json `kind: 'cyclegan'`, `options` as training resolved them). */
export function readCycleGanRunConfig(runDir: string): CycleGanConfig {
  const path = join(runDir, 'config.json');
  if (!existsSync(path)) throw new RangeError(`${runDir} is not a run directory (no config.json)`);
  let raw: { kind?: unknown; options?: unknown };
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as typeof raw;
  } catch (err) {
    throw new RangeError(`${path} is not valid JSON (${(err as Error).message})`);
  }
  if (raw?.kind !== 'cyclegan') {
    throw new RangeError(
      `${runDir} is not a CycleGAN run (config.json kind is ${JSON.stringify(raw?.kind)})`,
    );
  }
  const options = (raw.options ?? {}) as Record<string, unknown>;
  // A folder domain that has moved or been deleted since training: name it, rather than the option check's
  // generic "must be a domain or an existing folder".
  for (const field of ['a', 'b'] as const) {
    const spec = options[field];
    if (typeof spec === 'string' && spec.length > 0 && !isMnistDomain(spec) && !existsSync(spec)) {
      throw new RangeError(
        `${runDir} was trained with domain ${field} = the folder '${spec}', which is not found (looked for ` +
          `${resolve(spec)}; relative paths resolve from the working directory, ${process.cwd()})`,
      );
    }
  }
  try {
    return cycleGanConfig(options);
  } catch (err) {
    if (err instanceof OptionsError) throw new OptionsError(`${path} options`, err.issues);
    throw err;
  }
}

/**
 * Recomputes a `train cyclegan` run's metrics (cycle error, identity preserved, judged as the target domain) from
 * its latest checkpoint with both generators, exactly as training evaluates: the same held-out images of A, the
 * same cached classifiers (trained on first use), the generators run in the same chunks. On the backend the run
 * was trained with, a finished run's evaluation equals training's final metrics. Folder domains are read from
 * the paths the run recorded (relative paths from the working directory, as `train cyclegan` read them).
 * Needs an initialised tfjs backend.
 */
export async function evaluateCycleGanRun(
  runDir: string,
  opts: EvaluateCycleGanOptions = {},
): Promise<CycleGanEvaluation> {
  const config = readCycleGanRunConfig(runDir);
  const checkpoint = latestCycleGanCheckpoint(runDir);
  if (!checkpoint) {
    throw new RangeError(
      `${runDir} has no CycleGAN checkpoint (no checkpoints/step_N/ with g_ab/ and g_ba/): it is written ` +
        'at every --eval-every step',
    );
  }
  registerWasmKernels();
  const nets: Awaited<ReturnType<typeof loadCycleGanNet>>[] = [];
  let evaluator: CycleEvaluator | undefined;
  try {
    for (const g of GENERATORS) {
      const dir = join(checkpoint.dir, g);
      let files: ReturnType<typeof readNetFiles>;
      try {
        files = readNetFiles(dir);
      } catch (err) {
        throw new RangeError(`${dir}: cannot read the checkpoint (${(err as Error).message})`);
      }
      const net = await loadCycleGanNet(files);
      nets.push(net);
      if (net.shape.kind !== 'generator' || net.shape.channels !== config.channels) {
        throw new RangeError(
          `${dir}: expected a generator for ${config.channels}-channel images (got a ${net.shape.kind} with ` +
            `${net.shape.channels} channels)`,
        );
      }
    }
    const [gAB, gBA] = nets as [(typeof nets)[0], (typeof nets)[0]];
    const imageShape: [number, number, number] = [config.size, config.size, config.channels];
    const translator: Translator = {
      translate: (direction, images, count) => {
        const g = direction === 'ab' ? gAB : gBA;
        return translateWith(g.params, g.shape.resBlocks, imageShape, images, count);
      },
    };
    evaluator = await CycleEvaluator.create(config.a, config.b, {
      size: config.size,
      channels: config.channels,
      dir: opts.dir,
      onProgress: opts.onProgress,
    });
    const metrics = evaluator.evaluate(translator);
    return {
      step: checkpoint.step,
      a: config.a,
      b: config.b,
      seed: opts.seed ?? config.seed,
      ...metrics,
      heldOutImages: evaluator.heldOutA.count,
      mnistClassifierAccuracy: evaluator.mnistClassifierAccuracy,
      domainClassifierAccuracy: evaluator.domainClassifierAccuracy,
    };
  } finally {
    for (const n of nets) n.dispose();
    evaluator?.dispose();
  }
}
