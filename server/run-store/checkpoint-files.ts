import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { AgentState } from '../../agents/dqn/agent.ts';
import {
  type NetworkSpec,
  OPTIMIZER_SLOTS,
  type OptimizerState,
  weightShapes,
} from '../../agents/dqn/learner.ts';
import type { ReplayBufferHeader } from '../../agents/dqn/replay-buffer.ts';
import type { TrainerConfig, TrainerSnapshot, TrainerState } from '../../agents/dqn/trainer.ts';
import { loadMlpFromLayersFiles, type MlpShape, mlpToLayersFiles } from '../../models/layers-io.ts';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write.ts';

export const CHECKPOINT_FORMAT = 'gymlab-dqn-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** agent-state.json: everything of a checkpoint except the binary arrays, which sit in the named files. */
export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  savedAt: string;
  config: TrainerConfig;
  spec: NetworkSpec;
  agent: AgentState;
  trainer: TrainerState;
  /** Step, episode and ε at save time, for people reading the file. */
  step: number;
  episode: number;
  epsilon: number;
  optimizer: { kind: OptimizerState['kind']; step: number; slots: readonly string[]; file: 'optimizer.bin' };
  replay: (ReplayBufferHeader & { file: 'replay.bin' }) | null;
}

export function shapeOf(spec: NetworkSpec): MlpShape {
  return {
    inputSize: spec.inputSize,
    hiddenSizes: [...spec.hiddenSizes],
    activation: spec.activation,
    outputSize: spec.numActions,
  };
}

/** Writes a layers model pair (`<prefix>model.json` + `<prefix>weights.bin`) into `dir`, weights first. */
export async function writeLayersModel(
  dir: string,
  prefix: string,
  spec: NetworkSpec,
  weights: Float32Array[],
) {
  const files = await mlpToLayersFiles(shapeOf(spec), weights, `${prefix}weights.bin`);
  writeFileAtomic(join(dir, `${prefix}weights.bin`), files.weightData);
  writeJsonAtomic(join(dir, `${prefix}model.json`), files.modelJson);
}

export async function readLayersModel(
  dir: string,
  prefix = '',
): Promise<{ shape: MlpShape; weights: Float32Array[] }> {
  const modelJson = JSON.parse(readFileSync(join(dir, `${prefix}model.json`), 'utf8')) as tf.io.ModelJSON;
  const paths = modelJson.weightsManifest.flatMap((g) => g.paths);
  const weightData = new Uint8Array(Buffer.concat(paths.map((p) => readFileSync(join(dir, p)))));
  return loadMlpFromLayersFiles({ modelJson, weightData });
}

/**
 * Saves a snapshot as `checkpoints/step-<n>/` (written under a temporary name, then renamed: a directory
 * appears complete or not at all), then points `checkpoints/latest.json` at it and removes all but the two
 * newest step directories.
 */
export async function writeCheckpoint(
  runDir: string,
  snapshot: TrainerSnapshot,
  spec: NetworkSpec,
  epsilon: number,
) {
  const root = join(runDir, 'checkpoints');
  mkdirSync(root, { recursive: true });
  const name = `step-${String(snapshot.agent.steps).padStart(9, '0')}`;
  const tmp = join(root, `.${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  await writeLayersModel(tmp, '', spec, snapshot.weights);
  await writeLayersModel(tmp, 'target-', spec, snapshot.targetWeights);
  const slots = OPTIMIZER_SLOTS[snapshot.optimizer.kind];
  writeFileAtomic(
    join(tmp, 'optimizer.bin'),
    concatFloats(slots.flatMap((s) => snapshot.optimizer.slots[s]!)),
  );
  if (snapshot.replay) writeFileAtomic(join(tmp, 'replay.bin'), snapshot.replay.data);
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    savedAt: new Date().toISOString(),
    config: snapshot.config,
    spec,
    agent: snapshot.agent,
    trainer: snapshot.trainer,
    step: snapshot.agent.steps,
    episode: snapshot.agent.episodes,
    epsilon,
    optimizer: { kind: snapshot.optimizer.kind, step: snapshot.optimizer.step, slots, file: 'optimizer.bin' },
    replay: snapshot.replay ? { ...snapshot.replay.header, file: 'replay.bin' } : null,
  };
  writeJsonAtomic(join(tmp, 'agent-state.json'), manifest);
  const final = join(root, name);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  writeJsonAtomic(join(root, 'latest.json'), {
    dir: name,
    step: snapshot.agent.steps,
    savedAt: manifest.savedAt,
  });
  const steps = readdirSync(root)
    .filter((d) => /^step-\d+$/.test(d))
    .sort();
  for (const old of steps.slice(0, -2))
    if (old !== name) rmSync(join(root, old), { recursive: true, force: true });
  return final;
}

/** The directory `checkpoints/latest.json` points at. */
export function latestCheckpointDir(runDir: string): string {
  const pointer = join(runDir, 'checkpoints', 'latest.json');
  if (!existsSync(pointer)) throw new RangeError(`${runDir} has no checkpoint (no checkpoints/latest.json)`);
  const { dir } = JSON.parse(readFileSync(pointer, 'utf8')) as { dir: string };
  return join(runDir, 'checkpoints', dir);
}

export async function readCheckpoint(
  dir: string,
): Promise<{ manifest: CheckpointManifest; snapshot: TrainerSnapshot }> {
  const manifest = JSON.parse(readFileSync(join(dir, 'agent-state.json'), 'utf8')) as CheckpointManifest;
  if (manifest.format !== CHECKPOINT_FORMAT || manifest.version !== CHECKPOINT_VERSION) {
    throw new RangeError(`${dir}: not a ${CHECKPOINT_FORMAT} v${CHECKPOINT_VERSION} checkpoint`);
  }
  const online = await readLayersModel(dir);
  const target = await readLayersModel(dir, 'target-');
  const optBytes = readFileSync(join(dir, manifest.optimizer.file));
  const floats = new Float32Array(
    optBytes.buffer.slice(optBytes.byteOffset, optBytes.byteOffset + optBytes.byteLength),
  );
  const shapes = weightShapes(manifest.spec).map((s) => s.reduce((a, b) => a * b, 1));
  const expected = shapes.reduce((a, b) => a + b, 0) * manifest.optimizer.slots.length;
  if (floats.length !== expected) {
    throw new RangeError(`${dir}/optimizer.bin holds ${floats.length} floats; the network needs ${expected}`);
  }
  const slots: Record<string, Float32Array[]> = {};
  let offset = 0;
  for (const name of manifest.optimizer.slots) {
    slots[name] = shapes.map((size) => {
      const part = floats.slice(offset, offset + size);
      offset += size;
      return part;
    });
  }
  let replay: TrainerSnapshot['replay'] = null;
  if (manifest.replay) {
    const { file, ...header } = manifest.replay;
    replay = { header, data: new Uint8Array(readFileSync(join(dir, file))) };
  }
  return {
    manifest,
    snapshot: {
      config: manifest.config,
      agent: manifest.agent,
      trainer: manifest.trainer,
      weights: online.weights,
      targetWeights: target.weights,
      optimizer: { kind: manifest.optimizer.kind, step: manifest.optimizer.step, slots },
      replay,
    },
  };
}

function concatFloats(parts: readonly Float32Array[]): Uint8Array {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Float32Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return new Uint8Array(out.buffer);
}
