import type { AckMessage, LiveValues, Params, Progress, RunInfo } from '../../../server/protocol/messages.ts';
import type { AppContext } from '../app/context.ts';
import { changeLabel } from '../state/param-labels.ts';
import type { Marker } from '../state/run-series.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import { fmtNum } from '../ui/format.ts';
import { ParamControl } from '../ui/param-control.ts';
import { isLive } from './run-actions.ts';

/** The slider range for a reward weight: from 0 to three times its default (either sign), ±1 for a zero one. */
export function rewardWeightRange(def: number): { min: number; max: number; step: number } {
  const span = def === 0 ? 1 : 3 * Math.abs(def);
  const min = def < 0 ? -span : def === 0 ? -span : 0;
  const max = def > 0 ? span : def === 0 ? span : 0;
  const step = 10 ** Math.floor(Math.log10((max - min) / 100));
  return { min, max, step };
}

/**
 * Live parameters of a training run: γ, learning rate, τ, an ε override and each reward weight, sent with
 * `setParams`; the server's ack (the step it took effect at, and what changed) or its error shows under
 * each control.
 */
export class RunControls {
  readonly el: HTMLElement;
  private readonly ctx: AppContext;
  private readonly runId: string;
  private readonly agent: Record<string, ParamControl> = {};
  private readonly weights = new Map<string, ParamControl>();
  private readonly weightsBox = h('div.param-grid');
  private readonly weightsSection: HTMLElement;
  private readonly note = h('div.controls-note');
  private live = true;
  private haveLive = false;

  constructor(ctx: AppContext, run: RunInfo) {
    this.ctx = ctx;
    this.runId = run.id;
    const send = (params: Params, symbol: string) => async () => this.send(params, symbol);
    this.agent['gamma'] = new ParamControl({
      key: 'gamma',
      symbol: 'γ',
      label: 'Discount',
      hint: 'how far ahead it looks',
      min: 0,
      max: 0.999,
      step: 0.001,
      check: (v) => (v >= 0 && v < 1 ? null : 'γ must be in [0, 1)'),
      apply: (v) => send({ gamma: v! }, 'γ')(),
    });
    this.agent['learningRate'] = new ParamControl({
      key: 'learningRate',
      symbol: 'lr',
      label: 'Learning rate',
      min: 1e-5,
      max: 0.1,
      log: true,
      nullable: true,
      check: (v) => (v > 0 && v <= 1 ? null : 'the learning rate must be in (0, 1]'),
      apply: (v) => send({ learningRate: v }, 'lr')(),
    });
    this.agent['tau'] = new ParamControl({
      key: 'tau',
      symbol: 'τ',
      label: 'Target update',
      hint: 'soft, per update',
      min: 1e-4,
      max: 1,
      log: true,
      check: (v) => (v > 0 && v <= 1 ? null : 'τ must be in (0, 1]'),
      apply: (v) => send({ tau: v! }, 'τ')(),
    });
    this.agent['epsilon'] = new ParamControl({
      key: 'epsilon',
      symbol: 'ε',
      label: 'Exploration',
      min: 0,
      max: 1,
      step: 0.01,
      nullable: true,
      check: (v) => (v >= 0 && v <= 1 ? null : 'ε must be in [0, 1]'),
      apply: (v) => send({ epsilon: v }, 'ε')(),
    });
    this.weightsSection = h(
      'section.controls-section',
      null,
      h('h3', null, 'Reward weights', h('span.muted', null, ' · the env’s reward terms')),
      this.weightsBox,
    );
    this.el = h(
      'section.panel.controls-panel',
      { 'data-testid': 'run-controls' },
      h(
        'header.panel-head',
        null,
        h('h2', null, 'Live parameters'),
        h('span.muted', null, 'applied between two steps'),
      ),
      h(
        'div.panel-body',
        null,
        this.note,
        h(
          'section.controls-section',
          null,
          h('h3', null, 'Agent'),
          h(
            'div.param-grid',
            null,
            Object.values(this.agent).map((c) => c.el),
          ),
        ),
        this.weightsSection,
      ),
    );
    this.weightsSection.style.display = 'none';
    this.setRun(run);
  }

