// How live changes read on chart markers and in tables: "γ 0.995 → 0.9", "reward mainEngine 0.3 → 0".

export interface ParamChangeLike {
  name: string;
  from: unknown;
  to: unknown;
}

/**
 * Changes that get a marker on the charts: what setParams changes about training. (Which recorded episode a
 * replay shows changes nothing about training, so it gets none.)
 */
export const MARKED_PARAMS = new Set(['gamma', 'tau', 'epsilon', 'learningRate', 'rewardWeights', 'speed']);

export const PARAM_SYMBOLS: Record<string, string> = {
  gamma: 'γ',
  tau: 'τ',
  epsilon: 'ε',
  learningRate: 'lr',
  speed: 'speed',
  replaySource: 'replay',
};

/** Short numbers for labels: 0.995, 1e-3, 12.5, 100. */
export function shortNumber(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e6) return v.toExponential(1).replace('.0e', 'e').replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

export function changeLabel(c: ParamChangeLike): string {
  if (c.name === 'rewardWeights') {
    const from = (c.from ?? {}) as Record<string, unknown>;
    const to = (c.to ?? {}) as Record<string, unknown>;
    const parts = Object.keys(to)
      .filter((k) => from[k] !== to[k])
      .map((k) => `${k} ${shortNumber(from[k])} → ${shortNumber(to[k])}`);
    return parts.length > 0 ? `reward ${parts.join(', ')}` : 'reward weights';
  }
  if (c.name === 'epsilon' || c.name === 'learningRate') {
    const sym = PARAM_SYMBOLS[c.name]!;
    if (c.to === null) return `${sym} back to schedule`;
    return c.from === null
      ? `${sym} = ${shortNumber(c.to)}`
      : `${sym} ${shortNumber(c.from)} → ${shortNumber(c.to)}`;
  }
  if (c.name === 'control') return `${String(c.to)}`;
  if (c.name === 'resumed') return 'resumed';
  const sym = PARAM_SYMBOLS[c.name] ?? c.name;
  return `${sym} ${shortNumber(c.from)} → ${shortNumber(c.to)}`;
}
