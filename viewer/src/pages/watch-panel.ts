import { FRAME_FLAG_EPISODE_START } from '../../../server/protocol/frames.ts';
import type { Params, ReplayMessage, RunInfo, ServerMessage } from '../../../server/protocol/messages.ts';
import type { AnyRenderState } from '../../../server/protocol/render-packing.ts';
import type { AppContext } from '../app/context.ts';
import { hudInfoOfFrame } from '../hud/frame-info.ts';
import { Hud, type HudInfo } from '../hud/hud.ts';
import { KEY_HELP, KeyboardPad } from '../play/keyboard.ts';
import { LocalSession } from '../play/local-session.ts';
import { loadQNetwork, type QNetwork } from '../play/q-network.ts';
import { SceneStage, type StageLayout } from '../scene/stage.ts';
import { changeLabel } from '../state/param-labels.ts';
import type { RunSeries } from '../state/run-series.ts';
import { type Disposer, h, setText } from '../ui/dom.ts';
import { describeError } from '../ui/errors.ts';
import { fmtNum, fmtReturn } from '../ui/format.ts';
import { Segmented } from '../ui/segmented.ts';
import { isLive } from './run-actions.ts';

export type WatchMode = 'live' | 'realtime' | 'replay-latest' | 'replay-best' | 'local' | 'human';

const SERVER_MODES: readonly WatchMode[] = ['live', 'realtime', 'replay-latest', 'replay-best'];

export function modeOfRun(run: RunInfo): WatchMode {
  if (run.speed === 'realtime') return 'realtime';
  if (run.speed === 'replay') return run.replaySource === 'best' ? 'replay-best' : 'replay-latest';
  return 'live';
}

function isReplayMode(mode: WatchMode): boolean {
  return mode === 'replay-latest' || mode === 'replay-best';
}

function paramsOfMode(mode: WatchMode): Params | null {
  if (mode === 'live') return { speed: 'max' };
  if (mode === 'realtime') return { speed: 'realtime' };
  if (mode === 'replay-latest') return { speed: 'replay', replaySource: 'latest' };
  if (mode === 'replay-best') return { speed: 'replay', replaySource: 'best' };
  return null;
}

/**
 * The scene of a run: its streamed frames in one of the server's speed modes (live, real-time, replay of the
 * latest or best episode), or played in this page — the latest checkpoint on envs/ code, several envs at once
 * as a grid or as ghosts, or flown by hand with the arrow keys. Server frames come for every env of a vector
 * run (up to 16), each with its agent view; the HUD follows env 0.
 */
export class WatchPanel {
  readonly el: HTMLElement;
  private readonly ctx: AppContext;
  private run: RunInfo;
  private readonly series: RunSeries;
  private readonly host = h('div.scene-host', { 'data-testid': 'scene', tabindex: -1 });
  private readonly overlay = h('div.scene-overlay');
  private readonly hud = new Hud();
  private readonly modes: Segmented<WatchMode>;
  private readonly layout: Segmented<StageLayout>;
  private readonly envCount = h('select', {
    'aria-label': 'Envs to play',
    title: 'Envs played side by side',
  });
  private readonly epsInput = h('input', {
    type: 'number',
    min: 0,
    max: 1,
    step: 0.01,
    value: '0',
    'aria-label': 'Play ε',
  });
  private readonly localOpts: HTMLElement;
  private readonly status = h('div.watch-status', { 'data-testid': 'watch-status', 'aria-live': 'polite' });
  private readonly foot = h('div.scene-foot');
  private stage: SceneStage<HudInfo> | null = null;
  private mode: WatchMode;
  private framesSub: Disposer | null = null;
  private readonly offs: Disposer[] = [];
  private session: LocalSession | null = null;
  private pad: KeyboardPad | null = null;
  private net: QNetwork | null = null;
  private netStep: number | null = null;
  private replay: ReplayMessage | null = null;
  private generation = 0;
  private disposed = false;
  private envOptions: Record<string, unknown> = {};