  setRun(run: RunInfo): void {
    this.live = isLive(run);
    const note = this.live
      ? ''
      : `This run is ${run.status}: resume it to change its parameters (they apply to a training run).`;
    setText(this.note, note);
    this.note.style.display = note ? '' : 'none';
    for (const c of [...Object.values(this.agent), ...this.weights.values()]) c.setDisabled(!this.live);
  }

  /**
   * What was in force when the run last trained, for a run that sends no metrics (at rest, or before its first
   * batch): its config, then every live change in its history, in order.
   */
  setFromHistory(
    options: Record<string, unknown>,
    rewardDefaults: Record<string, number> | null,
    events: readonly Marker[],
  ): void {
    if (this.haveLive) return;
    const envOptions = (options['envOptions'] ?? {}) as { rewardWeights?: Record<string, number> };
    const v: LiveValues = {
      gamma: Number(options['gamma']),
      tau: Number(options['tau']),
      epsilonOverride: null,
      learningRateOverride: null,
      rewardWeights: rewardDefaults ? { ...rewardDefaults, ...(envOptions.rewardWeights ?? {}) } : null,
      speed: 'max',
      replaySource: 'latest',
    };
    for (const m of events) {
      for (const c of m.changes) {
        if (c.name === 'gamma' || c.name === 'tau') v[c.name] = Number(c.to);
        else if (c.name === 'epsilon') v.epsilonOverride = c.to === null ? null : Number(c.to);
        else if (c.name === 'learningRate') v.learningRateOverride = c.to === null ? null : Number(c.to);
        else if (c.name === 'rewardWeights' && c.to && typeof c.to === 'object') {
          v.rewardWeights = { ...(v.rewardWeights ?? {}), ...(c.to as Record<string, number>) };
        }
      }
    }
    this.apply(v, null);
  }

  /** Values in force, from the latest metrics batch. */
  setValues(live: LiveValues, progress: Progress | null): void {
    this.haveLive = true;
    this.apply(live, progress);
  }

  private apply(live: LiveValues, progress: Progress | null): void {
    this.agent['gamma']!.setValue(live.gamma);
    this.agent['tau']!.setValue(live.tau);
    this.agent['learningRate']!.setValue(live.learningRateOverride, progress?.learningRate ?? null);
    this.agent['epsilon']!.setValue(live.epsilonOverride, progress?.epsilon ?? null);
    if (live.rewardWeights) this.ensureWeights(live.rewardWeights);
    for (const [name, c] of this.weights) c.setValue(live.rewardWeights?.[name] ?? null);
  }

  /** Reward weight controls appear once the server says which weights the env has (and their defaults). */
  ensureWeights(weights: Record<string, number>, defaults: Record<string, number> = weights): void {
    const names = Object.keys(weights);
    if (names.length === 0 || names.every((n) => this.weights.has(n))) return;
    for (const name of names) {
      if (this.weights.has(name)) continue;
      const range = rewardWeightRange(defaults[name] ?? weights[name] ?? 0);
      const c = new ParamControl({
        key: `rewardWeights.${name}`,
        label: name,
        ...range,
        apply: (v) => this.send({ rewardWeights: { [name]: v! } }, name),
      });
      c.setDisabled(!this.live);
      this.weights.set(name, c);
    }
    replaceChildren(
      this.weightsBox,
      [...this.weights.values()].map((c) => c.el),
    );
    this.weightsSection.style.display = '';
  }

  private async send(params: Params, what: string): Promise<string> {
    const reply = (await this.ctx.conn.request({
      type: 'setParams',
      runId: this.runId,
      params,
    })) as AckMessage;
    const changes = reply.changes ?? [];
    const step = reply.step !== undefined ? ` at step ${fmtNum(reply.step)}` : '';
    if (changes.length === 0) return `✓ ${what} unchanged (already that value)`;
    return `✓ Applied${step}: ${changes.map(changeLabel).join(', ')}`;
  }
}
