import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { initBackend } from '../../models/backend.ts';

const require = createRequire(import.meta.url);
function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
const nativeInstalled = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');

afterEach(() => {
  delete process.env['GYMLAB_BACKEND'];
});

describe('models/backend', () => {
  it('auto picks the best importable backend and says what it skipped', async () => {
    const info = await initBackend('auto');
    expect(tf.getBackend()).toBe(info.name);
    if (!nativeInstalled) {
      expect(info).toMatchObject({ name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm' });
      expect(info.skipped.map((s) => s.split(':')[0])).toEqual(['tensorflow-gpu', 'tensorflow']);
    }
    // The wasm backend found its .wasm files in node_modules: it computes.
    expect(tf.tidy(() => tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0])).toBe(5);
  });

  it('GYMLAB_BACKEND and an explicit choice pin a backend', async () => {
    process.env['GYMLAB_BACKEND'] = 'cpu';
    expect((await initBackend()).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await initBackend('wasm')).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('a pinned backend that cannot load is an error, as is an unknown name', async () => {
    if (!nativeInstalled) {
      await expect(initBackend('tensorflow')).rejects.toThrow(/backend 'tensorflow' is not available here/);
    }
    await expect(initBackend('gpu')).rejects.toThrow(
      /backend must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu/,
    );
  });
});
