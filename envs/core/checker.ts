import type { Action, Env, Observation, StepResult } from './env.ts';

export interface EnvCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface EnvCheckReport {
  ok: boolean;
  checks: EnvCheck[];
}

export interface EnvCheckOptions {
  seed?: number;
  /** Steps per determinism rollout (episodes restart inside it). */
  steps?: number;
}

/**
 * Gymnasium's env checker, in spirit: API conformance, observations and actions inside their spaces, reset-seed
 * determinism and step determinism (two fresh envs, same seed, same actions → bit-identical trajectories,
 * across unseeded resets too). `makeEnv` must build a fresh env on every call.
 */
export function checkEnv(makeEnv: () => Env, options: EnvCheckOptions = {}): EnvCheckReport {
  const seed = options.seed ?? 0;
  const steps = options.steps ?? 300;
  const checks: EnvCheck[] = [];
  const run = (name: string, fn: () => string | undefined) => {
    try {
      const failure = fn();
      checks.push(failure === undefined ? { name, ok: true } : { name, ok: false, detail: failure });
    } catch (err) {
      checks.push({ name, ok: false, detail: `threw: ${(err as Error).message}` });
    }
  };

  run('spaces: sample() lies in the space, toJSON() is plain', () => {
    const env = makeEnv();
    for (const [label, space] of [
      ['observationSpace', env.observationSpace],
      ['actionSpace', env.actionSpace],
    ] as const) {
      if (!space || typeof space.sample !== 'function' || typeof space.contains !== 'function') {
        return `${label} is missing or lacks sample/contains`;
      }
      space.seed(seed);
      for (let i = 0; i < 50; i++)
        if (!space.contains(space.sample())) return `${label}.sample() outside the space`;
      const json = space.toJSON();
      if (JSON.stringify(JSON.parse(JSON.stringify(json))) !== JSON.stringify(json))
        return `${label}.toJSON()`;
    }
    return undefined;
  });

  run('reset() returns {obs, info} with obs in observationSpace', () => {
    const env = makeEnv();
    const r = env.reset({ seed });
    if (!isPlainObject(r.info)) return 'info is not a plain object';
    if (!env.observationSpace.contains(r.obs)) return `obs ${fmt(r.obs)} outside observationSpace`;
    return undefined;
  });

  run('step() returns {obs, reward, terminated, truncated, info} within the spaces', () => {
    const env = makeEnv();
    env.reset({ seed });
    env.actionSpace.seed(seed);
    for (let t = 0; t < steps; t++) {
      const r = env.step(env.actionSpace.sample());
      const bad = stepShapeError(env, r);
      if (bad) return `step ${t}: ${bad}`;
      if (r.terminated || r.truncated) env.reset();
    }
    return undefined;
  });

  run('reset(seed) is deterministic and the seed matters', () => {
    const a = makeEnv();
    const b = makeEnv();
    const first = a.reset({ seed }).obs;
    if (!sameObs(first, a.reset({ seed }).obs)) return 'same env, same seed: different obs';
    if (!sameObs(first, b.reset({ seed }).obs)) return 'two envs, same seed: different obs';
    for (let s = 1; s <= 20; s++) if (!sameObs(first, b.reset({ seed: seed + s }).obs)) return undefined;
    return 'twenty other seeds all gave the same first obs';
  });

  run('step determinism: same seed + same actions → identical trajectories (across resets)', () => {
    const a = makeEnv();
    const b = makeEnv();
    a.reset({ seed });
    b.reset({ seed });
    a.actionSpace.seed(seed + 1);
    for (let t = 0; t < steps; t++) {
      const action = a.actionSpace.sample();
      const ra = a.step(action);
      const rb = b.step(copyAction(action));
      if (!sameObs(ra.obs, rb.obs)) return `step ${t}: obs differ`;
      if (!Object.is(ra.reward, rb.reward)) return `step ${t}: reward ${ra.reward} vs ${rb.reward}`;
      if (ra.terminated !== rb.terminated || ra.truncated !== rb.truncated) return `step ${t}: flags differ`;
      if (JSON.stringify(a.renderState()) !== JSON.stringify(b.renderState()))
        return `step ${t}: renderState differs`;
      if (ra.terminated || ra.truncated) {
        if (!sameObs(a.reset().obs, b.reset().obs)) return `step ${t}: unseeded reset differs`;
      }
    }
    return undefined;
  });

  run('renderState() is plain JSON with a kind', () => {
    const env = makeEnv();
    env.reset({ seed });
    const state = env.renderState();
    if (typeof state.kind !== 'string') return 'kind is not a string';
    const json = JSON.stringify(state);
    if (JSON.stringify(JSON.parse(json)) !== json) return 'not JSON round-trippable';
    if (/null/.test(JSON.stringify(collectNonFinite(state)))) return 'contains NaN or Infinity';
    return undefined;
  });

  run('close() succeeds', () => {
    const env = makeEnv();
    env.reset({ seed });
    env.close();
    return undefined;
  });

  return { ok: checks.every((c) => c.ok), checks };
}

function stepShapeError(env: Env, r: StepResult): string | undefined {
  if (typeof r.reward !== 'number' || !Number.isFinite(r.reward))
    return `reward ${r.reward} is not a finite number`;
  if (typeof r.terminated !== 'boolean' || typeof r.truncated !== 'boolean') return 'flags are not booleans';
  if (!isPlainObject(r.info)) return 'info is not a plain object';
  if (!env.observationSpace.contains(r.obs)) return `obs ${fmt(r.obs)} outside observationSpace`;
  return undefined;
}

function sameObs(a: Observation, b: Observation): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b);
  if (a.length !== b.length) return false;
  const ua = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const ub = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return ua.every((v, i) => v === ub[i]);
}

function copyAction(a: Action): Action {
  return typeof a === 'number' ? a : a.slice();
}

function isPlainObject(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function fmt(obs: Observation): string {
  return typeof obs === 'number' ? String(obs) : `[${Array.from(obs, (v) => v.toFixed(3)).join(', ')}]`;
}

/** Non-finite numbers become null in JSON; gather them so the check can say so. */
function collectNonFinite(x: unknown, out: unknown[] = []): unknown[] {
  if (typeof x === 'number' && !Number.isFinite(x)) out.push(null);
  else if (Array.isArray(x)) for (const v of x) collectNonFinite(v, out);
  else if (typeof x === 'object' && x !== null) for (const v of Object.values(x)) collectNonFinite(v, out);
  return out;
}
