/**
 * Run colours: distinct on a dark background, and the same for a run on every page. Each run prefers the slot
 * its id hashes to; a run created later whose slot is taken moves to the next free one. The assignment
 * depends only on the set of runs (ordered by creation), so every page computes the same colours.
 */
export const RUN_PALETTE = [
  '#5b9cf6',
  '#f5a524',
  '#3ddc97',
  '#f2686a',
  '#b48cf7',
  '#2cc6cf',
  '#f58cc6',
  '#c4d24a',
  '#ff8a4c',
  '#9aa8bd',
] as const;

export function hashString(s: string): number {
  // FNV-1a, 32 bit: stable across browsers and sessions.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Colours for runs given in creation order. More runs than colours share colours, evenly. */
export function assignColors(
  runIds: readonly string[],
  palette: readonly string[] = RUN_PALETTE,
): Map<string, string> {
  const out = new Map<string, string>();
  const n = palette.length;
  const used = new Array<number>(n).fill(0);
  for (const id of runIds) {
    const round = Math.min(...used);
    let slot = hashString(id) % n;
    for (let k = 0; k < n && used[slot]! > round; k++) slot = (slot + 1) % n;
    used[slot]!++;
    out.set(id, palette[slot]!);
  }
  return out;
}