  constructor(ctx: AppContext, run: RunInfo, series: RunSeries) {
    this.ctx = ctx;
    this.run = run;
    this.series = series;
    // A run at rest streams nothing: show what it learnt, playing its checkpoint here.
    this.mode = !isLive(run) && run.checkpointStep !== null ? 'local' : modeOfRun(run);
    this.modes = new Segmented<WatchMode>(
      [
        { value: 'live', label: 'Live', title: 'Train at full speed; the scene shows sampled frames' },
        { value: 'realtime', label: 'Real-time', title: 'Train one step per frame at the env’s own speed' },
        {
          value: 'replay-latest',
          label: 'Replay latest',
          title: 'Train at full speed; replay the latest finished episode',
        },
        {
          value: 'replay-best',
          label: 'Replay best',
          title: 'Train at full speed; replay the best episode so far',
        },
        {
          value: 'local',
          label: 'In-browser',
          title: 'Play the latest checkpoint here, with TensorFlow.js on envs/ code',
        },
        { value: 'human', label: 'You fly', title: 'Play it yourself with the arrow keys' },
      ],
      this.mode,
      (m) => void this.setMode(m),
      'watch-mode',
    );
    this.layout = new Segmented<StageLayout>(
      [
        { value: 'grid', label: 'Grid', title: 'Each env in its own cell' },
        { value: 'ghosts', label: 'Ghosts', title: 'All envs on one scene, the others translucent' },
      ],
      'grid',
      (l) => this.stage?.setLayout(l),
    );
    for (const n of [1, 4, 9]) this.envCount.append(h('option', { value: n }, `${n} env${n > 1 ? 's' : ''}`));
    this.envCount.value = '4';
    this.envCount.addEventListener('change', () => void this.setMode(this.mode, true));
    this.epsInput.addEventListener('change', () => {
      const v = Number(this.epsInput.value);
      this.session?.setEpsilon(Number.isFinite(v) ? v : 0);
    });
    this.localOpts = h(
      'div.local-opts',
      null,
      this.envCount,
      h('label.eps', null, 'ε', this.epsInput),
      h(
        'button.btn.small.ghost',
        { title: 'Load the newest checkpoint', onclick: () => void this.setMode(this.mode, true, true) },
        '↻ Checkpoint',
      ),
    );
    this.host.append(this.hud.el, this.overlay);
    this.el = h(
      'section.panel.watch-panel',
      null,
      h('header.watch-bar', null, this.modes.el, h('div.watch-right', null, this.localOpts, this.layout.el)),
      this.host,
      h('footer.scene-footer', null, this.status, this.foot),
    );
    this.offs.push(ctx.conn.onFrame((f) => this.onFrame(f)));
    this.offs.push(ctx.conn.onMessage((m) => this.onMessage(m)));
  }

  async mount(): Promise<void> {
    try {
      this.stage = await SceneStage.create<HudInfo>(this.host, {
        onLayout: (cell) => this.hud.setFrame(cell),
        onSample: (s) => {
          this.hud.setEpsilon(this.isServerMode() ? (this.series.progress?.epsilon ?? null) : null);
          this.hud.update(s);
        },
        label: (i, s) => {
          const f = s.t < 0.5 ? s.a : s.b;
          const ret = f.info?.ret;
          return `env ${i} · ep ${f.episode}${ret !== undefined && ret !== null ? ` · ${fmtReturn(ret)}` : ''}`;
        },
      });
    } catch (err) {
      this.showOverlay(`The scene cannot be drawn in this browser: ${describeError(err)}`);
      return;
    }
    if (this.disposed) {
      this.stage.destroy();
      return;
    }
    await this.setMode(this.mode, true);
  }

  /** The run's env options (from its config.json), so in-browser play runs the same env. */
  setEnvOptions(options: Record<string, unknown>): void {
    this.envOptions = options;
  }

  setRun(run: RunInfo): void {
    const before = this.run;
    this.run = run;
    // Another viewer (or the demo) changed the run's speed: follow it while watching the server.
    if (this.isServerMode() && (before.speed !== run.speed || before.replaySource !== run.replaySource)) {
      const m = modeOfRun(run);
      if (m !== this.mode) {
        this.mode = m;
        this.modes.set(m);
        this.describeMode();
      }
    }
    if (this.isServerMode() && before.status !== run.status) this.describeMode();
  }

