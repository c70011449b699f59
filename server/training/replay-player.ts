import {
  encodeFrame,
  FRAME_FLAG_EPISODE_END,
  FRAME_FLAG_EPISODE_START,
  FRAME_FLAG_REPLAY,
} from '../protocol/frames.ts';
import type { ReplayMessage, ReplaySource } from '../protocol/messages.ts';
import type { ReplayEpisode } from './worker-messages.ts';

export interface ReplayPlayerDeps {
  runId: string;
  handle: number;
  /** Env frames per second: an episode plays at the speed it happened. */
  renderFps: number;
  frameHz: number;
  source: () => ReplaySource;
  fetch: (source: ReplaySource) => Promise<ReplayEpisode | null>;
  frame: (buffer: ArrayBuffer) => void;
  announce: (msg: ReplayMessage) => void;
}

/**
 * Replay speed mode, on the main thread: fetches the run's latest (or best) recorded episode from its worker and
 * plays it at the env's own speed, at most `frameHz` frames a second (in between frames are skipped when the env
 * runs faster), then fetches the next one. Training goes on flat out meanwhile.
 */
export class ReplayPlayer {
  private readonly d: ReplayPlayerDeps;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(deps: ReplayPlayerDeps) {
    this.d = deps;
  }

  start(): void {
    void this.next();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async next(): Promise<void> {
    if (this.stopped) return;
    const source = this.d.source();
    let ep: ReplayEpisode | null = null;
    try {
      ep = await this.d.fetch(source);
    } catch {
      ep = null;
    }
    if (this.stopped) return;
    if (!ep) {
      // Nothing recorded yet (or the worker is busy): look again shortly.
      this.timer = setTimeout(() => void this.next(), 500);
      return;
    }
    this.play(ep);
  }

  private play(ep: ReplayEpisode): void {
    const frames = ep.offsets.length - 1;
    this.d.announce({
      type: 'replay',
      runId: this.d.runId,
      source: ep.source,
      episode: ep.episode,
      return: ep.return,
      length: ep.length,
      frames,
      step: ep.step,
    });
    const started = performance.now();
    const tickMs = 1000 / Math.min(this.d.frameHz, this.d.renderFps);
    let shown = -1;
    const tick = () => {
      this.timer = null;
      if (this.stopped) return;
      const due = Math.min(frames - 1, Math.floor(((performance.now() - started) / 1000) * this.d.renderFps));
      if (due !== shown) {
        shown = due;
        this.d.frame(this.encode(ep, due, frames));
      }
      if (shown >= frames - 1) {
        // Hold the last frame a moment so the ending can be seen, then the next episode.
        this.timer = setTimeout(() => void this.next(), 500);
        return;
      }
      this.timer = setTimeout(tick, tickMs);
    };
    tick();
  }

  private encode(ep: ReplayEpisode, i: number, frames: number): ArrayBuffer {
    const flags =
      FRAME_FLAG_REPLAY |
      (i === 0 ? FRAME_FLAG_EPISODE_START : 0) |
      (i === frames - 1 ? FRAME_FLAG_EPISODE_END : 0);
    return encodeFrame(
      {
        renderKind: ep.renderKind,
        flags,
        envIndex: 0,
        runHandle: this.d.handle,
        step: ep.step,
        episode: ep.episode,
        frame: i,
        time: performance.timeOrigin + performance.now(),
      },
      ep.data.subarray(ep.offsets[i]!, ep.offsets[i + 1]!),
      {
        ret: ep.hud[i * 3]!,
        action: ep.hud[i * 3 + 1]! < 0 ? null : ep.hud[i * 3 + 1]!,
        epsilon: Number.isNaN(ep.hud[i * 3 + 2]!) ? null : ep.hud[i * 3 + 2]!,
        q: ep.q ? ep.q.subarray(i * ep.numActions, (i + 1) * ep.numActions) : null,
      },
    );
  }
}
