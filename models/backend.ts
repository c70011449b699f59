import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';

import { type BackendChoice, parseBackendChoice } from './backend-choices.ts';

export { BACKEND_CHOICES, type BackendChoice, parseBackendChoice } from './backend-choices.ts';

export interface BackendInfo {
  /** tfjs's name of the backend that is now active: 'tensorflow' (tfjs-node or -gpu), 'wasm' or 'cpu'. */
  name: string;
  /** The package that provided it, for the summary: '@tensorflow/tfjs-node-gpu', …, '@tensorflow/tfjs' (cpu). */
  provider: string;
  /** Backends tried before this one and why each failed, for `--verbose` output and bug reports. */
  skipped: string[];
}

let active: BackendInfo | undefined;

/**
 * Selects the fastest TensorFlow.js backend that loads here, once per process:
 * tfjs-node-gpu → tfjs-node → wasm → cpu. Both native packages download libtensorflow in their install
 * script, which fails without internet (they are optional dependencies), so each is tried with a dynamic
 * import inside try/catch. `choice` (from `--backend`, else `GYMLAB_BACKEND`) pins one; a pinned backend that
 * cannot load is an error rather than a silent fallback.
 */
export async function initBackend(choice?: string): Promise<BackendInfo> {
  const wanted = parseBackendChoice(choice ?? process.env['GYMLAB_BACKEND'] ?? 'auto');
  if (active && (wanted === 'auto' || wanted === nameOf(active))) return active;
  // The cpu backend prints a "use tfjs-node" banner on first use in Node; the summary names the backend instead.
  tf.enableProdMode();
  const order: Exclude<BackendChoice, 'auto'>[] =
    wanted === 'auto' ? ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] : [wanted];
  const skipped: string[] = [];
  for (const candidate of order) {
    try {
      active = { ...(await LOADERS[candidate]()), skipped };
      return active;
    } catch (err) {
      skipped.push(`${candidate}: ${firstLine(err)}`);
    }
  }
  throw new RangeError(`backend '${wanted}' is not available here (${skipped.join('; ')})`);
}

/** The backend chosen by `initBackend`, or undefined before it ran. */
export function activeBackend(): BackendInfo | undefined {
  return active;
}

function nameOf(info: BackendInfo): BackendChoice {
  if (info.name === 'tensorflow') return info.provider.endsWith('-gpu') ? 'tensorflow-gpu' : 'tensorflow';
  return info.name as BackendChoice;
}

const LOADERS: Record<Exclude<BackendChoice, 'auto'>, () => Promise<Omit<BackendInfo, 'skipped'>>> = {
  'tensorflow-gpu': () => loadNative('@tensorflow/tfjs-node-gpu'),
  tensorflow: () => loadNative('@tensorflow/tfjs-node'),
  wasm: loadWasm,
  cpu: async () => {
    await use('cpu');
    return { name: 'cpu', provider: '@tensorflow/tfjs' };
  },
};

async function loadNative(pkg: string): Promise<Omit<BackendInfo, 'skipped'>> {
  // A variable specifier keeps TypeScript from resolving packages that are usually absent.
  await import(/* @vite-ignore */ pkg);
  await use('tensorflow');
  return { name: 'tensorflow', provider: pkg };
}

async function loadWasm(): Promise<Omit<BackendInfo, 'skipped'>> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (typeof process !== 'undefined' && process.versions?.node) {
    // In Node the emscripten loader looks for the .wasm files next to the bundle it was imported from, which is
    // not where npm puts them for an ES-module import: point it at the package's dist/ folder.
    const require = createRequire(import.meta.url);
    const pkgJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
    try {
      wasm.setWasmPaths(`${pkgJson.slice(0, -'package.json'.length)}dist/`);
    } catch {
      // Already initialised by an earlier caller: its paths stand.
    }
  }
  await use('wasm');
  return { name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm' };
}

async function use(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) throw new Error(`tf.setBackend('${name}') did not take`);
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.slice(0, 160);
}
