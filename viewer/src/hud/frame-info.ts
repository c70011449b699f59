import { type DecodedFrame, FRAME_FLAG_REPLAY } from '../../../server/protocol/frames.ts';
import type { HudInfo } from './hud.ts';

/**
 * What the HUD shows for a server frame: the run step (live frames only: a replay's is when it was recorded)
 * and, from the frame's agent view, the return so far, the action taken, ε and Q(s, ·). A frame without an
 * agent view (a server of protocol 1 never gets this far) leaves them unknown.
 */
export function hudInfoOfFrame(f: DecodedFrame): HudInfo {
  const replay = (f.header.flags & FRAME_FLAG_REPLAY) !== 0;
  const a = f.agent;
  return {
    runStep: replay ? undefined : f.header.step,
    ret: a ? a.ret : null,
    // null: no action yet this episode; the HUD then reads it from the state.
    action: a?.action ?? null,
    epsilon: a?.epsilon ?? null,
    q: a?.q ?? null,
  };
}

export interface QBar {
  /** Bar width in percent: where the value sits between the worst and the best action, 12 % at least. */
  width: number;
  value: number;
  greedy: boolean;
  /** The action taken, when it was not the greedy one (exploration). */
  taken: boolean;
}

/** The Q panel: one bar per action, the greedy action (the first of equal maxima) highlighted. */
export function qBars(q: ArrayLike<number>, action: number | null): { greedy: number; bars: QBar[] } {
  let lo = Infinity;
  let hi = -Infinity;
  let greedy = 0;
  for (let i = 0; i < q.length; i++) {
    const v = q[i]!;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    if (v > q[greedy]!) greedy = i;
  }
  // A floor so every bar is seen, even the worst action's.
  const span = hi - lo;
  const bars = Array.from(q, (v, i) => ({
    width: 12 + 88 * (span > 1e-9 ? (v - lo) / span : 1),
    value: v,
    greedy: i === greedy,
    taken: i === action && i !== greedy,
  }));
  return { greedy, bars };
}
