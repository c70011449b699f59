import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

import { type BackendChoice, parseBackendChoice, parseThreads } from './backend-choices.ts';

export { BACKEND_CHOICES, type BackendChoice, parseBackendChoice, parseThreads } from './backend-choices.ts';

export interface BackendInfo {
  /** tfjs's name of the backend that is now active: 'tensorflow' (tfjs-node or -gpu), 'wasm' or 'cpu'. */
  name: string;
  /** The package that provided it, for the summary: '@tensorflow/tfjs-node-gpu', …, '@tensorflow/tfjs' (cpu). */
  provider: string;
  /** Backends tried before this one and why each failed, for `--verbose` output and bug reports. */
  skipped: string[];
  /** Threads of the wasm backend's XNNPACK pool (1 unless asked for); null for the other backends. */
  threads: number | null;
}

export interface BackendOptions {
  /**
   * wasm backend threads: a count (1–8) or 'auto' (this machine's cores, at most 8). Default: the
   * `GYMLAB_WASM_THREADS` environment variable, else 1. Only the first initialisation in a process decides.
   */
  threads?: number | 'auto';
}

let active: BackendInfo | undefined;

/**
 * Selects the fastest TensorFlow.js backend that loads here, once per process:
 * tfjs-node-gpu → tfjs-node → wasm → cpu. Both native packages download libtensorflow in their install
 * script, which fails without internet (they are optional dependencies), so each is tried with a dynamic
 * import inside try/catch. `choice` (from `--backend`, else `GYMLAB_BACKEND`) pins one; a pinned backend that
 * cannot load is an error rather than a silent fallback.
 */
export async function initBackend(choice?: string, options: BackendOptions = {}): Promise<BackendInfo> {
  const wanted = parseBackendChoice(choice ?? process.env['GYMLAB_BACKEND'] ?? 'auto');
  const envThreads = process.env['GYMLAB_WASM_THREADS'];
  const threads = options.threads ?? (envThreads ? parseThreads(envThreads, 'GYMLAB_WASM_THREADS') : 1);
  wasmThreads = threads === 'auto' ? Math.min(8, os.availableParallelism()) : threads;
  if (active && (wanted === 'auto' || wanted === nameOf(active))) return active;
  // The cpu backend prints a "use tfjs-node" banner on first use in Node; the summary names the backend instead.
  tf.enableProdMode();
  const order: Exclude<BackendChoice, 'auto'>[] =
    wanted === 'auto' ? ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] : [wanted];
  const skipped: string[] = [];
  for (const candidate of order) {
    try {
      const loaded = await LOADERS[candidate]();
      active = { threads: null, ...loaded, skipped };
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

let wasmThreads = 1;

type Loaded = Omit<BackendInfo, 'skipped' | 'threads'> & { threads?: number };

const LOADERS: Record<Exclude<BackendChoice, 'auto'>, () => Promise<Loaded>> = {
  'tensorflow-gpu': () => loadNative('@tensorflow/tfjs-node-gpu'),
  tensorflow: () => loadNative('@tensorflow/tfjs-node'),
  wasm: loadWasm,
  cpu: async () => {
    await use('cpu');
    return { name: 'cpu', provider: '@tensorflow/tfjs' };
  },
};

async function loadNative(pkg: string): Promise<Loaded> {
  // A variable specifier keeps TypeScript from resolving packages that are usually absent.
  await import(/* @vite-ignore */ pkg);
  await use('tensorflow');
  return { name: 'tensorflow', provider: pkg };
}

async function loadWasm(): Promise<Loaded> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // In Node the emscripten loader looks for the .wasm files next to the bundle it was imported from, which is
  // not where npm puts them for an ES-module import: point it at the package's dist/ folder.
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json').slice(0, -'package.json'.length);
  let threaded = false;
  try {
    wasm.setWasmPaths(`${pkg}dist/`);
    if (wasmThreads > 1) {
      wasm.setThreadsCount(wasmThreads);
      threaded = true;
    }
  } catch {
    // Already initialised by an earlier caller: its paths and threads stand.
  }
  if (threaded) await withNodeThreadShims(pkg, wasmThreads, () => use('wasm'));
  else await use('wasm');
  return { name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', threads: wasm.getThreadsCount() };
}

/**
 * Runs the wasm backend's initialisation with its multithreaded (pthreads + SIMD) binary in Node, which
 * tfjs does not do by itself (WASM_HAS_MULTITHREAD_SUPPORT is hard-wired false in Node, tfjs#3830). The
 * emscripten glue supports Node's worker_threads; three things stand in the way, each shimmed only for the
 * duration of the initialisation:
 * - tfjs hands emscripten the pthread worker script as a Blob URL, which worker_threads cannot load: the
 *   script is written to a temporary .cjs file and `URL.createObjectURL` returns its path for that Blob;
 * - the worker loads the main script from a Blob URL too: the file's first line points it at the package's
 *   own glue file instead;
 * - tfjs caps the pool at half the logical cores (it assumes two hyper-threads per core): `os.cpus()` reports
 *   enough cores for the count asked for while the pool is built.
 */
async function withNodeThreadShims(pkg: string, threads: number, init: () => Promise<void>): Promise<void> {
  const require = createRequire(import.meta.url);
  const mainJs = join(pkg, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require(
    join(pkg, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js'),
  ) as {
    wasmWorkerContents: string;
  };
  const dir = mkdtempSync(join(os.tmpdir(), 'gymlab-wasm-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const workerPath = join(dir, 'pthread-worker.cjs');
  // tfjs escapes the newlines inside the script's string literals the same way before making its Blob.
  writeFileSync(
    workerPath,
    `URL.createObjectURL = () => ${JSON.stringify(mainJs)}; URL.revokeObjectURL = () => {};\n${wasmWorkerContents.replace(/\n/g, '\\n')}`,
  );
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  URL.createObjectURL = (blob: Blob) =>
    blob.type === 'application/javascript' ? workerPath : createObjectURL.call(URL, blob);
  os.cpus = () => Array.from({ length: 2 * threads }, () => cpus()[0] ?? ({} as os.CpuInfo));
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  try {
    await init();
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
  }
  await pthreadsLoaded();
}

interface PThreadWorker {
  loaded?: boolean;
  unref(): void;
}

interface PThreadRegistry {
  unusedWorkers: PThreadWorker[];
  runningWorkers: PThreadWorker[];
}

/**
 * A pthread only starts once the main thread has handled its worker's "loaded" message, and the wasm kernels
 * block the main thread while they wait for the pool: yield to the event loop until every worker has loaded.
 * Then the pool's workers are unref'd (emscripten refs a worker while it runs a pthread).
 */
async function pthreadsLoaded(timeoutMs = 60_000): Promise<void> {
  const module = (tf.backend() as unknown as { wasm: { PThread?: PThreadRegistry } }).wasm;
  const registry = module.PThread;
  if (!registry) return;
  const start = Date.now();
  while (![...registry.unusedWorkers, ...registry.runningWorkers].every((w) => w.loaded)) {
    if (Date.now() - start > timeoutMs) {
      throw new Error(`wasm threads: pthread workers did not load within ${timeoutMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  for (const worker of registry.runningWorkers) worker.unref();
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
