// Usage texts of the DQN commands, apart from their code: the CLI lists them without loading TensorFlow.js.
import { ENV_IDS } from '../../../envs/registry.ts';

export const TRAIN_DQN_USAGE = `gymlab train dqn --env <id> [--config file.json] [--set key=value …] [--seed S] [--steps N]
                 [--out dir] [--num-envs N] [--backend auto|wasm|cpu|…] [--json]
gymlab train dqn --resume <runDir> [--steps N] [--json]
  Trains a DQN agent (defaults: the course lab's; presets per env) until --steps env steps or until solved
  (100-episode mean ≥ the env's threshold). Writes runs/<env>__dqn__<seed>__<time>/: config.json,
  metrics.jsonl, checkpoints/, best/. --resume continues a run from its latest checkpoint.
  ids: ${ENV_IDS.join(', ')}`;

export const EVAL_USAGE = `gymlab eval <runDir> [--episodes N] [--seed S] [--checkpoint best|latest] [--json]   (DQN, GAN or CycleGAN run)
  Runs the trained network's greedy policy for N episodes (default 100; episode i seeded S + i, default S = 0 —
  training resets episodes with hashed seeds, so these are fresh) from best/ (default; the latest checkpoint
  when the run has no best/ yet) or the latest checkpoint.
  For a \`train gan\` run: recomputes the toy metrics of the latest checkpoint's generator (2,500 samples, noise
  and held-out real points seeded by S, default the run's seed); --json prints {runDir, step, variant, data,
  modesCovered, highQualityRate, energyDistance, slicedWasserstein, backend}. For an image run: the
  Inception-score analogue, Fréchet distance and class coverage of evalSamples images (noise seeded by S) against
  the held-out digits; --json prints {runDir, step, variant, data, seed, inceptionScore, frechetDistance,
  classCoverage, backend} (null for images that are not 28×28 grey).
  For a \`train cyclegan\` run: recomputes the metrics of the latest checkpoint's generators on training's
  held-out images with the same classifiers (trained on first use). Deterministic: S is only reported (default
  the run's seed). --json prints {runDir, step, a, b, seed, cycleError, identityPreserved, targetDomainRate,
  backend} (rates as fractions 0..1, null where n/a).`;

export const BENCH_DQN_USAGE = `gymlab bench dqn [--updates N] [--seconds S] [--peer auto|off] [--python PATH] [--backend …] [--json]
  Times one full DQN update and one greedy action exactly as ../shared/anchors/torch_dqn.py does (batch 64,
  8-64-64-4, Adam, target max, MSE, soft update) for the fused learner (the default) and the TensorFlow.js one,
  and end-to-end LunarLander-v3 training steps/s. With PyTorch importable by /usr/bin/python3 (--peer auto), runs
  the anchor in the same invocation and reports its numbers and the ratios.`;
