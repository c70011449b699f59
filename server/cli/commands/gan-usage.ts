// Usage texts of the GAN commands, apart from their code: the CLI lists them without loading TensorFlow.js.
export const TRAIN_GAN_USAGE = `gymlab train gan --variant gan|lsgan|wgan|wgan-gp|sngan --data <set|points.json|points.csv>
                 [--steps N] [--seed S] [--set key=value …] [--eval-every N] [--out dir] [--backend …] [--json]
  Trains a GAN on 2-D data (sets: 8gaussians, 25gaussians, swissroll, ring, twomoons, or a file of x,y pairs);
  --steps counts generator steps (default 2000). Options (--set): batchSize, hidden, depth, noiseDim,
  criticSteps, lr, lrG, beta1, beta2, gpLambda, clip, wganWarmup, labelSmoothing. Writes
  runs/<data>__<variant>__<seed>__<time>/: config.json, metrics.jsonl, checkpoints/step_<N>/{generator,discriminator}
  (TensorFlow.js layers models). --json prints {runDir, steps, wallSeconds, backend, modesCovered,
  highQualityRate, energyDistance, slicedWasserstein} (mode metrics null for sets without modes).`;

export const BENCH_GAN_USAGE = `gymlab bench gan [--steps N] [--toy-steps N] [--peer auto|off] [--python PATH] [--backend …] [--json]
  Times one DCGAN training step exactly as ../shared/anchors/torch_dcgan.py does (batch 64, 28×28; D then G;
  Adam) and one step of the toy MLP GAN (batch 256, 3×512). With PyTorch importable by /usr/bin/python3
  (--peer auto), runs the anchor in the same invocation and reports its ms per step and the ratio.
  --json prints {msPerStep, backend, toyMsPerStep, peerMsPerStep, ratio}.`;
