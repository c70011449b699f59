import { Application } from 'pixi.js';
import type { AnyRenderState } from '../../../server/protocol/render-packing.ts';
import { h, setText } from '../ui/dom.ts';
import { CartPoleView } from './cartpole-view.ts';
import type { EnvView } from './env-view.ts';
import { FrameTrack, type Sample, type TimedFrame } from './frame-track.ts';
import { LanderView } from './lander-view.ts';
import { RoverView } from './rover-view.ts';

export type StageLayout = 'grid' | 'ghosts';

interface Slot<I> {
  track: FrameTrack<AnyRenderState, I>;
  view: EnvView<AnyRenderState> | null;
  kind: string | null;
  label: HTMLElement;
}

export interface StageOptions<I> {
  /** Text of the small per-env label (grid layout with more than one env). */
  label?: (envIndex: number, sample: Sample<AnyRenderState, I>) => string;
  /** Env 0's cell in CSS pixels of the host when several envs share a grid; null when it has the whole view. */
  onLayout?: (cell: { x: number; y: number; w: number; h: number } | null) => void;
  /** Called every display frame with env 0's sample (the HUD follows it). */
  onSample?: (sample: Sample<AnyRenderState, I> | null) => void;
}

function makeView(kind: string): EnvView<AnyRenderState> | null {
  if (kind === 'lunar-lander') return new LanderView() as EnvView<AnyRenderState>;
  if (kind === 'cartpole') return new CartPoleView() as EnvView<AnyRenderState>;
  if (kind === 'mars-rover') return new RoverView() as EnvView<AnyRenderState>;
  return null;
}

/**
 * The Pixi canvas of a page: one view per env of the watched run (created on its first frame), laid out as a
 * grid or overlaid as translucent ghosts, each drawn between its two latest states at display rate.
 */
export class SceneStage<I = unknown> {
  readonly host: HTMLElement;
  readonly app: Application;
  private readonly slots = new Map<number, Slot<I>>();
  private readonly overlay: HTMLElement;
  private layoutMode: StageLayout = 'grid';
  private readonly opts: StageOptions<I>;
  private dirtyLayout = true;
  private destroyed = false;

  private constructor(host: HTMLElement, app: Application, opts: StageOptions<I>) {
    this.host = host;
    this.app = app;
    this.opts = opts;
    this.overlay = h('div.stage-labels');
    host.appendChild(this.overlay);
  }

  static async create<I>(host: HTMLElement, opts: StageOptions<I> = {}): Promise<SceneStage<I>> {
    const app = new Application();
    await app.init({
      resizeTo: host,
      background: 0x0b0f1a,
      antialias: true,
      autoDensity: true,
      resolution: Math.min(2, window.devicePixelRatio || 1),
      // Lets tests and screenshots read the canvas back; the scene is small, the cost is negligible.
      preserveDrawingBuffer: true,
      preference: 'webgl',
    });
    app.canvas.classList.add('scene-canvas');
    host.prepend(app.canvas);
    const stage = new SceneStage<I>(host, app, opts);
    app.renderer.on('resize', () => {
      stage.dirtyLayout = true;
    });
    app.ticker.add(() => stage.tick(performance.now()));
    return stage;
  }

  get layout(): StageLayout {
    return this.layoutMode;
  }

  setLayout(mode: StageLayout): void {
    if (mode === this.layoutMode) return;
    this.layoutMode = mode;
    this.dirtyLayout = true;
  }

  get envCount(): number {
    return this.slots.size;
  }

  push(envIndex: number, frame: TimedFrame<AnyRenderState, I>): void {
    let slot = this.slots.get(envIndex);
    if (!slot) {
      slot = { track: new FrameTrack(), view: null, kind: null, label: h('div.stage-label') };
      this.slots.set(envIndex, slot);
      this.overlay.appendChild(slot.label);
      this.dirtyLayout = true;
    }
    if (slot.kind !== frame.state.kind) {
      slot.view?.destroy();
      slot.kind = frame.state.kind;
      slot.view = makeView(frame.state.kind);
      slot.track.clear();
      if (slot.view) this.app.stage.addChild(slot.view.root);
      this.dirtyLayout = true;
    }
    slot.track.push(frame);
  }

  /** Forgets every env (a new run, or switching between server frames and local play). */
  clear(): void {
    for (const slot of this.slots.values()) {
      slot.view?.destroy();
      slot.label.remove();
    }
    this.slots.clear();
    this.dirtyLayout = true;
  }

  latest(envIndex = 0): TimedFrame<AnyRenderState, I> | undefined {
    return this.slots.get(envIndex)?.track.latest;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.clear();
    this.overlay.remove();
    this.app.destroy({ removeView: true }, { children: true });
  }

  private tick(now: number): void {
    if (this.dirtyLayout) this.relayout();
    let first: Sample<AnyRenderState, I> | null = null;
    const showLabels = this.layoutMode === 'grid' && this.slots.size > 1;
    for (const [envIndex, slot] of this.slots) {
      const sample = slot.track.sample(now);
      if (envIndex === 0) first = sample;
      if (!sample || !slot.view) continue;
      slot.view.update(sample.a.state, sample.b.state, sample.t, now);
      if (showLabels && this.opts.label) setText(slot.label, this.opts.label(envIndex, sample));
    }
    this.opts.onSample?.(first);
  }

  /** Fits each view into its grid cell (or all into the full canvas, as ghosts), keeping the aspect ratio. */
  private relayout(): void {
    this.dirtyLayout = false;
    const W = this.app.screen.width;
    const H = this.app.screen.height;
    const entries = [...this.slots.entries()].sort((a, b) => a[0] - b[0]);
    const n = entries.length;
    const ghosts = this.layoutMode === 'ghosts';
    const cols = ghosts ? 1 : Math.ceil(Math.sqrt(n));
    const rows = ghosts ? 1 : Math.ceil(n / Math.max(1, cols));
    const gap = n > 1 && !ghosts ? 6 : 0;
    const cw = (W - gap * (cols - 1)) / Math.max(1, cols);
    const ch = (H - gap * (rows - 1)) / Math.max(1, rows);
    let cell0: { x: number; y: number; w: number; h: number } | null = null;
    entries.forEach(([envIndex, slot], i) => {
      const v = slot.view;
      const col = ghosts ? 0 : i % cols;
      const row = ghosts ? 0 : Math.floor(i / cols);
      const label = slot.label;
      label.style.display = !ghosts && n > 1 ? '' : 'none';
      if (!v) return;
      const scale = Math.min(cw / v.width, ch / v.height);
      const x = col * (cw + gap) + (cw - v.width * scale) / 2;
      const y = row * (ch + gap) + (ch - v.height * scale) / 2;
      v.root.scale.set(scale);
      v.root.position.set(x, y);
      const ghost = ghosts && envIndex !== 0;
      v.root.alpha = ghost ? 0.4 : 1;
      v.setGhost?.(ghost);
      // Ghosts have no background of their own: they go over env 0's scene, which stays opaque underneath.
      v.root.zIndex = envIndex === 0 ? 0 : 1;
      if (envIndex === 0 && !ghosts && n > 1) cell0 = { x, y, w: v.width * scale, h: v.height * scale };
      label.style.left = `${x + 6}px`;
      label.style.top = `${y + 6}px`;
    });
    this.app.stage.sortableChildren = ghosts;
    this.opts.onLayout?.(cell0);
  }
}