  dispose(): void {
    this.disposed = true;
    this.stopLocal();
    this.framesSub?.();
    for (const off of this.offs) off();
    this.net?.dispose();
    this.stage?.destroy();
  }

  private isServerMode(m = this.mode): boolean {
    return SERVER_MODES.includes(m);
  }

  private async setMode(mode: WatchMode, force = false, reloadNet = false): Promise<void> {
    const wasServer = this.isServerMode();
    const previous = this.mode;
    const changed = mode !== this.mode;
    this.mode = mode;
    this.modes.set(mode);
    const gen = ++this.generation;
    this.localOpts.style.display = mode === 'local' ? '' : 'none';
    this.layout.el.style.display = mode === 'local' || this.run.numEnvs > 1 ? '' : 'none';
    if (this.isServerMode()) {
      this.stopLocal();
      // Into or out of a replay: the other envs' live frames would stand frozen beside the replayed env 0.
      const replayBoundary = isReplayMode(mode) !== isReplayMode(previous);
      if (!wasServer || force || replayBoundary) this.stage?.clear();
      this.hud.clear();
      this.framesSub ??= this.ctx.conn.subscribe(this.run.id, ['frames']);
      this.describeMode();
      const params = paramsOfMode(mode);
      const differs =
        params &&
        (params.speed !== this.run.speed ||
          (params.replaySource ?? this.run.replaySource) !== this.run.replaySource);
      if (params && differs && (changed || force)) await this.sendSpeed(params);
      return;
    }
    // In-browser: server frames stop, the page plays by itself.
    this.framesSub?.();
    this.framesSub = null;
    this.stopLocal();
    this.stage?.clear();
    this.hud.clear();
    this.setFoot(mode === 'human' ? (KEY_HELP[this.run.env] ?? 'Arrow keys') : '');
    if (reloadNet || !this.net) {
      this.showOverlay('Loading the latest checkpoint…');
      try {
        const net = await loadQNetwork(this.ctx.rest, this.run.id);
        if (gen !== this.generation) {
          net.dispose();
          return;
        }
        this.net?.dispose();
        this.net = net;
        this.netStep = this.run.checkpointStep;
      } catch (err) {
        if (gen !== this.generation) return;
        this.net = null;
        if (mode === 'local') {
          const text = describeError(err);
          this.showOverlay(
            `${text}${isLive(this.run) ? ' A checkpoint is written every few thousand steps, or save one now from the header.' : ''}`,
          );
          this.setStatus(text, 'error');
          return;
        }
      }
    }
    if (gen !== this.generation || this.disposed) return;
    this.hideOverlay();
    this.startLocal(mode);
  }

  private startLocal(mode: WatchMode): void {
    const envOptions = { ...this.envOptions };
    const weights = this.series.live?.rewardWeights;
    if (weights) envOptions['rewardWeights'] = { ...weights };
    this.pad = mode === 'human' ? new KeyboardPad() : null;
    try {
      this.session = new LocalSession({
        envId: this.run.env,
        envOptions,
        numEnvs: mode === 'local' ? Number(this.envCount.value) : 1,
        policy: mode === 'human' ? 'human' : 'model',
        net: this.net,
        epsilon: Number(this.epsInput.value) || 0,
        pad: this.pad ?? undefined,
        onFrame: (i, f) => this.stage?.push(i, f),
        onEpisode: (i, ret, len) => {
          if (i === 0)
            this.setStatus(`Episode finished: return ${fmtReturn(ret)} in ${fmtNum(len)} steps`, 'info');
        },
      });
    } catch (err) {
      this.showOverlay(describeError(err));
      return;
    }
    this.session.start();
    const ckpt = this.netStep !== null ? `checkpoint at step ${fmtNum(this.netStep)}` : 'checkpoint';
    if (mode === 'local') {
      this.hud.setMode(
        `IN-BROWSER · ${ckpt} · ${this.session.envCount} env${this.session.envCount > 1 ? 's' : ''}`,
        'local',
      );
      this.setStatus(`Playing the ${ckpt} with TensorFlow.js in this page`, 'info');
    } else {
      this.hud.setMode('YOU FLY · arrow keys', 'human');
      this.hud.setQMissing('Q-values: no checkpoint yet');
      this.setStatus(
        this.net ? `Q bars: what the ${ckpt} would do` : 'No checkpoint yet: flying without Q-values',
        'info',
      );
      this.host.focus();
    }
  }

