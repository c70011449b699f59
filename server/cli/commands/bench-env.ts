import Matter from 'matter-js';
import type { Env } from '../../../envs/core/env.ts';
import { ENV_IDS, makeEnv } from '../../../envs/registry.ts';
import { numberFlag, parseFlags } from '../args.ts';
import { printJson, printTable, progressBar, withProgress } from '../output.ts';

export const BENCH_ENV_USAGE = `gymlab bench env [--seconds S] [--json]
  Single-thread env steps per second with a random policy, for every registered env, and the fraction of the
  step time spent inside the physics engine (matter-js Engine.update; null for envs without one).`;

export interface EnvBenchResult {
  env: string;
  stepsPerSecond: number;
  physicsFraction: number | null;
  steps: number;
  seconds: number;
}

/** Steps `env` with seeded random actions for about `seconds`; returns [steps, elapsed seconds]. */
function stepFor(env: Env, seconds: number): [number, number] {
  env.reset({ seed: 0 });
  env.actionSpace.seed(0);
  // Pre-draw actions so the action sampler's cost stays out of the measurement.
  const actions = Array.from({ length: 4096 }, () => env.actionSpace.sample());
  let steps = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 256; i++) {
      const r = env.step(actions[steps & 4095]!);
      steps++;
      if (r.terminated || r.truncated) env.reset();
    }
    now = performance.now();
  }
  return [steps, (now - start) / 1000];
}

/** Time spent in Matter.Engine.update during a second run (timed separately so the timer's cost can't skew SPS). */
function physicsFraction(envId: string, seconds: number): number | null {
  const original = Matter.Engine.update;
  let inside = 0;
  let calls = 0;
  Matter.Engine.update = (engine, delta) => {
    const t0 = performance.now();
    const out = original(engine, delta);
    inside += performance.now() - t0;
    calls++;
    return out;
  };
  try {
    const [, elapsed] = stepFor(makeEnv(envId), seconds);
    return calls === 0 ? null : inside / 1000 / elapsed;
  } finally {
    Matter.Engine.update = original;
  }
}

export function benchEnvs(seconds: number, onProgress?: (done: number) => void): EnvBenchResult[] {
  const results: EnvBenchResult[] = [];
  for (const id of ENV_IDS) {
    stepFor(makeEnv(id), Math.min(0.3, seconds / 4)); // warm up the JIT
    const [steps, elapsed] = stepFor(makeEnv(id), seconds);
    results.push({
      env: id,
      stepsPerSecond: steps / elapsed,
      physicsFraction: physicsFraction(id, Math.max(0.2, seconds / 2)),
      steps,
      seconds: elapsed,
    });
    onProgress?.(results.length);
  }
  return results;
}

export async function benchEnvCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    seconds: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(`${BENCH_ENV_USAGE}\n`);
    return 0;
  }
  const seconds = numberFlag(values.seconds, 'seconds', 0.1, 600)!;
  const bar = progressBar(!values.json, ENV_IDS.length, 'env {value}/{total}');
  const envs = await withProgress(bar, () => benchEnvs(seconds, (done) => bar.update(done)));
  if (values.json) {
    printJson({ envs, node: process.version, threads: 1 });
  } else {
    printTable(
      'env steps per second (one thread, random policy)',
      envs.map((r) => [
        r.env,
        `${Math.round(r.stepsPerSecond).toLocaleString('en-US')} steps/s${
          r.physicsFraction === null ? '' : `, ${(100 * r.physicsFraction).toFixed(0)}% in physics`
        }`,
      ]),
    );
  }
  return 0;
}
