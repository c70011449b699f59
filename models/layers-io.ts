import * as tf from '@tensorflow/tfjs';

/** A dense network's shape, as stored in a TensorFlow.js layers model. */
export interface MlpShape {
  inputSize: number;
  hiddenSizes: number[];
  activation: 'relu' | 'tanh' | 'elu';
  outputSize: number;
}

/** The two files of a TensorFlow.js layers model: `model.json` (topology + manifest) and its weights file. */
export interface LayersModelFiles {
  modelJson: tf.io.ModelJSON;
  weightData: Uint8Array;
}

const ACTIVATIONS = ['relu', 'tanh', 'elu'] as const;

/**
 * Writes an MLP's weights (layers order: kernel in × out, bias, …) as a TensorFlow.js layers model — exactly
 * what `model.save('file://…')` or a browser's `tf.loadLayersModel(url)` expects — by building the Sequential
 * model and saving it through a custom save handler that captures the artifacts.
 */
export async function mlpToLayersFiles(
  shape: MlpShape,
  weights: readonly Float32Array[],
  weightsPath = 'weights.bin',
): Promise<LayersModelFiles> {
  const sizes = [...shape.hiddenSizes, shape.outputSize];
  const model = tf.sequential({ name: 'q_network' });
  sizes.forEach((units, l) => {
    model.add(
      tf.layers.dense({
        name: `dense_${l}`,
        units,
        activation: l < sizes.length - 1 ? shape.activation : 'linear',
        ...(l === 0 ? { inputShape: [shape.inputSize] } : {}),
      }),
    );
  });
  const tensors = weights.map((w, i) => tf.tensor(w, model.weights[i]!.shape as number[]));
  try {
    model.setWeights(tensors);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const a = artifacts!;
    const data = tf.io.CompositeArrayBuffer.join(a.weightData!);
    return {
      modelJson: {
        modelTopology: a.modelTopology as object,
        format: a.format,
        generatedBy: a.generatedBy,
        convertedBy: a.convertedBy,
        weightsManifest: [{ paths: [weightsPath], weights: a.weightSpecs! }],
      },
      weightData: new Uint8Array(data),
    };
  } finally {
    tf.dispose(tensors);
    model.dispose();
  }
}

/**
 * Reads a layers model written by `mlpToLayersFiles` (or any Sequential of dense layers) with
 * `tf.loadLayersModel` through an in-memory IO handler, and returns its shape and weights.
 */
export async function loadMlpFromLayersFiles(
  files: LayersModelFiles,
): Promise<{ shape: MlpShape; weights: Float32Array[] }> {
  const specs = files.modelJson.weightsManifest.flatMap((group) => group.weights);
  const buffer = files.weightData.buffer.slice(
    files.weightData.byteOffset,
    files.weightData.byteOffset + files.weightData.byteLength,
  ) as ArrayBuffer;
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: files.modelJson.modelTopology,
      weightSpecs: specs,
      weightData: buffer,
    }),
  );
  try {
    const dense = model.layers.map((layer) => layer.getConfig() as { units?: number; activation?: string });
    if (dense.some((c) => typeof c.units !== 'number')) {
      throw new RangeError('model.json: expected a Sequential of dense layers only');
    }
    const activation = dense.length > 1 ? dense[0]!.activation : 'relu';
    if (!(ACTIVATIONS as readonly string[]).includes(activation ?? '')) {
      throw new RangeError(
        `model.json: hidden activation '${activation}' is not one of ${ACTIVATIONS.join(', ')}`,
      );
    }
    const inputShape = model.inputs[0]!.shape;
    const shape: MlpShape = {
      inputSize: inputShape[inputShape.length - 1]!,
      hiddenSizes: dense.slice(0, -1).map((c) => c.units!),
      activation: activation as MlpShape['activation'],
      outputSize: dense[dense.length - 1]!.units!,
    };
    const weights = model.getWeights().map((t) => (t.dataSync() as Float32Array).slice());
    return { shape, weights };
  } finally {
    model.dispose();
  }
}
