import type { AnyRenderState } from '../../../server/protocol/render-packing.ts';
import type { Sample } from '../scene/frame-track.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import { fmtNum, fmtReturn } from '../ui/format.ts';
import { actionNamesFor, actionOfState } from './actions.ts';
import { qBars } from './frame-info.ts';

/** What a frame carries for the HUD beyond the state itself (local play knows more than server frames). */
export interface HudInfo {
  /** The run's env step when the frame was taken (server frames). */
  runStep?: number;
  /** Return of the episode so far (local play, and server frames' agent view), or null when unknown. */
  ret?: number | null;
  /** The action taken into this state, when known exactly. */
  action?: number | null;
  /** Q(s, ·) of this state. */
  q?: ArrayLike<number> | null;
  epsilon?: number | null;
}

/**
 * The heads-up display over the scene: episode, step, return so far, the current action, ε, and the
 * Q-values of the current state as bars with the greedy action highlighted. Updated every display frame with
 * text-only changes (no layout thrash: values sit in fixed-width cells).
 */
export class Hud {
  readonly el: HTMLElement;
  private readonly episode = h('span.hud-value', null, '—');
  private readonly step = h('span.hud-value', null, '—');
  private readonly ret = h('span.hud-value', null, '—');
  private readonly action = h('span.hud-value.hud-action', null, '—');
  private readonly eps = h('span.hud-value', null, '—');
  private readonly mode = h('div.hud-mode');
  private readonly banner = h('div.hud-banner');
  private readonly qBox = h('div.hud-q');
  private readonly qNote = h('div.hud-q-note');
  private qRows: { row: HTMLElement; bar: HTMLElement; value: HTMLElement }[] = [];
  private names: readonly string[] = [];
  private fallbackEpsilon: number | null = null;
  private qMissing = 'Q-values: switch to In-browser play';

  constructor() {
    const stat = (label: string, value: HTMLElement) =>
      h('div.hud-stat', null, h('span.hud-label', null, label), value);
    this.el = h(
      'div.hud',
      { 'data-testid': 'hud' },
      h(
        'div.hud-left',
        null,
        this.mode,
        stat('Episode', this.episode),
        stat('Step', this.step),
        stat('Return', this.ret),
        stat('Action', this.action),
        stat('ε', this.eps),
      ),
      h('div.hud-right', null, h('div.hud-q-title', null, 'Q(s, a)'), this.qBox, this.qNote),
      this.banner,
    );
  }

  /** Confines the HUD to env 0's grid cell (compact), or gives it the whole scene (null). */
  setFrame(cell: { x: number; y: number; w: number; h: number } | null): void {
    const st = this.el.style;
    this.el.classList.toggle('compact', cell !== null);
    if (!cell) {
      st.left = st.top = st.width = st.height = '';
      return;
    }
    st.left = `${cell.x}px`;
    st.top = `${cell.y}px`;
    st.width = `${cell.w}px`;
    st.height = `${cell.h}px`;
  }

  setMode(text: string, tone: 'live' | 'replay' | 'local' | 'human' | 'idle' = 'live'): void {
    setText(this.mode, text);
    this.mode.dataset['tone'] = tone;
  }

  /** ε to show when a frame carries none (the run's current ε from its metrics). */
  setEpsilon(eps: number | null): void {
    this.fallbackEpsilon = eps;
  }

  /** What the Q panel says when the frames carry no Q-values. */
  setQMissing(text: string): void {
    this.qMissing = text;
  }

  clear(): void {
    for (const el of [this.episode, this.step, this.ret, this.action, this.eps]) setText(el, '—');
    this.showQ(null, null);
    this.banner.className = 'hud-banner';
  }

  update(sample: Sample<AnyRenderState, HudInfo> | null): void {
    if (!sample) return;
    const f = sample.t < 0.5 ? sample.a : sample.b;
    const s = f.state;
    const info = f.info ?? {};
    const names = actionNamesFor(s.kind);
    if (names !== this.names) {
      this.names = names;
      this.buildQRows();
    }
    setText(this.episode, String(f.episode));
    setText(
      this.step,
      info.runStep !== undefined ? `${f.frame} · run ${fmtNum(info.runStep)}` : String(f.frame),
    );
    setText(this.ret, info.ret === undefined || info.ret === null ? '—' : fmtReturn(info.ret));
    const action = info.action ?? actionOfState(s);
    setText(this.action, action === null ? '—' : (names[action] ?? String(action)));
    const eps = info.epsilon ?? this.fallbackEpsilon;
    setText(this.eps, eps === null || eps === undefined ? '—' : eps.toFixed(3));
    this.showQ(info.q ?? null, action);
    const ended = s.kind === 'lunar-lander' && (s.landed || s.gameOver);
    const cls = !ended
      ? ''
      : s.kind === 'lunar-lander' && s.landed && !s.gameOver
        ? ' show good'
        : ' show bad';
    this.banner.className = `hud-banner${cls}`;
    if (ended)
      setText(this.banner, s.kind === 'lunar-lander' && s.landed && !s.gameOver ? 'Landed' : 'Crashed');
  }

  private buildQRows(): void {
    this.qRows = this.names.map((name, i) => {
      const bar = h('div.hud-q-bar');
      const value = h('span.hud-q-value', null, '—');
      const row = h(
        'div.hud-q-row',
        { 'data-action': i },
        h('span.hud-q-name', null, name),
        h('div.hud-q-track', null, bar),
        value,
      );
      return { row, bar, value };
    });
    replaceChildren(
      this.qBox,
      this.qRows.map((r) => r.row),
    );
  }

  private showQ(q: ArrayLike<number> | null, action: number | null): void {
    this.qBox.classList.toggle('empty', !q);
    setText(this.qNote, q ? '' : this.qMissing);
    if (!q) {
      for (const r of this.qRows) {
        r.bar.style.width = '0%';
        setText(r.value, '—');
        r.row.classList.remove('greedy', 'taken');
      }
      return;
    }
    const { bars } = qBars(q, action);
    this.qRows.forEach((r, i) => {
      const b = bars[i];
      if (!b) return;
      r.bar.style.width = `${b.width.toFixed(1)}%`;
      setText(r.value, fmtNum(b.value, 2));
      r.row.classList.toggle('greedy', b.greedy);
      r.row.classList.toggle('taken', b.taken);
    });
  }
}
