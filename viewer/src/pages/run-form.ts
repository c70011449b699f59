import { PRESETS } from '../../../agents/dqn/options.ts';
import type { AckMessage, EnvInfo, SpeedMode } from '../../../server/protocol/messages.ts';
import type { AppContext } from '../app/context.ts';
import { routeHref } from '../app/router.ts';
import {
  buildRunConfig,
  dqnFields,
  envFields,
  type FormField,
  formatField,
  parseField,
  validateRunConfig,
} from '../state/run-form-model.ts';
import { h, replaceChildren, setText } from '../ui/dom.ts';
import { describeError } from '../ui/errors.ts';
import { Segmented } from '../ui/segmented.ts';

interface FieldUi {
  field: FormField;
  input: HTMLInputElement | HTMLSelectElement;
  error: HTMLElement;
  wrap: HTMLElement;
}

const GROUP_ORDER = [
  'Run',
  'Network',
  'Learning',
  'Target network',
  'Replay',
  'Exploration',
  'Reward weights',
  'Environment',
  'Advanced',
];

/**
 * "New run": pick an env, start from its preset, edit any hyperparameter or reward weight. Every change is
 * validated as the server validates it; problems show under their field and the Start button waits until
 * there are none. A refusal from the server (it may know more) shows in words at the bottom.
 */
export class RunForm {
  readonly el: HTMLElement;
  private readonly ctx: AppContext;
  private readonly envSelect = h('select', { 'data-testid': 'form-env', 'aria-label': 'Environment' });
  private readonly note = h('p.form-note');
  private readonly body = h('div.form-body');
  private readonly status = h('div.form-status', { 'data-testid': 'form-status', 'aria-live': 'polite' });
  private readonly startBtn: HTMLButtonElement;
  private readonly speed: Segmented<SpeedMode>;
  private fields: FieldUi[] = [];
  private envId = '';
  private envs: EnvInfo[] = [];

