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

/**
 * One FrameGate per env of a run (frames of a vector run carry their env index): each env gets the display
 * rate on its own, newest wins per env, so a busy env 0 never starves the others. Remembers each env's newest
 * frame sent, for a viewer that subscribes later.
 */
export class EnvFrameGates {
  private readonly gates = new Map<number, FrameGate>();
  private readonly newest = new Map<number, ArrayBuffer>();
  private readonly intervalMs: number;
  private readonly send: (frame: ArrayBuffer) => void;
  private readonly maxEnvs: number;

  constructor(intervalMs: number, send: (frame: ArrayBuffer) => void, maxEnvs = 16) {
    this.intervalMs = intervalMs;
    this.send = send;
    this.maxEnvs = maxEnvs;
  }

  push(frame: ArrayBuffer): void {
    const env = frameEnvIndex(frame);
    // The worker caps the envs it streams; this only guards the map against a frame it should not have sent.
    if (env >= this.maxEnvs) return;
    let gate = this.gates.get(env);
    if (!gate) {
      gate = new FrameGate(this.intervalMs, (f) => {
        this.newest.set(env, f);
        this.send(f);
      });
      this.gates.set(env, gate);
    }
    gate.push(frame);
  }

  /** Each env's newest frame that went out, by env index; `filter` picks which (e.g. only replay frames). */
  latest(filter: (frame: ArrayBuffer) => boolean = () => true): ArrayBuffer[] {
    return [...this.newest.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, f]) => f)
      .filter(filter);
  }

  close(): void {
    for (const g of this.gates.values()) g.close();
  }
}

/** The env index of a binary frame (u16 at byte 4, see protocol/frames.ts), without decoding the rest. */
function frameEnvIndex(frame: ArrayBuffer): number {
  return frame.byteLength >= 6 ? new DataView(frame).getUint16(4, true) : 0;
}
