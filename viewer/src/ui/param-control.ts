import { h, setText } from './dom.ts';
import { describeError } from './errors.ts';

export interface ParamControlSpec {
  key: string;
  label: string;
  symbol?: string;
  hint?: string;
  min: number;
  max: number;
  /** Slider on a log scale (learning rate, τ). */
  log?: boolean;
  step?: number;
  /** The value may be null: an "override" checkbox; unchecked sends null (back to the schedule). */
  nullable?: boolean;
  /** Validates a typed value; returns a message when it is not allowed. */
  check?: (v: number) => string | null;
  /** Sends the value; resolves with the acknowledgement text, rejects with the server's error. */
  apply: (v: number | null) => Promise<string>;
}

const SLIDER_STEPS = 1000;

/**
 * One live-tunable value: a slider and a number box that stay in sync, sent on release / Enter, with the
 * server's answer (ack or error, in words) right below. While the person edits, updates from the server do not
 * overwrite what they typed.
 */
export class ParamControl {
  readonly el: HTMLElement;
  readonly spec: ParamControlSpec;
  private readonly slider: HTMLInputElement;
  private readonly input: HTMLInputElement;
  private readonly status: HTMLElement;
  private readonly override: HTMLInputElement | null;
  private editing = false;
  private busy = false;
  private serverValue: number | null = null;

  constructor(spec: ParamControlSpec) {
    this.spec = spec;
    this.slider = h('input', {
      type: 'range',
      min: 0,
      max: SLIDER_STEPS,
      step: 1,
      'aria-label': `${spec.label} slider`,
      'data-param': spec.key,
    });
    this.input = h('input', {
      type: 'number',
      step: 'any',
      'aria-label': spec.label,
      'data-param-input': spec.key,
      placeholder: spec.nullable ? 'schedule' : '',
    });
    this.status = h('div.param-status', { 'data-param-status': spec.key, 'aria-live': 'polite' });
    this.override = spec.nullable ? h('input', { type: 'checkbox', 'data-param-override': spec.key }) : null;
    this.el = h(
      'div.param',
      { 'data-param-row': spec.key },
      h(
        'div.param-label',
        null,
        spec.symbol ? h('span.sym', null, spec.symbol) : null,
        h('span', null, spec.label),
        spec.hint ? h('span.hint', null, spec.hint) : null,
        this.override ? h('label.override', null, this.override, 'override') : null,
      ),
      this.slider,
      this.input,
      this.status,
    );
    this.slider.addEventListener('input', () => {
      this.editing = true;
      const v = this.fromSlider(Number(this.slider.value));
      this.input.value = roundForInput(v);
      this.paintFill();
    });
    this.slider.addEventListener('change', () => this.submit(Number(this.input.value)));
    this.input.addEventListener('focus', () => {
      this.editing = true;
    });
    this.input.addEventListener('input', () => {
      const v = Number(this.input.value);
      if (this.input.value !== '' && Number.isFinite(v)) {
        this.slider.value = String(this.toSlider(v));
        this.paintFill();
      }
    });
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') this.submit(Number(this.input.value));
      if (ev.key === 'Escape') {
        this.editing = false;
        this.show(this.serverValue);
        this.input.blur();
      }
    });
    this.input.addEventListener('blur', () => {
      if (
        this.editing &&
        !this.busy &&
        Number(this.input.value) !== this.serverValue &&
        this.input.value !== ''
      ) {
        this.submit(Number(this.input.value));
      } else this.editing = false;
    });
    this.override?.addEventListener('change', () => {
      if (!this.override!.checked) {
        this.submit(null);
      } else {
        this.setEnabled(true);
        this.editing = true;
        this.input.focus();
        this.submit(Number(this.input.value));
      }
    });
  }

  /** The value in force on the server (or the schedule's current value, for a nullable one not overridden). */
  setValue(v: number | null, scheduleValue?: number | null): void {
    this.serverValue = v;
    if (this.editing || this.busy) return;
    if (this.override) {
      this.override.checked = v !== null;
      this.setEnabled(v !== null);
    }
    this.show(v ?? scheduleValue ?? null);
  }

  setDisabled(disabled: boolean): void {
    this.el.classList.toggle('disabled', disabled);
    this.slider.disabled = disabled || (this.override !== null && !this.override.checked);
    this.input.disabled = this.slider.disabled;
    if (this.override) this.override.disabled = disabled;
  }

  private setEnabled(on: boolean): void {
    this.slider.disabled = !on;
    this.input.disabled = !on;
  }

  private show(v: number | null): void {
    if (v === null || !Number.isFinite(v)) {
      this.input.value = '';
      return;
    }
    this.input.value = roundForInput(v);
    this.slider.value = String(this.toSlider(v));
    this.paintFill();
  }

  private async submit(v: number | null): Promise<void> {
    if (v !== null) {
      const problem = !Number.isFinite(v) ? 'enter a number' : (this.spec.check?.(v) ?? null);
      if (problem) {
        this.setStatus(problem, 'error');
        this.input.classList.add('invalid');
        return;
      }
    }
    this.input.classList.remove('invalid');
    this.busy = true;
    this.setStatus('Sending…', 'busy');
    try {
      const text = await this.spec.apply(v);
      this.setStatus(text, 'ok');
      this.serverValue = v;
    } catch (err) {
      this.setStatus(describeError(err), 'error');
    } finally {
      this.busy = false;
      this.editing = false;
    }
  }

  private setStatus(text: string, tone: 'ok' | 'error' | 'busy'): void {
    setText(this.status, text);
    this.status.dataset['tone'] = tone;
  }

  private toSlider(v: number): number {
    const { min, max, log } = this.spec;
    const c = Math.min(max, Math.max(min, v));
    const f = log ? Math.log(c / min) / Math.log(max / min) : (c - min) / (max - min);
    return Math.round(f * SLIDER_STEPS);
  }

  private fromSlider(pos: number): number {
    const { min, max, log, step } = this.spec;
    const f = pos / SLIDER_STEPS;
    let v = log ? min * (max / min) ** f : min + f * (max - min);
    if (step) v = Math.round(v / step) * step;
    else if (log) v = Number(v.toPrecision(2));
    return Math.min(max, Math.max(min, Number(v.toPrecision(6))));
  }

  private paintFill(): void {
    this.slider.style.setProperty('--fill', `${(Number(this.slider.value) / SLIDER_STEPS) * 100}%`);
  }
}

/** Four significant digits: enough to tell values apart, short enough for the box (0.14016 → 0.1402). */
function roundForInput(v: number): string {
  return String(Number(v.toPrecision(4)));
}
