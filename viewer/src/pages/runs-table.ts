import type { RunInfo } from '../../../server/protocol/messages.ts';
import type { AppContext } from '../app/context.ts';
import { routeHref } from '../app/router.ts';
import { h, replaceChildren } from '../ui/dom.ts';
import { fmtAgo, fmtNum, fmtReturn, fmtSteps } from '../ui/format.ts';
import {
  control,
  deleteRun,
  isLive,
  needsNewBudget,
  progressText,
  runTitle,
  suggestedBudget,
} from './run-actions.ts';

/**
 * The run list: status, env, progress, 100-episode mean, solved or not, and the actions that make sense
 * for each status. Rows are rebuilt from the store on change (a few dozen rows: cheap), keeping the selection
 * and any open confirmation.
 */
export class RunsTable {
  readonly el: HTMLElement;
  private readonly ctx: AppContext;
  private readonly tbody = h('tbody');
  private readonly compareBtn: HTMLButtonElement;
  private readonly count = h('span.muted');
  private readonly empty = h(
    'div.empty-state',
    null,
    h('strong', null, 'No runs yet'),
    'Start one with the form: the LunarLander preset learns to land in a few minutes.',
  );
  readonly selected = new Set<string>();
  /** Run id → what its row is asking (delete confirmation, new budget for a resume). */
  private readonly asking = new Map<string, 'delete' | 'resume'>();
  private pending: RunInfo[] | null = null;

