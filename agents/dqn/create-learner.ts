import { FusedLearner } from './fused/fused-learner.ts';
import type { NetworkSpec, OptimizerSpec, QLearner } from './learner.ts';
import type { DqnOptions } from './options.ts';

export function optimizerSpec(options: DqnOptions): OptimizerSpec {
  return {
    kind: options.optimizer,
    beta1: options.adamBeta1,
    beta2: options.adamBeta2,
    epsilon: options.optimizerEpsilon,
    rmspropDecay: options.rmspropDecay,
    momentum: options.optimizer === 'adam' ? 0 : options.momentum,
  };
}

/**
 * 'auto' and 'fused' build the fused learner: it covers every option (MLP, all activations, losses and
 * optimizers) and is ~10× faster than TensorFlow.js on this size of network. 'tfjs' runs the same update in
 * TensorFlow.js ops on the backend `models/backend.ts` selects (initialised here if nobody did yet).
 * TensorFlow.js is imported only then, so the fused path stays light in worker threads and browsers.
 */
export async function createLearner(
  options: DqnOptions,
  spec: NetworkSpec,
  maxActRows: number,
  backendChoice?: string,
): Promise<QLearner> {
  const common = { spec, optimizer: optimizerSpec(options), batchSize: options.batchSize };
  if (options.learner === 'tfjs') {
    const [{ activeBackend, initBackend }, { TfjsLearner }] = await Promise.all([
      import('../../models/backend.ts'),
      import('./tfjs-learner.ts'),
    ]);
    if (!activeBackend() || backendChoice) await initBackend(backendChoice);
    return new TfjsLearner(common);
  }
  return new FusedLearner({ ...common, maxActRows });
}
