// Usage texts of the GAN commands, apart from their code: the CLI lists them without loading TensorFlow.js.
export const TRAIN_GAN_USAGE = `gymlab train gan --variant gan|lsgan|wgan|wgan-gp|sngan --data <source>
                 [--steps N] [--seed S] [--set key=value …] [--eval-every N] [--sample-every N] [--out dir]
                 [--backend …] [--threads N|auto] [--json]
       gymlab train gan --resume <runDir> [--steps N] [--threads N|auto] [--json]
  --data is 2-D data (8gaussians, 25gaussians, swissroll, ring, twomoons, or a JSON/CSV file of x,y pairs) or
  images (mnist, mnist-thin, mnist-thick, mnist-inverted, optionally with digits: mnist:3, mnist:0,1; or a folder
  of PNG/JPEG files). --steps counts generator steps (default 2000); evaluation and checkpoints every
  --eval-every steps (default min(500, steps)), sample pictures every --sample-every steps (default: eval-every).
  2-D options (--set): batchSize, hidden, depth, noiseDim, criticSteps, lr, lrG, beta1, beta2, gpLambda (0.1),
  clip, wganWarmup, labelSmoothing.
  Image options (--set): batchSize (64), noiseDim (64), gChannels (32), dChannels (32), batchNorm (true),
  pixelNorm, minibatchStd, equalizedLr (progressive-GAN tricks, false), dBatchNorm (gan, lsgan), imageSize
  (folders, 28), criticSteps, lr, lrG, beta1, beta2, gpLambda (10), clip, wganWarmup, labelSmoothing, gEma
  (decay of G's weight average used for samples, 0 = off), conditional (class-conditional G and projection D
  on labelled MNIST domains, false), evalSamples (1500).
  Writes runs/<data>__<variant>__<seed>__<time>/: config.json, metrics.jsonl, samples/step_<N>.png (image grids,
  or real vs generated points over the critic's contours), checkpoints/step_<N>/{generator,discriminator}.
  --resume continues a run (2-D or images) from its latest checkpoint (weights, batch-norm parameters, weight
  average, optimiser state, Rng: the same result as an uninterrupted run); --steps may raise its budget.
  --threads N|auto: threads of the wasm backend's convolutions (default $GYMLAB_WASM_THREADS, else 1; auto = the
  cores, at most 8); results are the same for any count.
  --json prints {runDir, steps, wallSeconds, backend} and for 2-D data {modesCovered, highQualityRate,
  energyDistance, slicedWasserstein} (mode metrics null for sets without modes), for images {inceptionScore,
  frechetDistance, classCoverage} (from the small MNIST classifier, trained and cached on first use under
  $GYMLAB_MODELS_DIR or .gymlab/models; null for images that are not 28×28 grey).`;

export const BENCH_GAN_USAGE = `gymlab bench gan [--steps N] [--toy-steps N] [--peer auto|off] [--python PATH] [--backend …] [--threads N|auto]
                 [--json]
  Times one DCGAN training step exactly as ../shared/anchors/torch_dcgan.py does (batch 64, 28×28; D then G;
  Adam) and one step of the toy MLP GAN (batch 256, 3×512). With PyTorch importable by /usr/bin/python3
  (--peer auto), runs the anchor in the same invocation and reports its ms per step and the ratio.
  --threads sets the wasm backend's threads and the anchor's torch threads alike (default 1).
  --json prints {msPerStep, backend, threads, toyMsPerStep, peerMsPerStep, ratio}.`;
