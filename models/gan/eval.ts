import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

import { Rng } from '../../envs/core/rng.ts';
import { TOY_SETS, toyDataSource } from '../data/toy.ts';
import { loadMlpFromLayersFiles } from '../layers-io.ts';
import { MODE_SAMPLES, type ToyMetrics, toyMetrics } from '../metrics/toy.ts';
import { readTidy } from '../read-tidy.ts';
import { type ToyGanConfig, toyGanConfig } from './toy-gan.ts';

/**
 * The newest `checkpoints/step_<N>/` holding `marker` (default: a generator, `train gan`'s layout; `state.json`
 * for a resumable trainer state), or undefined.
 */
export function latestGanCheckpoint(
  runDir: string,
  marker = join('generator', 'model.json'),
): { step: number; dir: string } | undefined {
  const root = join(runDir, 'checkpoints');
  if (!existsSync(root)) return undefined;
  const steps = readdirSync(root)
    .map((d) => /^step_(\d+)$/.exec(d))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .filter((n) => existsSync(join(root, `step_${n}`, marker)))
    .sort((a, b) => b - a);
  return steps.length === 0 ? undefined : { step: steps[0]!, dir: join(root, `step_${steps[0]}`) };
}

const ACTIVATE = { relu: tf.relu, tanh: tf.tanh, elu: tf.elu } as const;

export interface GanEvaluation extends ToyMetrics {
  step: number;
  variant: string;
  data: string;
  seed: number;
}

/**
 * Recomputes the toy metrics of a `train gan` run's latest generator: MODE_SAMPLES generated points (noise
 * drawn from `Rng(seed)`) against MODE_SAMPLES held-out real points drawn exactly as the trainer draws its
 * held-out set (`Rng(seed ^ 0x5eed)`; the same set as training's when `seed` is the run's). `seed` defaults
 * to the run's. A points file is read from the path the run recorded (relative paths from the working
 * directory, as `train gan` read it). Needs an initialised tfjs backend.
 */
export async function evaluateGanRun(runDir: string, seedOverride?: number): Promise<GanEvaluation> {
  const raw = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as {
    options?: Record<string, unknown>;
  };
  // train gan records the resolved config; its one derived field (the variant's optimizer) is not an option.
  const { optimizer: _optimizer, ...options } = raw.options ?? {};
  const config: ToyGanConfig = toyGanConfig(options);
  const checkpoint = latestGanCheckpoint(runDir);
  if (!checkpoint) throw new RangeError(`${runDir} has no GAN checkpoint (no checkpoints/step_N/generator)`);
  if (!(TOY_SETS as readonly string[]).includes(config.data) && !existsSync(config.data)) {
    throw new RangeError(
      `${runDir} was trained on the points file '${config.data}', which is not found (paths resolve from ${process.cwd()})`,
    );
  }
  const { modes, sample } = toyDataSource(config.data);
  const seed = seedOverride ?? config.seed;

  const genDir = join(checkpoint.dir, 'generator');
  const modelJson = JSON.parse(readFileSync(join(genDir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const paths = modelJson.weightsManifest.flatMap((g) => g.paths);
  const weightData = new Uint8Array(Buffer.concat(paths.map((p) => readFileSync(join(genDir, p)))));
  const { shape, weights } = await loadMlpFromLayersFiles({ modelJson, weightData });
  if (shape.outputSize !== 2) {
    throw new RangeError(`${genDir}: expected a generator with 2 outputs, got ${shape.outputSize}`);
  }

  const rng = new Rng(seed);
  const noise = new Float32Array(MODE_SAMPLES * shape.inputSize);
  for (let i = 0; i < noise.length; i++) noise[i] = rng.normal();
  const fake = readTidy(() => {
    let h: tf.Tensor2D = tf.tensor2d(noise, [MODE_SAMPLES, shape.inputSize]);
    const layers = weights.length / 2;
    for (let l = 0; l < layers; l++) {
      const w = tf.tensor2d(weights[2 * l]!, [h.shape[1], weights[2 * l + 1]!.length]);
      h = tf.add(tf.matMul(h, w), tf.tensor1d(weights[2 * l + 1]!)) as tf.Tensor2D;
      if (l + 1 < layers) h = ACTIVATE[shape.activation](h);
    }
    return h;
  });
  const heldOut = sample(MODE_SAMPLES, new Rng(seed ^ 0x5eed));
  return {
    step: checkpoint.step,
    variant: config.variant,
    data: config.data,
    seed,
    ...toyMetrics(fake, heldOut, modes),
  };
}
