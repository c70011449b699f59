import type { Rest } from '../net/rest.ts';
import { ServerError } from '../ui/errors.ts';

/** A Q-network loaded from a checkpoint: batch in, Q-values out. */
export interface QNetwork {
  readonly inputSize: number;
  readonly numActions: number;
  /** `n` input rows (n × inputSize) → n × numActions Q-values. */
  predict(inputs: Float32Array, n: number): Float32Array;
  dispose(): void;
}

type Tf = typeof import('@tensorflow/tfjs');
let tfPromise: Promise<Tf> | null = null;

/**
 * TensorFlow.js, loaded on first use only (it is most of the bundle's weight) and on its cpu backend: these
 * networks are a few thousand weights, and the cpu backend leaves the GPU (WebGL) to the scene.
 */
function loadTf(): Promise<Tf> {
  tfPromise ??= import('@tensorflow/tfjs').then(async (tf) => {
    await tf.setBackend('cpu');
    await tf.ready();
    return tf;
  });
  return tfPromise;
}

/**
 * Loads a run's latest (or best) checkpoint — a TensorFlow.js layers model served by the server — with the
 * page's token as a Bearer header on both the model.json and the weights request.
 */
export async function loadQNetwork(
  rest: Rest,
  runId: string,
  which: 'latest' | 'best' = 'latest',
): Promise<QNetwork> {
  const tf = await loadTf();
  const url = rest.checkpointModelUrl(runId, which);
  let model: import('@tensorflow/tfjs').LayersModel;
  try {
    model = await tf.loadLayersModel(
      tf.io.http(url, { requestInit: { headers: rest.headers(), cache: 'no-store' } }),
    );
  } catch (err) {
    // tfjs reports HTTP failures as "Request to … failed with status code 404": ask the server why, in its words.
    const why = await rest.text(url.slice(rest.endpoint.httpBase.length)).then(
      () => null,
      (e: unknown) => e,
    );
    if (why instanceof ServerError) throw why;
    throw new ServerError('internal', `could not load the checkpoint: ${(err as Error).message}`);
  }
  const inputShape = model.inputs[0]!.shape;
  const outputShape = model.outputs[0]!.shape;
  const inputSize = Number(inputShape[inputShape.length - 1]);
  const numActions = Number(outputShape[outputShape.length - 1]);
  return {
    inputSize,
    numActions,
    predict(inputs, n) {
      return tf.tidy(() => {
        const out = model.predict(tf.tensor2d(inputs, [n, inputSize])) as import('@tensorflow/tfjs').Tensor;
        return out.dataSync() as Float32Array;
      });
    },
    dispose() {
      model.dispose();
    },
  };
}
