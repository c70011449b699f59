import type { AppContext, Page } from '../app/context.ts';
import { Disposables, h } from '../ui/dom.ts';
import { RunForm } from './run-form.ts';
import { RunsTable } from './runs-table.ts';

/** Runs: every run the server knows, with actions, and the form that starts a new one. */
export function runsPage(ctx: AppContext): Page {
  const d = new Disposables();
  const table = new RunsTable(ctx);
  const form = new RunForm(ctx);
  const render = () => {
    table.render(ctx.store.list());
    form.setEnvs(ctx.store.envs);
  };
  d.add(ctx.store.onChange(render));
  // "3 min ago" and the like stay current without waiting for news.
  d.interval(render, 30_000);
  render();
  const el = h(
    'div.runs-page',
    null,
    h(
      'div.page-title',
      null,
      h('h1', null, 'Runs'),
      h('span.sub', null, 'Train, watch and compare DQN agents'),
    ),
    h('div.runs-layout', null, table.el, form.el),
  );
  return { el, dispose: () => d.dispose() };
}
