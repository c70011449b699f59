import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchTraining, benchUpdates, type UpdateBenchResult } from '../../../agents/dqn/benchmark.ts';
import { initBackend } from '../../../models/backend.ts';
import { intFlag, numberFlag, parseFlags, UsageError } from '../args.ts';
import { printJson, printTable, progressBar } from '../output.ts';
import { BENCH_DQN_USAGE } from './dqn-usage.ts';

const ANCHOR = fileURLToPath(new URL('../../../../shared/anchors/torch_dqn.py', import.meta.url));

export interface PeerResult {
  peer: string;
  msPerUpdate: number;
  msPerAct: number;
}

export async function benchDqnCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    updates: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '10' },
    peer: { type: 'string', default: 'auto' },
    python: { type: 'string', default: '/usr/bin/python3' },
    anchor: { type: 'string', default: ANCHOR },
    backend: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(`${BENCH_DQN_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.peer !== 'auto' && values.peer !== 'off') {
    throw new UsageError(`--peer must be auto or off (got '${values.peer}')`);
  }
  const updates = intFlag(values.updates, 'updates', 10, 1_000_000)!;
  const seconds = numberFlag(values.seconds, 'seconds', 0.1, 600)!;
  const tfjs = await initBackend(values.backend);

  const bar = progressBar(!values.json, 4, 'part {value}/{total}');
  const fused = await benchUpdates('fused', updates);
  bar.update(1);
  // TensorFlow.js is ~10× slower per update: time fewer updates so the benchmark stays short.
  const tfjsUpdates = await benchUpdates('tfjs', Math.max(10, Math.round(updates / 4)));
  bar.update(2);
  const training = await benchTraining('fused', seconds);
  bar.update(3);
  const peer =
    values.peer === 'off'
      ? { result: null, note: 'skipped (--peer off)' }
      : runPeer(values.python, values.anchor);
  bar.update(4);
  bar.stop();

  const ratio = (ours: number, theirs: number | undefined) =>
    theirs === undefined ? null : Math.round((ours / theirs) * 1000) / 1000;
  const result = {
    msPerUpdate: round(fused.msPerUpdate),
    msPerAct: round(fused.msPerAct),
    trainStepsPerSecond: Math.round(training.stepsPerSecond),
    backend: fused.backend,
    tfjs: {
      backend: `tfjs-${tfjs.name}`,
      msPerUpdate: round(tfjsUpdates.msPerUpdate),
      msPerAct: round(tfjsUpdates.msPerAct),
    },
    peer: peer.result,
    peerNote: peer.note,
    ratioUpdate: ratio(fused.msPerUpdate, peer.result?.msPerUpdate),
    ratioAct: ratio(fused.msPerAct, peer.result?.msPerAct),
    tfjsRatioUpdate: ratio(tfjsUpdates.msPerUpdate, peer.result?.msPerUpdate),
    updates,
    training,
    node: process.version,
    threads: 1,
  };
  if (values.json) {
    printJson(result);
  } else {
    const row = (r: UpdateBenchResult) =>
      `${r.msPerUpdate.toFixed(3)} ms/update, ${r.msPerAct.toFixed(4)} ms/act`;
    printTable('DQN update (batch 64, 8-64-64-4, Adam, soft update), one thread', [
      [
        fused.backend,
        `${row(fused)}${result.ratioUpdate === null ? '' : ` (${result.ratioUpdate}× PyTorch)`}`,
      ],
      [result.tfjs.backend, row(tfjsUpdates)],
      [
        peer.result?.peer ?? 'pytorch',
        peer.result
          ? `${peer.result.msPerUpdate.toFixed(3)} ms/update, ${peer.result.msPerAct.toFixed(4)} ms/act`
          : peer.note,
      ],
      [
        'LunarLander training',
        `${result.trainStepsPerSecond.toLocaleString('en-US')} steps/s (${training.backend})`,
      ],
    ]);
  }
  return 0;
}

/** Runs the PyTorch anchor when the interpreter can import torch; otherwise says why not. */
function runPeer(python: string, anchor: string): { result: PeerResult | null; note: string } {
  if (!existsSync(python)) return { result: null, note: `skipped: ${python} not found` };
  if (!existsSync(anchor)) return { result: null, note: `skipped: anchor ${anchor} not found` };
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return {
      result: null,
      note: `skipped: ${python} cannot import torch (apt-get install -y python3-torch)`,
    };
  }
  const run = spawnSync(python, [anchor], { encoding: 'utf8', timeout: 300_000 });
  const line = run.stdout.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(line) as PeerResult;
    return { result: parsed, note: `ran ${anchor} in the same invocation` };
  } catch {
    return {
      result: null,
      note: `failed: ${anchor} exited ${run.status}: ${run.stderr.trim().split('\n').pop()}`,
    };
  }
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
