import { h } from './dom.ts';

export interface SegmentOption<T extends string> {
  value: T;
  label: string;
  title?: string;
  disabled?: boolean;
}

/** A row of mutually exclusive buttons (watch mode, layout, chart range). */
export class Segmented<T extends string> {
  readonly el: HTMLElement;
  private readonly buttons = new Map<T, HTMLButtonElement>();
  private current: T;

  constructor(options: SegmentOption<T>[], initial: T, onChange: (v: T) => void, testId?: string) {
    this.current = initial;
    this.el = h(
      'div.segmented',
      { role: 'radiogroup', 'data-testid': testId },
      options.map((o) => {
        const b = h(
          'button',
          {
            type: 'button',
            role: 'radio',
            title: o.title,
            'data-value': o.value,
            disabled: o.disabled,
            onclick: () => {
              if (o.value === this.current) return;
              this.set(o.value);
              onChange(o.value);
            },
          },
          o.label,
        );
        this.buttons.set(o.value, b);
        return b;
      }),
    );
    this.set(initial);
  }

  get value(): T {
    return this.current;
  }

  set(v: T): void {
    this.current = v;
    for (const [value, b] of this.buttons) {
      b.classList.toggle('active', value === v);
      b.setAttribute('aria-checked', String(value === v));
    }
  }

  setDisabled(v: T, disabled: boolean): void {
    const b = this.buttons.get(v);
    if (b) b.disabled = disabled;
  }
}
