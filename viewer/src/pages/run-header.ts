import type { AckMessage, ControlAction, Progress, RunInfo } from '../../../server/protocol/messages.ts';
import type { AppContext } from '../app/context.ts';
import { h, setText } from '../ui/dom.ts';
import { describeError } from '../ui/errors.ts';
import { fmtDuration, fmtNum, fmtReturn, fmtSteps } from '../ui/format.ts';
import { isLive, needsNewBudget, runTitle, suggestedBudget } from './run-actions.ts';

/**
 * The Run page's title bar: which run, its status and counters, and the transport — pause / resume, single
 * step (while paused), stop, checkpoint — with the server's answer next to the buttons.
 */
export class RunHeader {
  readonly el: HTMLElement;
  private readonly ctx: AppContext;
  private run: RunInfo;
  private readonly swatch = h('span.swatch.big');
  private readonly title = h('h1');
  private readonly pill = h('span.pill', { 'data-testid': 'run-status' });
  private readonly sub = h('div.run-head-sub');
  private readonly pauseBtn: HTMLButtonElement;
  private readonly stepBtn: HTMLButtonElement;
  private readonly stopBtn: HTMLButtonElement;
  private readonly ckptBtn: HTMLButtonElement;
  private readonly status = h('div.transport-status', {
    'data-testid': 'transport-status',
    'aria-live': 'polite',
  });
  private readonly stats: Record<string, HTMLElement> = {};
  private readonly bar = h('div.progress-fill');
  private readonly stepsValue = h('span');

  constructor(ctx: AppContext, run: RunInfo) {
    this.ctx = ctx;
    this.run = run;
    this.pauseBtn = h(
      'button.btn',
      { 'data-testid': 'pause-resume', onclick: () => void this.togglePause() },
      'Pause',
    );
    this.stepBtn = h(
      'button.btn',
      {
        'data-testid': 'single-step',
        title: 'One env step (paused runs); Shift: 10 steps',
        onclick: (ev: Event) => void this.step(ev as MouseEvent),
      },
      'Step ▸',
    );
    this.stopBtn = h(
      'button.btn.danger',
      { title: 'Stop with a final checkpoint', onclick: () => void this.act('stop') },
      'Stop',
    );
    this.ckptBtn = h(
      'button.btn',
      { title: 'Write a checkpoint now', onclick: () => void this.act('checkpoint') },
      'Save checkpoint',
    );
    const stat = (key: string, label: string) => {
      const v = h('div.stat-value.num', null, '—');
      this.stats[key] = v;
      return h('div.stat', { 'data-stat': key }, h('div.stat-label', null, label), v);
    };
    this.el = h(
      'header.run-head',
      null,
      h(
        'div.run-head-top',
        null,
        h('div.run-head-title', null, this.swatch, this.title, this.pill),
        h('div.transport', null, this.status, this.pauseBtn, this.stepBtn, this.stopBtn, this.ckptBtn),
      ),
      this.sub,
      h(
        'div.stat-strip',
        null,
        h(
          'div.stat.wide',
          null,
          h('div.stat-label', null, 'Steps'),
          h('div.stat-value.num', null, this.stepsValue),
          h('div.progress', null, this.bar),
        ),
        stat('episodes', 'Episodes'),
        stat('mean', 'Mean return (100)'),
        stat('best', 'Best mean'),
        stat('solved', 'Solved'),
        stat('eps', 'ε'),
        stat('sps', 'Steps / s'),
        stat('time', 'Training time'),
      ),
    );
    this.stats['steps'] = this.stepsValue;
    this.setRun(run);
  }

