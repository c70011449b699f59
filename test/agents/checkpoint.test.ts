import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDqnOptions } from '../../agents/dqn/options.ts';
import { DqnTrainer, type EpisodeRecord, type TrainerConfig } from '../../agents/dqn/trainer.ts';
import { initBackend } from '../../models/backend.ts';
import {
  latestCheckpointDir,
  readCheckpoint,
  writeCheckpoint,
} from '../../server/run-store/checkpoint-files.ts';

let dir: string;

beforeAll(async () => {
  await initBackend();
  dir = mkdtempSync(join(tmpdir(), 'gymlab-ckpt-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function cartPole(extra: Record<string, unknown> = {}): TrainerConfig {
  return {
    envId: 'CartPole-v1',
    options: resolveDqnOptions('CartPole-v1', {
      learningStarts: 200,
      saveReplayBuffer: true,
      prioritizedReplay: true,
      hiddenSizes: [32, 32],
      ...extra,
    }),
    seed: 11,
    numEnvs: 1,
    totalSteps: 1_000_000,
  };
}

/** Steps until an episode has just ended (every env is at the start of a fresh episode). */
function stepToEpisodeBoundary(trainer: DqnTrainer): void {
  do trainer.step(1);
  while (trainer.midEpisode);
}

describe('checkpoints', () => {
  it('round-trip through files: identical Q-values, target, optimizer and replay buffer', async () => {
    const trainer = await DqnTrainer.create(cartPole());
    trainer.step(1500);
    const runDir = join(dir, 'round-trip');
    const snapshot = await trainer.snapshot(true);
    await writeCheckpoint(runDir, snapshot, trainer.agent.spec, trainer.agent.epsilon);
    const ckpt = latestCheckpointDir(runDir);
    expect(readdirSync(ckpt).sort()).toEqual([
      'agent-state.json',
      'model.json',
      'optimizer.bin',
      'replay.bin',
      'target-model.json',
      'target-weights.bin',
      'weights.bin',
    ]);
    const { manifest, snapshot: loaded } = await readCheckpoint(ckpt);
    expect(manifest).toMatchObject({ step: 1500, episode: trainer.episodes, epsilon: trainer.agent.epsilon });
    expect(loaded.agent).toEqual(snapshot.agent);
    expect(loaded.weights).toEqual(snapshot.weights);
    expect(loaded.targetWeights).toEqual(snapshot.targetWeights);
    expect(loaded.optimizer).toEqual(snapshot.optimizer);
    expect(loaded.replay!.header).toEqual(snapshot.replay!.header);
    expect(Buffer.from(loaded.replay!.data).equals(Buffer.from(snapshot.replay!.data))).toBe(true);

    const restored = await DqnTrainer.restore(loaded);
    const inputs = Float32Array.from({ length: 4 * 50 }, (_, i) => Math.sin(i * 0.37) * 2);
    expect(Array.from(restored.agent.learner.qValues(inputs, 50))).toEqual(
      Array.from(trainer.agent.learner.qValues(inputs, 50)),
    );
    expect(restored.agent.learner.getWeights('target')).toEqual(trainer.agent.learner.getWeights('target'));

    // model.json is a TensorFlow.js layers model: tf.loadLayersModel reads it and predicts the same Q-values.
    const modelJson = JSON.parse(readFileSync(join(ckpt, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    expect(modelJson.format).toBe('layers-model');
    expect(modelJson.weightsManifest[0]!.paths).toEqual(['weights.bin']);
    const bin = readFileSync(join(ckpt, 'weights.bin'));
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0]!.weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
      }),
    );
    const predicted = tf.tidy(() => (model.predict(tf.tensor2d(inputs, [50, 4])) as tf.Tensor).dataSync());
    const ours = trainer.agent.learner.qValues(inputs, 50);
    expect(Array.from(predicted)).toEqual(Array.from(ours, (v) => expect.closeTo(v, 4)));
    model.dispose();
    trainer.close();
    restored.close();
  });

  it('a resumed run continues the same trajectory as the uninterrupted one', async () => {
    const records = (target: EpisodeRecord[]) => ({ onEpisode: (r: EpisodeRecord) => target.push(r) });
    const aEpisodes: EpisodeRecord[] = [];
    const a = await DqnTrainer.create(cartPole(), records(aEpisodes));
    a.step(800);
    stepToEpisodeBoundary(a);
    const runDir = join(dir, 'resume');
    await writeCheckpoint(runDir, await a.snapshot(true), a.agent.spec, a.agent.epsilon);
    const at = a.steps;
    const episodesAt = aEpisodes.length;
    a.step(1500);

    const { snapshot } = await readCheckpoint(latestCheckpointDir(runDir));
    const bEpisodes: EpisodeRecord[] = [];
    const b = await DqnTrainer.restore(snapshot, records(bEpisodes));
    expect(b.steps).toBe(at);
    b.step(1500);

    expect(bEpisodes.length).toBeGreaterThan(3);
    expect(bEpisodes).toEqual(aEpisodes.slice(episodesAt));
    expect(b.agent.updates).toBe(a.agent.updates);
    expect(b.agent.rng.getState()).toEqual(a.agent.rng.getState());
    expect(b.agent.learner.getWeights('online')).toEqual(a.agent.learner.getWeights('online'));
    expect(b.agent.learner.getWeights('target')).toEqual(a.agent.learner.getWeights('target'));
    expect(await b.agent.learner.getOptimizerState()).toEqual(await a.agent.learner.getOptimizerState());
    a.close();
    b.close();
  });

  it('keeps the two newest step directories and writes a replay file only when asked', async () => {
    const trainer = await DqnTrainer.create(cartPole({ saveReplayBuffer: false, prioritizedReplay: false }));
    const runDir = join(dir, 'rotation');
    for (let i = 0; i < 3; i++) {
      trainer.step(100);
      await writeCheckpoint(runDir, await trainer.snapshot(false), trainer.agent.spec, trainer.agent.epsilon);
    }
    expect(readdirSync(join(runDir, 'checkpoints')).sort()).toEqual([
      'latest.json',
      'step-000000200',
      'step-000000300',
    ]);
    expect(existsSync(join(latestCheckpointDir(runDir), 'replay.bin'))).toBe(false);
    trainer.close();
  });
});
