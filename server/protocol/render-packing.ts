// Render states as flat Float32 arrays for binary frames, and back. One packing per render-state kind; lists
// are written as a count followed by their items, booleans as 0/1, a null action as −1. Values come back at
// float32 precision. Imports only types from envs/: the browser viewer bundles this module.
import type { CartPoleRenderState } from '../../envs/cartpole/cartpole.ts';
import type { RenderState } from '../../envs/core/env.ts';
import type { LanderRenderState, Point } from '../../envs/lunar-lander/render-state.ts';
import type { MarsRoverRenderState } from '../../envs/mars-rover/mars-rover.ts';

export type AnyRenderState = LanderRenderState | CartPoleRenderState | MarsRoverRenderState;

/** The render kind's number in a frame header. */
export const RENDER_KIND_CODES = { 'lunar-lander': 1, cartpole: 2, 'mars-rover': 3 } as const;
export type RenderKind = keyof typeof RENDER_KIND_CODES;

export function renderKindCode(kind: string): number {
  const code = RENDER_KIND_CODES[kind as RenderKind];
  if (code === undefined) throw new RangeError(`no frame packing for render state kind '${kind}'`);
  return code;
}

export function renderKindName(code: number): RenderKind {
  const entry = Object.entries(RENDER_KIND_CODES).find(([, c]) => c === code);
  if (!entry) throw new RangeError(`unknown render kind code ${code} in frame header`);
  return entry[0] as RenderKind;
}

/** A growable Float32 buffer. */
class Writer {
  buf = new Float32Array(256);
  n = 0;

  push(v: number): void {
    if (this.n === this.buf.length) {
      const bigger = new Float32Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = v;
  }

  points(ps: readonly Point[]): void {
    this.push(ps.length);
    for (const p of ps) {
      this.push(p.x);
      this.push(p.y);
    }
  }

  result(): Float32Array {
    return this.buf.slice(0, this.n);
  }
}

class Reader {
  private i = 0;
  private readonly data: Float32Array;

  constructor(data: Float32Array) {
    this.data = data;
  }

  next(): number {
    if (this.i >= this.data.length) throw new RangeError('frame payload ends early');
    return this.data[this.i++]!;
  }

  bool(): boolean {
    return this.next() !== 0;
  }

  count(max = 100_000): number {
    const n = this.next();
    if (!Number.isInteger(n) || n < 0 || n > max)
      throw new RangeError(`bad list length ${n} in frame payload`);
    return n;
  }

  points(): Point[] {
    const n = this.count();
    const out: Point[] = [];
    for (let k = 0; k < n; k++) out.push({ x: this.next(), y: this.next() });
    return out;
  }

  end(): void {
    if (this.i !== this.data.length)
      throw new RangeError(`frame payload has ${this.data.length - this.i} extra values`);
  }
}

function packLander(s: LanderRenderState, w: Writer): void {
  for (const v of [s.viewport.w, s.viewport.h, s.step, +s.gameOver, +s.landed, s.wind]) w.push(v);
  for (const v of [s.engines.main, s.engines.left, s.engines.right]) w.push(v);
  for (const v of [s.helipad.x1, s.helipad.x2, s.helipad.y]) w.push(v);
  for (const v of [s.lander.x, s.lander.y, s.lander.angle]) w.push(v);
  w.points(s.lander.vertices);
  w.push(s.legs.length);
  for (const leg of s.legs) {
    w.push(leg.angle);
    w.push(+leg.contact);
    w.points(leg.vertices);
  }
  w.push(s.flags.length);
  for (const f of s.flags) {
    w.push(f.x);
    w.push(f.y1);
    w.push(f.y2);
    w.points(f.pennant);
  }
  w.points(s.terrain);
  w.push(s.particles.length);
  for (const p of s.particles) {
    w.push(p.x);
    w.push(p.y);
    w.push(p.ttl);
  }
}

function unpackLander(r: Reader): LanderRenderState {
  const [vw, vh, step, gameOver, landed, wind] = [r.next(), r.next(), r.next(), r.bool(), r.bool(), r.next()];
  const engines = { main: r.next(), left: r.next(), right: r.next() };
  const helipad = { x1: r.next(), x2: r.next(), y: r.next() };
  const lander = { x: r.next(), y: r.next(), angle: r.next(), vertices: r.points() };
  const legs = Array.from({ length: r.count(16) }, () => ({
    angle: r.next(),
    contact: r.bool(),
    vertices: r.points(),
  }));
  const flags = Array.from({ length: r.count(16) }, () => ({
    x: r.next(),
    y1: r.next(),
    y2: r.next(),
    pennant: r.points(),
  }));
  const terrain = r.points();
  const particles = Array.from({ length: r.count() }, () => ({ x: r.next(), y: r.next(), ttl: r.next() }));
  return {
    kind: 'lunar-lander',
    viewport: { w: vw, h: vh },
    terrain,
    helipad,
    flags,
    lander,
    legs,
    engines,
    particles,
    wind,
    step,
    gameOver,
    landed,
  };
}

function packCartPole(s: CartPoleRenderState, w: Writer): void {
  for (const v of [s.x, s.theta, s.xThreshold, s.thetaThreshold, s.poleLength, s.lastAction ?? -1, s.step]) {
    w.push(v);
  }
}

function unpackCartPole(r: Reader): CartPoleRenderState {
  const [x, theta, xThreshold, thetaThreshold, poleLength, action, step] = Array.from({ length: 7 }, () =>
    r.next(),
  ) as [number, number, number, number, number, number, number];
  return {
    kind: 'cartpole',
    x,
    theta,
    xThreshold,
    thetaThreshold,
    poleLength,
    lastAction: action < 0 ? null : action,
    step,
  };
}

function packRover(s: MarsRoverRenderState, w: Writer): void {
  for (const v of [s.state, s.lastAction ?? -1, +s.lastMisstep, s.step]) w.push(v);
  w.push(s.rewards.length);
  for (const v of s.rewards) w.push(v);
  w.push(s.terminalStates.length);
  for (const v of s.terminalStates) w.push(v);
}

function unpackRover(r: Reader): MarsRoverRenderState {
  const state = r.next();
  const action = r.next();
  const lastMisstep = r.bool();
  const step = r.next();
  const rewards = Array.from({ length: r.count(1000) }, () => r.next());
  const terminalStates = Array.from({ length: r.count(1000) }, () => r.next());
  return {
    kind: 'mars-rover',
    state,
    rewards,
    terminalStates,
    lastAction: action < 0 ? null : action,
    lastMisstep,
    step,
  };
}

/** The render state as Float32 values; throws for a kind without a packing. */
export function packRenderState(state: RenderState): Float32Array {
  const w = new Writer();
  const s = state as AnyRenderState;
  switch (s.kind) {
    case 'lunar-lander':
      packLander(s, w);
      break;
    case 'cartpole':
      packCartPole(s, w);
      break;
    case 'mars-rover':
      packRover(s, w);
      break;
    default:
      renderKindCode((state as RenderState).kind);
  }
  return w.result();
}

/** The render state a payload of `kind` describes; throws a RangeError for a malformed payload. */
export function unpackRenderState(kind: RenderKind, data: Float32Array): AnyRenderState {
  const r = new Reader(data);
  const state =
    kind === 'lunar-lander' ? unpackLander(r) : kind === 'cartpole' ? unpackCartPole(r) : unpackRover(r);
  r.end();
  return state;
}
