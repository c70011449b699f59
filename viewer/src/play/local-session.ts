import { makeEncoder, type ObservationEncoder } from '../../../agents/dqn/encoder.ts';
import type { Env, Observation } from '../../../envs/core/env.ts';
import { makePolicy, type Policy } from '../../../envs/policies.ts';
import { makeEnv } from '../../../envs/registry.ts';
import type { AnyRenderState } from '../../../server/protocol/render-packing.ts';
import type { HudInfo } from '../hud/hud.ts';
import type { TimedFrame } from '../scene/frame-track.ts';
import { humanAction, type KeyboardPad } from './keyboard.ts';
import type { QNetwork } from './q-network.ts';

export type LocalPolicy = 'model' | 'human' | 'heuristic';

export interface LocalSessionOptions {
  envId: string;
  envOptions: Record<string, unknown>;
  numEnvs: number;
  policy: LocalPolicy;
  /** Needed for 'model'; with 'human' it only feeds the HUD's Q bars (what the agent would do). */
  net: QNetwork | null;
  epsilon: number;
  pad?: KeyboardPad;
  onFrame: (envIndex: number, frame: TimedFrame<AnyRenderState, HudInfo>) => void;
  onEpisode?: (envIndex: number, ret: number, length: number) => void;
}

interface Slot {
  env: Env;
  obs: Observation;
  episode: number;
  frame: number;
  ret: number;
  /** performance.now() until which a finished episode stays on screen before the next one starts. */
  holdUntil: number;
  done: boolean;
}

const HOLD_MS = 1200;

/**
 * Plays envs from envs/ in the page, at the env's own speed: with the checkpoint's greedy (ε-greedy) policy,
 * the env's heuristic, or the keyboard. Every step produces a frame with what the HUD shows exactly: return so
 * far, the action and Q(s, ·).
 */
export class LocalSession {
  private readonly o: LocalSessionOptions;
  private readonly slots: Slot[];
  private readonly encoder: ObservationEncoder;
  private readonly heuristic: Policy | null;
  private readonly fps: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private nextDue = 0;
  private tickCount = 0;
  private epsilon: number;
  private stopped = false;

  constructor(options: LocalSessionOptions) {
    this.o = options;
    this.epsilon = options.epsilon;
    const count = options.policy === 'human' ? 1 : Math.max(1, Math.min(16, options.numEnvs));
    this.slots = Array.from({ length: count }, () => {
      const env = makeEnv(options.envId, options.envOptions);
      return { env, obs: 0, episode: 0, frame: 0, ret: 0, holdUntil: 0, done: true };
    });
    const first = this.slots[0]!.env;
    this.fps = first.metadata.renderFps;
    this.encoder = makeEncoder(first.observationSpace);
    if (options.net && options.net.inputSize !== this.encoder.inputSize) {
      throw new RangeError(
        `the checkpoint's network takes ${options.net.inputSize} inputs but ${options.envId} observations make ${this.encoder.inputSize}`,
      );
    }
    this.heuristic = options.policy === 'heuristic' ? makePolicy(options.envId, 'heuristic', first) : null;
  }

  get envCount(): number {
    return this.slots.length;
  }

  start(): void {
    const now = performance.now();
    const seed = Math.floor(Math.random() * 1_000_000);
    this.slots.forEach((s, i) => {
      this.reset(s, i, now, seed + i);
    });
    this.nextDue = now;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const s of this.slots) s.env.close();
  }

  setEpsilon(eps: number): void {
    this.epsilon = Math.min(1, Math.max(0, eps));
  }

  /** Starts every env's episode over (R in human play). */
  restart(): void {
    const now = performance.now();
    this.slots.forEach((s, i) => {
      this.reset(s, i, now);
    });
  }

  private schedule(): void {
    if (this.stopped) return;
    const interval = 1000 / this.fps;
    const now = performance.now();
    // After a stall (background tab), carry on from now instead of stepping in a burst.
    if (this.nextDue < now - 4 * interval) this.nextDue = now;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.tick();
        this.nextDue += interval;
        this.schedule();
      },
      Math.max(0, this.nextDue - now),
    );
  }

  private reset(s: Slot, i: number, now: number, seed?: number): void {
    const { obs } = s.env.reset(seed === undefined ? {} : { seed });
    s.obs = obs;
    s.episode++;
    s.frame = 0;
    s.ret = 0;
    s.done = false;
    s.holdUntil = 0;
    this.o.onFrame(
      i,
      this.frameOf(s, now, true, {
        ret: 0,
        action: null,
        q: this.qOf([s])[0] ?? null,
        epsilon: this.hudEps(),
      }),
    );
  }

  private tick(): void {
    this.tickCount++;
    const now = performance.now();
    const taps = this.o.pad?.takeTaps() ?? [];
    if (this.o.policy === 'human' && taps.some((k) => k === 'r' || k === 'R')) {
      this.restart();
      return;
    }
    this.slots.forEach((s, i) => {
      if (s.done && now >= s.holdUntil) this.reset(s, i, now);
    });
    const active = this.slots.filter((s) => !s.done);
    if (active.length === 0) return;
    const qs = this.qOf(active);
    active.forEach((s, k) => {
      const q = qs[k] ?? null;
      const action = this.choose(s, q, taps);
      if (action === null) return;
      const r = s.env.step(action);
      s.obs = r.obs;
      s.frame++;
      s.ret += r.reward;
      const i = this.slots.indexOf(s);
      const ended = r.terminated || r.truncated;
      this.o.onFrame(i, this.frameOf(s, now, false, { ret: s.ret, action, q, epsilon: this.hudEps() }));
      if (ended) {
        s.done = true;
        s.holdUntil = now + HOLD_MS;
        this.o.onEpisode?.(i, s.ret, s.frame);
      }
    });
  }

  private hudEps(): number | null {
    return this.o.policy === 'model' ? this.epsilon : null;
  }

  private choose(s: Slot, q: Float32Array | null, taps: string[]): number | null {
    if (this.o.policy === 'human') {
      if (!this.o.pad) return 0;
      return humanAction(this.o.envId, this.o.pad, taps, this.tickCount);
    }
    if (this.o.policy === 'heuristic' && this.heuristic) return this.heuristic(s.obs) as number;
    if (!q) return 0;
    if (Math.random() < this.epsilon) return Math.floor(Math.random() * q.length);
    let best = 0;
    for (let a = 1; a < q.length; a++) if (q[a]! > q[best]!) best = a;
    return best;
  }

  /** Q(s, ·) of each slot's current observation, in one batch. */
  private qOf(slots: Slot[]): (Float32Array | null)[] {
    const net = this.o.net;
    if (!net || slots.length === 0) return slots.map(() => null);
    const size = this.encoder.inputSize;
    const input = new Float32Array(slots.length * size);
    const raw = new Float32Array(this.encoder.rawSize);
    slots.forEach((s, k) => {
      if (typeof s.obs === 'number') raw[0] = s.obs;
      else raw.set(s.obs);
      this.encoder.encode(raw, 0, input, k * size);
    });
    const out = net.predict(input, slots.length);
    const n = net.numActions;
    return slots.map((_, k) => out.slice(k * n, (k + 1) * n));
  }

  private frameOf(s: Slot, now: number, start: boolean, info: HudInfo): TimedFrame<AnyRenderState, HudInfo> {
    return {
      state: s.env.renderState() as AnyRenderState,
      at: now,
      episode: s.episode,
      frame: s.frame,
      start,
      info,
    };
  }
}
