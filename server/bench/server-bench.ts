import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { readFrameHeader } from '../protocol/frames.ts';

const BIN = fileURLToPath(new URL('../cli/gymlab.mjs', import.meta.url));

export interface BenchPhase {
  clients: number;
  /** Frames delivered per second, all viewers together. */
  framesPerSecond: number;
  perClientFramesPerSecond: number;
  /** Worker encode → viewer receive, ms. */
  medianLatencyMs: number;
  p95LatencyMs: number;
  framesDropped: number;
}

export interface ServerBenchResult {
  env: string;
  frameHz: number;
  secondsPerPhase: number;
  phases: BenchPhase[];
  peakRssBytes: number;
  trainingStepsPerSecond: number;
  cpus: number;
}

export interface ServerBenchOptions {
  clients: number[];
  seconds: number;
  frameHz: number;
  onPhase?: (p: BenchPhase) => void;
}

interface Server {
  url: string;
  stop(): Promise<void>;
}

async function startServer(runsDir: string, frameHz: number): Promise<Server> {
  const proc = spawn(
    process.execPath,
    [BIN, 'serve', '--json', '--port', '0', '--no-demo', '--runs', runsDir, '--frame-hz', String(frameHz)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s: ${stderr}`)), 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.slice(0, out.indexOf('\n')));
      }
    });
    proc.once('exit', (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        const kill = setTimeout(() => proc.kill('SIGKILL'), 20_000);
        proc.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}

async function health(url: string): Promise<{ rssBytes: number; framesDropped: number }> {
  const res = await fetch(new URL('/api/health', url), { signal: AbortSignal.timeout(5000) });
  return (await res.json()) as { rssBytes: number; framesDropped: number };
}

function connect(url: string): Promise<WebSocket> {
  const ws = new WebSocket(new URL('/ws', url.replace(/^http/, 'ws')));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function request(ws: WebSocket, msg: Record<string, unknown>): Promise<Record<string, unknown>> {
  const requestId = `b${Math.random().toString(36).slice(2)}`;
  return new Promise((resolve, reject) => {
    const onMessage = (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      const m = JSON.parse(String(data)) as Record<string, unknown>;
      if (m['requestId'] !== requestId) return;
      ws.off('message', onMessage);
      if (m['type'] === 'error') reject(new Error(String(m['message'])));
      else resolve(m);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ ...msg, requestId }));
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/**
 * Loopback only, bounded in time: one server process (a temporary runs directory, removed afterwards), one
 * LunarLander-v3 DQN run training flat out with the course lab's settings, then for each viewer count N: N
 * clients subscribe to its frames, 1 s of warm-up, `seconds` of measurement, disconnect.
 */
export async function benchServer(options: ServerBenchOptions): Promise<ServerBenchResult> {
  const runsDir = mkdtempSync(join(tmpdir(), 'gymlab-bench-server-'));
  const server = await startServer(runsDir, options.frameHz);
  let peakRss = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakRss = Math.max(peakRss, (await health(server.url)).rssBytes);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    const owner = await connect(server.url);
    const ack = await request(owner, {
      type: 'createRun',
      kind: 'dqn',
      config: { env: 'LunarLander-v3', seed: 0, steps: 100_000_000, stopWhenSolved: false },
    });
    const runId = String(ack['runId']);
    let steps: number[] = [];
    owner.on('message', (data, isBinary) => {
      if (isBinary) return;
      const m = JSON.parse(String(data)) as { type: string; progress?: { step: number } };
      if (m.type === 'metrics' && m.progress) steps.push(m.progress.step);
    });
    await request(owner, { type: 'subscribe', runId, channels: ['metrics'] });
    // Wait until it trains.
    for (let i = 0; i < 300 && steps.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    steps = [];
    const phases: BenchPhase[] = [];
    for (const n of options.clients) {
      const viewers = await Promise.all(Array.from({ length: n }, () => connect(server.url)));
      let counting = false;
      let frames = 0;
      const latencies: number[] = [];
      for (const ws of viewers) {
        ws.on('message', (data: Buffer, isBinary: boolean) => {
          if (!isBinary || !counting) return;
          frames++;
          latencies.push(performance.timeOrigin + performance.now() - readFrameHeader(data).time);
        });
      }
      await Promise.all(viewers.map((ws) => request(ws, { type: 'subscribe', runId, channels: ['frames'] })));
      await new Promise((r) => setTimeout(r, 1000));
      const droppedBefore = (await health(server.url)).framesDropped;
      counting = true;
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, options.seconds * 1000));
      counting = false;
      const elapsed = (performance.now() - t0) / 1000;
      const dropped = (await health(server.url)).framesDropped - droppedBefore;
      for (const ws of viewers) ws.terminate();
      latencies.sort((a, b) => a - b);
      const phase: BenchPhase = {
        clients: n,
        framesPerSecond: frames / elapsed,
        perClientFramesPerSecond: frames / elapsed / n,
        medianLatencyMs: percentile(latencies, 0.5),
        p95LatencyMs: percentile(latencies, 0.95),
        framesDropped: dropped,
      };
      phases.push(phase);
      options.onPhase?.(phase);
      await new Promise((r) => setTimeout(r, 300));
    }
    const seconds = (performance.now() - started) / 1000;
    const sps = steps.length >= 2 ? (steps.at(-1)! - steps[0]!) / seconds : 0;
    owner.terminate();
    return {
      env: 'LunarLander-v3',
      frameHz: options.frameHz,
      secondsPerPhase: options.seconds,
      phases,
      peakRssBytes: peakRss,
      trainingStepsPerSecond: sps,
      cpus: (await import('node:os')).availableParallelism(),
    };
  } finally {
    sampling = false;
    await sampler.catch(() => undefined);
    await server.stop();
    rmSync(runsDir, { recursive: true, force: true });
  }
}
