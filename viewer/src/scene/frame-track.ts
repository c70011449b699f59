/** One received (or locally simulated) state of one env, stamped with when it arrived. */
export interface TimedFrame<S, I = unknown> {
  state: S;
  /** performance.now() when it arrived. */
  at: number;
  episode: number;
  /** The env's step within its episode. */
  frame: number;
  /** First frame of an episode: never interpolate into it from the previous episode. */
  start: boolean;
  /** Whatever the HUD shows with this frame (Q-values, action, return, …). */
  info: I;
}

export interface Sample<S, I> {
  a: TimedFrame<S, I>;
  b: TimedFrame<S, I>;
  /** 0 shows a, 1 shows b. */
  t: number;
}

/**
 * Smooth motion at display rate from states that arrive at the server's frame rate: the scene is drawn one
 * arrival interval in the past, between the two states around that moment. The interval is learnt from the
 * arrivals (a running average, ignoring pauses), so 30 Hz live frames, 50 Hz local play and slow replays
 * all look smooth without tuning.
 */
export class FrameTrack<S, I = unknown> {
  private frames: TimedFrame<S, I>[] = [];
  private intervalMs: number;
  private readonly keep: number;

  constructor(initialIntervalMs = 33, keep = 6) {
    this.intervalMs = initialIntervalMs;
    this.keep = keep;
  }

  get latest(): TimedFrame<S, I> | undefined {
    return this.frames.at(-1);
  }

  get interval(): number {
    return this.intervalMs;
  }

  clear(): void {
    this.frames = [];
  }

  push(frame: TimedFrame<S, I>): void {
    const last = this.frames.at(-1);
    if (last) {
      const gap = frame.at - last.at;
      // Pauses and stalls say nothing about the frame rate: only plausible gaps move the average.
      if (gap > 2 && gap < 500) this.intervalMs += (gap - this.intervalMs) * 0.1;
      if (frame.at < last.at) this.frames = [];
    }
    this.frames.push(frame);
    if (this.frames.length > this.keep) this.frames.shift();
  }

  /** How far behind the newest frame the scene is drawn. */
  get delayMs(): number {
    return Math.min(200, Math.max(16, this.intervalMs * 1.1));
  }

  sample(now: number): Sample<S, I> | null {
    const fs = this.frames;
    if (fs.length === 0) return null;
    const renderAt = now - this.delayMs;
    const last = fs[fs.length - 1]!;
    if (renderAt >= last.at || fs.length === 1) return { a: last, b: last, t: 0 };
    if (renderAt <= fs[0]!.at) return { a: fs[0]!, b: fs[0]!, t: 0 };
    for (let i = fs.length - 2; i >= 0; i--) {
      const a = fs[i]!;
      if (a.at > renderAt) continue;
      const b = fs[i + 1]!;
      if (!continuous(a, b)) return { a, b: a, t: 0 };
      const span = b.at - a.at;
      const t = span > 0 ? (renderAt - a.at) / span : 1;
      return { a, b, t: Math.min(1, Math.max(0, t)) };
    }
    return { a: last, b: last, t: 0 };
  }
}

/** Whether b follows a within one episode (so that moving between them makes sense). */
export function continuous(a: TimedFrame<unknown, unknown>, b: TimedFrame<unknown, unknown>): boolean {
  return !b.start && a.episode === b.episode && b.frame >= a.frame;
}
