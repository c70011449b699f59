/**
 * At most one frame per `intervalMs` per run, newest wins: a frame that comes early waits, and a newer one that
 * comes while it waits replaces it. So viewers get the display rate whatever the producer's rate. Producers
 * (the worker, the replay player) already pace themselves at that rate; their timing jitter only holds a frame
 * back a few milliseconds, never lets two through closer than the interval, so no second ever carries more.
 */
export class FrameGate {
  private last = -Infinity;
  private pending: ArrayBuffer | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly intervalMs: number;
  private readonly send: (frame: ArrayBuffer) => void;

  constructor(intervalMs: number, send: (frame: ArrayBuffer) => void) {
    this.intervalMs = intervalMs;
    this.send = send;
  }

  push(frame: ArrayBuffer): void {
    const now = performance.now();
    // At 1 kHz and above the producer's own limit is the gate: timers cannot hold frames for less than 1 ms.
    if (now - this.last >= this.intervalMs || this.intervalMs <= 1) {
      // Due now (timers run late at high rates): this newest frame goes, any held older one is dropped.
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.pending = null;
      this.last = now;
      this.send(frame);
      return;
    }
    this.pending = frame;
    this.timer ??= setTimeout(() => this.release(), Math.max(0, this.last + this.intervalMs - now));
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }

  private release(): void {
    this.timer = null;
    const frame = this.pending;
    this.pending = null;
    if (!frame) return;
    this.last = performance.now();
    this.send(frame);
  }
}