  private stopLocal(): void {
    this.session?.stop();
    this.session = null;
    this.pad?.dispose();
    this.pad = null;
  }

  private async sendSpeed(params: Params): Promise<void> {
    this.setStatus('Switching…', 'busy');
    try {
      const reply = await this.ctx.conn.request({ type: 'setParams', runId: this.run.id, params });
      const changes = reply.type === 'ack' ? (reply.changes ?? []) : [];
      const step = reply.type === 'ack' && reply.step !== undefined ? ` at step ${fmtNum(reply.step)}` : '';
      this.setStatus(
        changes.length > 0 ? `✓ ${changes.map(changeLabel).join(', ')}${step}` : '✓ Already in that mode',
        'ok',
      );
    } catch (err) {
      this.setStatus(describeError(err), 'error');
    }
  }

  private describeMode(): void {
    const m = this.mode;
    const resting = !isLive(this.run);
    this.hud.setQMissing('Q-values: waiting for a frame');
    if (m === 'live') this.hud.setMode('LIVE · full speed · sampled frames', 'live');
    else if (m === 'realtime') this.hud.setMode('REAL-TIME · one step per frame', 'live');
    else
      this.hud.setMode(
        this.replay ? replayText(this.replay) : `REPLAY · waiting for a finished episode`,
        'replay',
      );
    this.setFoot(
      resting
        ? `The run is ${this.run.status}: showing its last frame. Resume it to watch it learn, or play its checkpoint In-browser.`
        : m === 'live'
          ? `Frames are sampled at up to ${this.ctx.store.frameHz} per second while the agent trains flat out.`
          : m === 'realtime'
            ? 'Training runs at the env’s own speed so every step can be seen; learning is slower.'
            : 'Training runs at full speed while a recorded episode plays back at the env’s speed.',
    );
    if (!this.stage?.latest())
      this.showOverlay(resting ? 'No frame from this run yet.' : 'Waiting for the first frame…');
  }

  private onFrame(f: import('../../../server/protocol/frames.ts').DecodedFrame): void {
    if (!this.isServerMode() || !this.stage) return;
    const handle = this.ctx.store.get(this.run.id)?.handle ?? this.run.handle;
    if (f.header.runHandle !== handle) return;
    this.hideOverlay();
    const h0 = f.header;
    this.stage.push(h0.envIndex, {
      state: f.state as AnyRenderState,
      at: performance.now(),
      episode: h0.episode,
      frame: h0.frame,
      start: (h0.flags & FRAME_FLAG_EPISODE_START) !== 0,
      // Return so far, action, ε and Q(s, ·) from the frame's agent view (every env of the run has its own).
      info: hudInfoOfFrame(f),
    });
  }

  private onMessage(m: ServerMessage): void {
    if (m.type === 'replay' && m.runId === this.run.id) {
      this.replay = m;
      if (this.mode === 'replay-latest' || this.mode === 'replay-best')
        this.hud.setMode(replayText(m), 'replay');
    }
  }

  private showOverlay(text: string): void {
    setText(this.overlay, text);
    this.overlay.classList.add('show');
  }

  private hideOverlay(): void {
    this.overlay.classList.remove('show');
  }

  private setStatus(text: string, tone: 'ok' | 'error' | 'busy' | 'info'): void {
    setText(this.status, text);
    this.status.dataset['tone'] = tone;
  }

  private setFoot(text: string): void {
    setText(this.foot, text);
  }
}

function replayText(r: ReplayMessage): string {
  return `REPLAY · ${r.source} episode #${fmtNum(r.episode)} · return ${fmtReturn(r.return)} · ${fmtNum(r.length)} steps`;
}