  setRun(run: RunInfo): void {
    this.run = run;
    const color = this.ctx.store.colorOf(run.id);
    this.swatch.style.background = color;
    this.bar.style.background = color;
    setText(this.title, runTitle(run));
    setText(this.pill, run.status);
    this.pill.dataset['status'] = run.status;
    this.pill.title = run.error ?? run.note ?? '';
    const bits = [
      run.id,
      run.learner ? `learner ${run.learner}` : null,
      run.checkpointStep !== null ? `checkpoint at ${fmtNum(run.checkpointStep)}` : 'no checkpoint yet',
    ];
    setText(this.sub, bits.filter(Boolean).join(' · '));
    if (run.error) this.sub.append(h('span.run-error-inline', null, ` · ${run.error}`));
    const live = isLive(run);
    const paused = run.status === 'paused';
    this.pauseBtn.textContent = live ? (paused ? 'Resume' : 'Pause') : 'Resume';
    this.pauseBtn.classList.toggle('primary', paused || !live);
    this.pauseBtn.title = live
      ? ''
      : `Continue training from the checkpoint${needsNewBudget(run) ? ` (to ${fmtNum(suggestedBudget(run))} steps)` : ''}`;
    this.stepBtn.disabled = !paused;
    this.stopBtn.disabled = !live;
    this.ckptBtn.disabled = !(run.status === 'running' || paused);
    setText(this.stats['steps']!, `${fmtNum(run.steps)} / ${fmtNum(run.totalSteps)}`);
    this.bar.style.width = `${run.totalSteps > 0 ? Math.min(100, (run.steps / run.totalSteps) * 100) : 0}%`;
    setText(this.stats['episodes']!, fmtNum(run.episodes));
    setText(this.stats['mean']!, fmtReturn(run.meanReturn100));
    setText(this.stats['best']!, fmtReturn(run.bestMeanReturn100));
    setText(
      this.stats['solved']!,
      run.solvedAtStep !== null ? `✓ at ${fmtSteps(run.solvedAtStep)}` : 'not yet',
    );
    this.stats['solved']!.classList.toggle('good', run.solvedAtStep !== null);
    this.stats['solved']!.title =
      run.solvedAtStep !== null ? `solved at step ${fmtNum(run.solvedAtStep)}` : '';
    setText(this.stats['sps']!, live && run.stepsPerSecond > 0 ? fmtNum(run.stepsPerSecond) : '—');
  }

  /**
   * The counters from the newest metrics batch (several a second), fresher than the run's status messages.
   */
  setProgress(p: Progress | null): void {
    if (!p) return;
    setText(this.stats['eps']!, p.epsilon.toFixed(3));
    setText(this.stats['time']!, fmtDuration(p.wallSeconds));
    if (p.step < this.run.steps || !isLive(this.run)) return;
    const run = this.run;
    setText(this.stats['steps']!, `${fmtNum(p.step)} / ${fmtNum(run.totalSteps)}`);
    this.bar.style.width = `${run.totalSteps > 0 ? Math.min(100, (p.step / run.totalSteps) * 100) : 0}%`;
    setText(this.stats['episodes']!, fmtNum(p.episodes));
    setText(this.stats['mean']!, fmtReturn(p.meanReturn100));
    setText(this.stats['best']!, fmtReturn(p.bestMeanReturn100));
    if (p.solvedAtStep !== null) setText(this.stats['solved']!, `✓ at ${fmtSteps(p.solvedAtStep)}`);
    this.stats['solved']!.classList.toggle('good', p.solvedAtStep !== null);
    setText(this.stats['sps']!, p.stepsPerSecond > 0 ? fmtNum(p.stepsPerSecond) : '—');
  }

  private async togglePause(): Promise<void> {
    const run = this.run;
    if (isLive(run)) await this.act(run.status === 'paused' ? 'resume' : 'pause');
    else await this.act('resume', needsNewBudget(run) ? { totalSteps: suggestedBudget(run) } : {});
  }

  private async step(ev: MouseEvent): Promise<void> {
    await this.act('step', { count: ev.shiftKey ? 10 : 1 });
  }

  private async act(
    action: ControlAction,
    extra: { count?: number; totalSteps?: number } = {},
  ): Promise<void> {
    setText(this.status, '…');
    this.status.dataset['tone'] = 'busy';
    try {
      const reply = (await this.ctx.conn.request({
        type: 'control',
        runId: this.run.id,
        action,
        ...extra,
      })) as AckMessage;
      if (reply.run) this.ctx.store.upsert(reply.run);
      const at = reply.step !== undefined ? ` at step ${fmtNum(reply.step)}` : '';
      const done: Record<ControlAction, string> = {
        pause: 'Paused',
        resume: 'Resumed',
        step: 'Stepped',
        stop: 'Stopping',
        checkpoint: 'Checkpoint saved',
      };
      setText(this.status, `✓ ${done[action]}${at}`);
      this.status.dataset['tone'] = 'ok';
    } catch (err) {
      setText(this.status, describeError(err));
      this.status.dataset['tone'] = 'error';
    }
  }
}
