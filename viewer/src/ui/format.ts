// Numbers as people read them in a dense tool: grouped thousands, short units, fixed decimals where columns
// must line up.

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 12,345 for integers; `digits` decimals otherwise (default: up to 3 significant-looking ones). */
export function fmtNum(v: number | null | undefined, digits?: number): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (digits !== undefined) return minus(v.toFixed(digits));
  if (Number.isInteger(v)) return minus(grouped.format(v));
  const a = Math.abs(v);
  if (a >= 1000) return minus(grouped.format(v));
  if (a >= 100) return minus(v.toFixed(1));
  if (a >= 1) return minus(v.toFixed(2));
  if (a >= 0.001) return minus(v.toFixed(4).replace(/0+$/, '').replace(/\.$/, ''));
  return minus(v.toExponential(1));
}

/** A return: one decimal, a real minus sign. */
export function fmtReturn(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return minus(v.toFixed(1));
}

/** 1.2k, 350k, 1.5M: step counts in tight spaces. */
export function fmtSteps(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${trim((v / 1e6).toFixed(a >= 1e7 ? 0 : 1))}M`;
  if (a >= 1e4) return `${trim((v / 1e3).toFixed(0))}k`;
  if (a >= 1e3) return `${trim((v / 1e3).toFixed(1))}k`;
  return String(Math.round(v));
}

/** Values for Q tables: up to 2 decimals, trailing zeros dropped (12.5, 6.25, 100). */
export function fmtQ(v: number): string {
  return minus(trim(v.toFixed(2)));
}

export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export function fmtAgo(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, (now - t) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(t).toLocaleDateString();
}

function trim(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** U+2212 instead of a hyphen: negative numbers line up and read as numbers. */
function minus(s: string): string {
  return s.startsWith('-') ? `−${s.slice(1)}` : s;
}