  constructor(ctx: AppContext) {
    this.ctx = ctx;
    this.startBtn = h('button.btn.primary', { type: 'submit', 'data-testid': 'form-start' }, 'Start run');
    this.speed = new Segmented<SpeedMode>(
      [
        { value: 'max', label: 'Full speed', title: 'Train flat out; the scene shows sampled frames' },
        { value: 'realtime', label: 'Real-time', title: 'One env step per frame at the env’s own speed' },
      ],
      'max',
      () => {},
      'form-speed',
    );
    this.envSelect.addEventListener('change', () => this.selectEnv(this.envSelect.value));
    const form = h(
      'form.run-form',
      {
        novalidate: true,
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void this.submit();
        },
      },
      h('div.form-env', null, h('label', null, 'Environment'), this.envSelect),
      this.note,
      this.body,
      h(
        'div.form-foot',
        null,
        h('div.form-speed', null, h('span.muted', null, 'Start at'), this.speed.el),
        this.startBtn,
      ),
      this.status,
    );
    this.el = h(
      'section.panel.form-panel',
      { 'data-testid': 'run-form' },
      h('header.panel-head', null, h('h2', null, 'New run'), h('span.muted', null, 'DQN')),
      form,
    );
  }

  /** Called when the server's env list is known or changes. */
  setEnvs(envs: EnvInfo[]): void {
    const usable = envs.filter((e) => e.discreteActions);
    if (usable.map((e) => e.id).join() === this.envs.map((e) => e.id).join()) return;
    this.envs = usable;
    replaceChildren(
      this.envSelect,
      usable.map((e) => h('option', { value: e.id }, e.id)),
    );
    const keep = usable.some((e) => e.id === this.envId) ? this.envId : (usable[0]?.id ?? '');
    this.envSelect.value = keep;
    if (keep) this.selectEnv(keep);
  }

  selectEnv(envId: string): void {
    this.envId = envId;
    this.envSelect.value = envId;
    const info = this.envs.find((e) => e.id === envId);
    setText(this.note, [info?.description, PRESETS[envId]?.note].filter(Boolean).join(' — '));
    const all = [...dqnFields(envId), ...envFields(envId, info?.rewardWeights ?? null)];
    this.fields = all.map((f) => this.fieldUi(f));
    const groups = new Map<string, FieldUi[]>();
    for (const f of this.fields) {
      const g = f.field.advanced && f.field.group !== 'Run' ? 'Advanced' : f.field.group;
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g)!.push(f);
    }
    const advanced = groups.get('Advanced') ?? [];
    const sections = GROUP_ORDER.filter((g) => g !== 'Advanced' && groups.has(g)).map((g) => {
      const items = groups.get(g)!;
      const grid = h(
        `div.form-grid${g === 'Run' ? '.cols-3' : ''}`,
        null,
        items.map((f) => f.wrap),
      );
      if (g === 'Environment')
        return h('details.form-section', null, h('summary', null, 'Environment'), grid);
      return h('fieldset.form-section', null, h('legend', null, g), grid);
    });
    if (advanced.length > 0) {
      sections.push(
        h(
          'details.form-section',
          null,
          h('summary', null, `All options (${advanced.length} more)`),
          h(
            'div.form-grid',
            null,
            advanced.map((f) => f.wrap),
          ),
        ),
      );
    }
    replaceChildren(this.body, sections);
    setText(this.status, '');
    this.validate();
  }

  private fieldUi(field: FormField): FieldUi {
    let input: HTMLInputElement | HTMLSelectElement;
    if (field.kind === 'enum') {
      input = h(
        'select',
        null,
        (field.options ?? []).map((o) => h('option', { value: o }, o)),
      );
      input.value = String(field.defaultValue);
    } else if (field.kind === 'boolean') {
      input = h('input', { type: 'checkbox' });
      input.checked = Boolean(field.defaultValue);
    } else {
      input = h('input', {
        type: 'text',
        inputmode: 'decimal',
        spellcheck: 'false',
        autocomplete: 'off',
        placeholder: field.hint,
      });
      input.value = formatField(field.defaultValue);
    }
    input.dataset['field'] = field.key;
    input.addEventListener('input', () => this.validate());
    input.addEventListener('change', () => this.validate());
    const error = h('div.field-error');
    const id = `f-${field.key.replace(/\W/g, '-')}`;
    input.id = id;
    const label = h(
      'label',
      { for: id, title: field.hint ? `${field.key}: ${field.hint}` : field.key },
      field.label,
    );
    const wrap =
      field.kind === 'boolean'
        ? h('div.field.check', null, input, h('label', { for: id, title: field.key }, field.label), error)
        : h('div.field', null, label, input, error);
    return { field, input, error, wrap };
  }

  /** Parses every field and validates the whole config; returns it when the server would accept it. */
  private validate(): ReturnType<typeof buildRunConfig> | null {
    const values: Record<string, unknown> = {};
    let bad = false;
    for (const f of this.fields) {
      const raw =
        f.input instanceof HTMLInputElement && f.input.type === 'checkbox' ? f.input.checked : f.input.value;
      const parsed = parseField(f.field, raw);
      if ('error' in parsed) {
        this.setFieldError(f, parsed.error);
        bad = true;
      } else {
        this.setFieldError(f, '');
        values[f.field.key] = parsed.value;
      }
    }
    if (bad) {
      this.startBtn.disabled = true;
      return null;
    }
    const config = buildRunConfig(
      this.envId,
      this.fields.map((f) => f.field),
      values,
    );
    const errors = validateRunConfig(config);
    for (const f of this.fields) if (errors[f.field.key]) this.setFieldError(f, errors[f.field.key]!);
    const general = Object.entries(errors).filter(([k]) => !this.fields.some((f) => f.field.key === k));
    if (general.length > 0) this.setStatus(general.map(([, v]) => v).join('; '), 'error');
    else if (this.status.dataset['tone'] === 'error' && !this.status.dataset['server'])
      this.setStatus('', 'info');
    const ok = Object.keys(errors).length === 0;
    this.startBtn.disabled = !ok;
    return ok ? config : null;
  }

  private setFieldError(f: FieldUi, text: string): void {
    setText(f.error, text);
    f.input.classList.toggle('invalid', text !== '');
    f.wrap.classList.toggle('has-error', text !== '');
  }

  private setStatus(text: string, tone: 'info' | 'error' | 'ok', fromServer = false): void {
    setText(this.status, text);
    this.status.dataset['tone'] = tone;
    if (fromServer) this.status.dataset['server'] = '1';
    else delete this.status.dataset['server'];
  }

  private async submit(): Promise<void> {
    const config = this.validate();
    if (!config) return;
    this.startBtn.disabled = true;
    this.setStatus('Starting…', 'info');
    try {
      const reply = (await this.ctx.conn.request({
        type: 'createRun',
        kind: 'dqn',
        config,
        speed: this.speed.value,
      })) as AckMessage;
      if (reply.run) this.ctx.store.upsert(reply.run);
      this.setStatus(`Started ${reply.runId}`, 'ok');
      this.ctx.navigate(routeHref('run', reply.runId ?? ''));
    } catch (err) {
      this.setStatus(describeError(err), 'error', true);
    } finally {
      this.startBtn.disabled = false;
    }
  }
}
