import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { parseBackendChoice, parseThreads } from '../../../models/backend-choices.ts';
import { intFlag, parseFlags, UsageError } from '../args.ts';
import { printJson, printTable } from '../output.ts';
import { BENCH_GAN_USAGE } from './gan-usage.ts';

const ANCHOR = fileURLToPath(new URL('../../../../shared/anchors/torch_dcgan.py', import.meta.url));

export interface BenchGanJson {
  msPerStep: number;
  backend: string;
  /** wasm threads (also the anchor's torch threads); null for other backends. */
  threads: number | null;
  toyMsPerStep: number;
  peerMsPerStep: number | null;
  peer: string | null;
  /** msPerStep / peerMsPerStep (below 1: faster than PyTorch). */
  ratio: number | null;
}

export async function benchGanCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    steps: { type: 'string' },
    'toy-steps': { type: 'string' },
    peer: { type: 'string', default: 'auto' },
    python: { type: 'string', default: '/usr/bin/python3' },
    backend: { type: 'string' },
    threads: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(`${BENCH_GAN_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.peer !== 'auto' && values.peer !== 'off') throw new UsageError("--peer must be 'auto' or 'off'");
  const steps = intFlag(values.steps ?? '20', 'steps', 1, 100_000)!;
  const toySteps = intFlag(values['toy-steps'] ?? '10', 'toy-steps', 1, 100_000)!;
  if (values.backend !== undefined) parseBackendChoice(values.backend);
  const threads = values.threads !== undefined ? parseThreads(values.threads) : undefined;
  const [{ initBackend }, { registerWasmKernels }, bench] = await Promise.all([
    import('../../../models/backend.ts'),
    import('../../../models/kernels/register.ts'),
    import('../../../models/gan/bench.ts'),
  ]);
  const backend = await initBackend(values.backend, { threads });
  registerWasmKernels();
  const dcgan = bench.dcganBenchStep(0);
  const msPerStep = bench.timeSteps(dcgan, steps, Math.min(3, steps));
  dcgan.dispose();
  const toy = bench.toyBenchStep(0);
  const toyMsPerStep = bench.timeSteps(toy, toySteps, Math.min(2, toySteps));
  toy.dispose();
  const peer = values.peer === 'auto' ? runPeer(values.python, backend.threads ?? 1) : null;
  const result: BenchGanJson = {
    msPerStep,
    backend: backend.name,
    threads: backend.threads,
    toyMsPerStep,
    peerMsPerStep: peer?.msPerStep ?? null,
    peer: peer?.peer ?? null,
    ratio: peer ? msPerStep / peer.msPerStep : null,
  };
  if (values.json) printJson(result);
  else {
    printTable('GAN training step (DCGAN anchor: batch 64, 28×28, D then G)', [
      [`tfjs ${backend.name} ms/step (${backend.threads ?? 1} thread(s))`, result.msPerStep],
      ['toy MLP GAN ms/step (256, 3×512)', result.toyMsPerStep],
      [`${result.peer ?? 'PyTorch'} ms/step`, result.peerMsPerStep ?? '– (not available)'],
      ['ratio tfjs / PyTorch', result.ratio ?? '–'],
    ]);
  }
  return 0;
}

/** Runs the PyTorch anchor with as many threads as tfjs has, when python can import torch; null otherwise. */
function runPeer(python: string, threads: number): { msPerStep: number; peer: string } | null {
  if (!existsSync(ANCHOR)) return null;
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
  if (probe.status !== 0) return null;
  const r = spawnSync(python, [ANCHOR, String(threads)], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return null;
  try {
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { msPerStep: number; peer: string };
    return { msPerStep: out.msPerStep, peer: out.peer };
  } catch {
    return null;
  }
}
