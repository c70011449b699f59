import { Rng } from '../../envs/core/rng.ts';
import { createLearner } from './create-learner.ts';
import { argmaxRows, initialWeights, type NetworkSpec, type UpdateSettings } from './learner.ts';
import { resolveDqnOptions } from './options.ts';
import { DqnTrainer } from './trainer.ts';

export interface UpdateBenchResult {
  backend: string;
  msPerUpdate: number;
  msPerAct: number;
  updates: number;
}

/** The anchor's network and settings (../shared/anchors/torch_dqn.py). */
const ANCHOR_SPEC: NetworkSpec = { inputSize: 8, hiddenSizes: [64, 64], activation: 'relu', numActions: 4 };

/**
 * Exactly torch_dqn.py's work: batch 64 of random normal data, MLP 8-64-64-4, Adam lr 1e-3 (PyTorch's ε 1e-8),
 * y = r + 0.995·max Q_target(s')·(1 − done), MSE, soft update τ 1e-3 after every update; 200 warm-up updates,
 * then `updates` timed. One greedy action (forward pass + argmax, read back) for one state, 5000 times.
 */
export async function benchUpdates(learner: 'fused' | 'tfjs', updates: number): Promise<UpdateBenchResult> {
  const options = resolveDqnOptions('LunarLander-v3', { learner, optimizerEpsilon: 1e-8 });
  const l = await createLearner(options, ANCHOR_SPEC, 1);
  try {
    const rng = new Rng(0);
    const w = initialWeights(ANCHOR_SPEC, rng);
    l.setWeights('online', w);
    l.setWeights('target', w);
    const b = l.batch;
    for (let i = 0; i < b.obs.length; i++) {
      b.obs[i] = rng.normal();
      b.nextObs[i] = rng.normal();
    }
    for (let i = 0; i < b.size; i++) {
      b.actions[i] = rng.int(4);
      b.rewards[i] = rng.normal();
      b.terminated[i] = 0;
    }
    const settings: UpdateSettings = {
      gamma: 0.995,
      learningRate: 1e-3,
      loss: 'mse',
      huberDelta: 1,
      maxGradNorm: null,
      doubleDqn: false,
      wantTdErrors: false,
    };
    const once = () => {
      l.update(settings, false);
      l.updateTarget(1e-3);
    };
    for (let i = 0; i < 200; i++) once();
    let t = performance.now();
    for (let i = 0; i < updates; i++) once();
    // Read the result back once so a backend with lazy execution has really finished the work.
    l.qValues(b.obs, 1);
    const msPerUpdate = (performance.now() - t) / updates;
    const x = new Float32Array(8).map(() => rng.normal());
    const out = new Int32Array(1);
    const acts = 5000;
    for (let i = 0; i < 200; i++) argmaxRows(l.qValues(x, 1), 1, 4, out);
    t = performance.now();
    for (let i = 0; i < acts; i++) argmaxRows(l.qValues(x, 1), 1, 4, out);
    const msPerAct = (performance.now() - t) / acts;
    return { backend: l.backend, msPerUpdate, msPerAct, updates };
  } finally {
    l.dispose();
  }
}

export interface TrainBenchResult {
  backend: string;
  stepsPerSecond: number;
  steps: number;
  seconds: number;
  updates: number;
}

/**
 * End-to-end LunarLander-v3 training throughput with the course lab's settings (a learning step every 4 env
 * steps, batch 64, 64-64 network, soft update; the preset learns every 2): env step + ε-greedy action + buffer +
 * learning, timed for about `seconds` after 2,000 warm-up steps (learning starts once the buffer holds a batch).
 */
export async function benchTraining(learner: 'fused' | 'tfjs', seconds: number): Promise<TrainBenchResult> {
  const options = resolveDqnOptions('LunarLander-v3', { learner, stopWhenSolved: false, trainFrequency: 4 });
  const trainer = await DqnTrainer.create({
    envId: 'LunarLander-v3',
    options,
    seed: 0,
    numEnvs: 1,
    totalSteps: Number.MAX_SAFE_INTEGER,
  });
  try {
    trainer.step(2000);
    const steps0 = trainer.steps;
    const updates0 = trainer.agent.updates;
    const t0 = performance.now();
    const deadline = t0 + seconds * 1000;
    while (performance.now() < deadline) trainer.step(200);
    const elapsed = (performance.now() - t0) / 1000;
    return {
      backend: trainer.agent.learner.backend,
      stepsPerSecond: (trainer.steps - steps0) / elapsed,
      steps: trainer.steps - steps0,
      seconds: elapsed,
      updates: trainer.agent.updates - updates0,
    };
  } finally {
    trainer.close();
  }
}
