// "What differs between these runs?": their configs flattened to comparable rows, plus what was changed while
// they trained. Pure, so it is unit-tested; the Compare page renders the rows.

import { changeLabel, shortNumber } from './param-labels.ts';
import type { Marker } from './run-series.ts';

export interface RunConfigLike {
  env: string;
  seed: number;
  steps: number;
  numEnvs: number;
  options: Record<string, unknown>;
}

export interface DiffRow {
  key: string;
  /** One cell per run, in the order given. */
  values: string[];
  differs: boolean;
}

/** `{a: {b: 1}}` → `{'a.b': 1}`; arrays stay values. */
export function flatten(obj: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v))
      Object.assign(out, flatten(v as Record<string, unknown>, key));
    else out[key] = v;
  }
  return out;
}

export function formatValue(v: unknown): string {
  if (v === undefined) return '—';
  if (v === null) return 'none';
  if (typeof v === 'number')
    return Number.isInteger(v) && Math.abs(v) >= 10_000 ? v.toLocaleString('en-US') : shortNumber(v);
  if (Array.isArray(v)) return v.length === 0 ? '[]' : v.map(formatValue).join(', ');
  return String(v);
}

/**
 * One row per setting: env, seed, budget, each DQN option and each env option (reward weights filled in from
 * the env's defaults where a run left them unset), marked when the runs disagree. Settings changed while
 * training show as "0.995 → 0.9 @ 12,345".
 */
export function configDiff(
  configs: readonly RunConfigLike[],
  events: readonly (readonly Marker[])[] = [],
  rewardDefaults: Record<string, Record<string, number> | null> = {},
): DiffRow[] {
  const flats = configs.map((c) => {
    const { envOptions, ...rest } = c.options as { envOptions?: Record<string, unknown> };
    const envFlat = flatten(envOptions ?? {}, 'env');
    const defaults = rewardDefaults[c.env];
    if (defaults) {
      for (const [k, v] of Object.entries(defaults)) envFlat[`env.rewardWeights.${k}`] ??= v;
    }
    return {
      env: c.env,
      seed: c.seed,
      steps: c.steps,
      numEnvs: c.numEnvs,
      ...flatten(rest),
      ...envFlat,
    } as Record<string, unknown>;
  });
  const keys: string[] = [];
  for (const f of flats) for (const k of Object.keys(f)) if (!keys.includes(k)) keys.push(k);
  // Live-only settings (an ε override, the speed mode) get a row when some run changed them.
  for (const list of events) {
    for (const m of list)
      for (const c of m.changes) if (c.name !== 'rewardWeights' && !keys.includes(c.name)) keys.push(c.name);
  }
  return keys.map((key) => {
    const values = flats.map((f, i) => {
      const base = formatValue(f[key]);
      const changed = liveChanges(events[i] ?? [], key);
      return changed.length > 0 ? `${base} → ${changed.join(' → ')}` : base;
    });
    const differs = values.some((v) => v !== values[0]);
    return { key, values, differs };
  });
}

/** Values a setting was changed to during training, with the step: ["0.9 @ 12,345"]. */
function liveChanges(markers: readonly Marker[], key: string): string[] {
  const out: string[] = [];
  for (const m of markers) {
    for (const c of m.changes) {
      const at = ` @ ${m.step.toLocaleString('en-US')}`;
      if (c.name === key) out.push(`${formatValue(c.to)}${at}`);
      else if (c.name === 'rewardWeights' && key.startsWith('env.rewardWeights.')) {
        const w = key.slice('env.rewardWeights.'.length);
        const from = (c.from ?? {}) as Record<string, unknown>;
        const to = (c.to ?? {}) as Record<string, unknown>;
        if (from[w] !== to[w]) out.push(`${formatValue(to[w])}${at}`);
      }
    }
  }
  return out;
}

/** Every live change of a run as text, for the Compare page's timeline rows. */
export function changeList(markers: readonly Marker[]): string[] {
  return markers.flatMap((m) =>
    m.changes.map((c) => `${changeLabel(c)} @ ${m.step.toLocaleString('en-US')}`),
  );
}
