import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Trains the MNIST classifier that image metrics need once, before any test file runs, into a models directory
 * shared by every test (and by the CLI processes they spawn, through the inherited environment). Without this,
 * each file that evaluates images would train its own copy at the same time on CI's two cores. The cache is
 * checked against its recipe hash and weights, so a stale one from an earlier run is retrained, not trusted.
 */
export async function setup(): Promise<void> {
  process.env['GYMLAB_MODELS_DIR'] ??= join(tmpdir(), 'gymlab-test-models');
  const [{ initBackend }, { loadOrTrainMnistClassifier }] = await Promise.all([
    import('../models/backend.ts'),
    import('../models/metrics/mnist-classifier.ts'),
  ]);
  await initBackend('wasm');
  let last = -1;
  const classifier = await loadOrTrainMnistClassifier({
    onProgress: (done, total, info) => {
      const pct = Math.floor((100 * done) / total);
      if (pct >= last + 10) {
        last = pct;
        process.stderr.write(`global setup: MNIST classifier ${pct}% ${info}\n`);
      }
    },
  });
  process.stderr.write(
    `global setup: MNIST classifier ready in ${process.env['GYMLAB_MODELS_DIR']} (held-out accuracy ${classifier.accuracy})\n`,
  );
  classifier.dispose();
}