  constructor(ctx: AppContext) {
    this.ctx = ctx;
    this.compareBtn = h(
      'button.btn.small',
      {
        'data-testid': 'compare-selected',
        onclick: () => ctx.navigate(routeHref('compare', null, { runs: [...this.selected].join(',') })),
      },
      'Compare selected',
    );
    const table = h(
      'table.runs-table',
      { 'data-testid': 'runs-table' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th.sel'),
          h('th', null, 'Run'),
          h('th', null, 'Status'),
          h('th', null, 'Progress'),
          h('th.num', null, 'Episodes'),
          h('th.num', { title: 'Mean return of the last 100 episodes (best so far below)' }, 'Mean 100'),
          h('th', null, 'Solved'),
          h('th.actions', null, ''),
        ),
      ),
      this.tbody,
    );
    this.el = h(
      'section.panel.runs-panel',
      null,
      h('header.panel-head', null, h('h2', null, 'Runs'), this.count, this.compareBtn),
      h('div.table-wrap', null, table, this.empty),
    );
    this.tbody.addEventListener('focusout', () => {
      setTimeout(() => {
        if (this.pending) this.render(this.pending);
      }, 0);
    });
  }

  render(runs: RunInfo[]): void {
    // Never rebuild under someone typing a new budget: wait until they leave the field.
    const active = document.activeElement;
    if (active instanceof HTMLInputElement && active.type === 'text' && this.tbody.contains(active)) {
      this.pending = runs;
      return;
    }
    this.pending = null;
    for (const id of this.selected) if (!runs.some((r) => r.id === id)) this.selected.delete(id);
    const rows = [...runs].reverse().map((r) => this.row(r));
    replaceChildren(this.tbody, rows);
    this.empty.style.display = runs.length === 0 ? '' : 'none';
    const live = runs.filter(isLive).length;
    this.count.textContent = runs.length === 0 ? '' : `${runs.length} total · ${live} live`;
    this.compareBtn.disabled = this.selected.size < 2;
    this.compareBtn.textContent =
      this.selected.size >= 2 ? `Compare ${this.selected.size} runs` : 'Compare selected';
  }

  private row(run: RunInfo): HTMLElement {
    const color = this.ctx.store.colorOf(run.id);
    const check = h('input', { type: 'checkbox', 'aria-label': `Select ${run.id}` });
    check.checked = this.selected.has(run.id);
    check.addEventListener('change', () => {
      if (check.checked) this.selected.add(run.id);
      else this.selected.delete(run.id);
      this.render(this.ctx.store.list());
    });
    const frac = run.totalSteps > 0 ? Math.min(1, run.steps / run.totalSteps) : 0;
    const solved = run.solvedAtStep !== null;
    const statusTitle =
      run.error ?? run.note ?? (run.queuePosition ? `#${run.queuePosition} in the queue` : '');
    return h(
      'tr',
      { 'data-run': run.id, class: run.status },
      h('td.sel', null, check),
      h(
        'td.run-cell',
        null,
        h(
          'a.run-link',
          { href: routeHref('run', run.id), title: run.id },
          h('span.swatch', { style: `background:${color}` }),
          h('span.run-name', null, runTitle(run)),
          run.demo ? h('span.tag', null, 'demo') : null,
        ),
        run.error
          ? h('div.run-error', { title: run.error }, run.error)
          : h('div.run-sub', null, h('span.mono', null, run.id), ' · ', fmtAgo(run.createdAt)),
      ),
      h('td', null, h('span.pill', { 'data-status': run.status, title: statusTitle }, run.status)),
      h(
        'td.progress-cell',
        null,
        h(
          'div.progress',
          null,
          h('div.progress-fill', { style: `width:${(frac * 100).toFixed(1)}%;background:${color}` }),
        ),
        h(
          'div.progress-text.num',
          { title: progressText(run) },
          `${fmtSteps(run.steps)} / ${fmtSteps(run.totalSteps)}`,
          isLive(run) && run.stepsPerSecond > 0
            ? h('span.rate', null, ` · ${fmtSteps(run.stepsPerSecond)}/s`)
            : null,
        ),
      ),
      h('td.num', null, fmtNum(run.episodes)),
      h(
        'td.num',
        null,
        fmtReturn(run.meanReturn100),
        run.bestMeanReturn100 !== null
          ? h('div.cell-sub', null, `best ${fmtReturn(run.bestMeanReturn100)}`)
          : null,
      ),
      h(
        'td',
        null,
        solved
          ? h(
              'span.solved',
              { title: `solved at step ${fmtNum(run.solvedAtStep)}` },
              `✓ at ${fmtSteps(run.solvedAtStep!)}`,
            )
          : h('span.muted', null, '—'),
      ),
      h('td.actions', null, this.actions(run)),
    );
  }

  private stopAsking(runId: string): void {
    this.asking.delete(runId);
    this.render(this.ctx.store.list());
  }

  private actions(run: RunInfo): HTMLElement {
    const ctx = this.ctx;
    const wrap = h('div.row-actions');
    const rerender = () => this.render(ctx.store.list());
    const asking = this.asking.get(run.id);
    if (asking === 'delete') {
      wrap.append(
        h('span.confirm', null, 'Delete its files?'),
        h(
          'button.btn.small.danger',
          {
            onclick: async () => {
              this.asking.delete(run.id);
              await deleteRun(ctx, run);
            },
          },
          'Delete',
        ),
        h('button.btn.small.ghost', { onclick: () => this.stopAsking(run.id) }, 'Cancel'),
      );
      return wrap;
    }
    if (asking === 'resume') {
      const budget = h('input', {
        type: 'text',
        value: String(suggestedBudget(run)),
        'aria-label': 'New step budget',
      });
      budget.classList.add('budget');
      wrap.append(
        h('span.confirm', null, 'Train to'),
        budget,
        h(
          'button.btn.small.primary',
          {
            onclick: async () => {
              const total = Number(budget.value.replace(/[,_\s]/g, ''));
              if (!Number.isInteger(total) || total <= run.steps) {
                budget.classList.add('invalid');
                ctx.notices.show(`The new budget must be a whole number above ${fmtNum(run.steps)} steps.`);
                return;
              }
              this.asking.delete(run.id);
              await control(ctx, run, 'resume', { totalSteps: total });
            },
          },
          'Resume',
        ),
        h('button.btn.small.ghost', { onclick: () => this.stopAsking(run.id) }, 'Cancel'),
      );
      return wrap;
    }
    const btn = (label: string, fn: () => void, cls = '', title?: string) =>
      h(`button.btn.small${cls}`, { onclick: fn, title, 'data-action': label.toLowerCase() }, label);
    if (run.status === 'running' || run.status === 'starting' || run.status === 'queued') {
      wrap.append(btn('Pause', () => void control(ctx, run, 'pause')));
      wrap.append(
        btn('Stop', () => void control(ctx, run, 'stop'), '.danger', 'Stop with a final checkpoint'),
      );
    } else if (run.status === 'paused') {
      wrap.append(btn('Resume', () => void control(ctx, run, 'resume')));
      wrap.append(
        btn('Stop', () => void control(ctx, run, 'stop'), '.danger', 'Stop with a final checkpoint'),
      );
    } else {
      const fromCkpt =
        run.checkpointStep !== null
          ? `from the checkpoint at step ${fmtNum(run.checkpointStep)}`
          : 'from the start';
      wrap.append(
        btn(
          'Resume',
          () => {
            if (needsNewBudget(run)) {
              this.asking.set(run.id, 'resume');
              rerender();
            } else void control(ctx, run, 'resume');
          },
          '',
          `Continue training ${fromCkpt}`,
        ),
      );
      wrap.append(
        btn(
          'Delete',
          () => {
            this.asking.set(run.id, 'delete');
            rerender();
          },
          '.ghost',
        ),
      );
    }
    return wrap;
  }
}
