import { envSpec } from '../../../envs/registry.ts';
import type { RunInfo } from '../../../server/protocol/messages.ts';
import type { AppContext, Page } from '../app/context.ts';
import { type Route, routeHref } from '../app/router.ts';
import { RunSeries } from '../state/run-series.ts';
import { Disposables, h, replaceChildren } from '../ui/dom.ts';
import { describeError } from '../ui/errors.ts';
import { RunCharts } from './run-charts.ts';
import { RunControls } from './run-controls.ts';
import { RunHeader } from './run-header.ts';
import { WatchPanel } from './watch-panel.ts';

/** Run: one run's live scene, charts and controls. */
export function runPage(ctx: AppContext, route: Route): Page {
  const d = new Disposables();
  const el = h('div.run-page');
  const runId = route.arg;
  if (!runId) {
    replaceChildren(el, pickRun(ctx));
    return { el, dispose: () => d.dispose() };
  }
  let built: Built | null = null;
  const tryBuild = () => {
    const run = ctx.store.get(runId);
    if (built) {
      if (run) built.setRun(run);
      else {
        built.dispose();
        built = null;
        replaceChildren(
          el,
          h(
            'div.empty-state',
            null,
            h('strong', null, 'This run was deleted.'),
            h('a', { href: routeHref('runs') }, 'Back to the runs'),
          ),
        );
      }
      return;
    }
    if (!run) {
      const known = ctx.conn.current.welcome !== null;
      replaceChildren(
        el,
        h(
          'div.empty-state',
          null,
          h('strong', null, known ? `No run '${runId}' on this server.` : 'Connecting…'),
          known ? h('a', { href: routeHref('runs') }, 'See all runs') : null,
        ),
      );
      return;
    }
    built = build(ctx, run, el);
  };
  d.add(ctx.store.onChange(tryBuild));
  tryBuild();
  d.add(() => built?.dispose());
  return {
    el,
    mounted: () => built?.mounted(),
    dispose: () => d.dispose(),
  };
}

interface Built {
  setRun(run: RunInfo): void;
  mounted(): void;
  dispose(): void;
}

function build(ctx: AppContext, run: RunInfo, el: HTMLElement): Built {
  const d = new Disposables();
  const series = new RunSeries(run.id);
  const color = ctx.store.colorOf(run.id);
  const header = new RunHeader(ctx, run);
  const charts = new RunCharts(color);
  charts.setThreshold(envSpec(run.env).rewardThreshold ?? null);
  const controls = new RunControls(ctx, run);
  const envInfo = ctx.store.env(run.env);
  if (envInfo?.rewardWeights) controls.ensureWeights(envInfo.rewardWeights);
  const watch = new WatchPanel(ctx, run, series);
  d.add(() => watch.dispose());
  d.add(() => charts.destroy());
  d.add(ctx.conn.subscribe(run.id, ['metrics', 'episodes', 'events']));

  let runConfig: Record<string, unknown> | null = null;
  /** A run that sends no metrics still shows the values it last trained with (config, then its changes). */
  const showRestingValues = () => {
    if (runConfig && !series.live)
      controls.setFromHistory(runConfig, envInfo?.rewardWeights ?? null, series.events);
  };
  const refresh = () => {
    charts.update(series);
    showRestingValues();
    if (series.live) controls.setValues(series.live, series.progress);
    header.setProgress(series.progress);
  };
  d.add(
    ctx.conn.onMessage((m) => {
      if (series.ingest(m)) refresh();
    }),
  );
  const loadHistory = () =>
    ctx.rest
      .metricsLines(run.id)
      .then((text) => {
        series.loadHistory(text);
        refresh();
      })
      .catch((err: unknown) =>
        ctx.notices.show(`Could not load the history of ${run.id}: ${describeError(err)}`),
      );
  void loadHistory();
  ctx.rest
    .runDetails(run.id)
    .then(({ config }) => {
      const envOptions = (config.options?.['envOptions'] ?? {}) as Record<string, unknown>;
      watch.setEnvOptions(envOptions);
      runConfig = config.options ?? null;
      showRestingValues();
    })
    .catch(() => {
      // Without config.json the in-browser env uses its defaults; nothing else depends on it.
    });
  // After a reconnect, fill the gap from the history (records already seen are skipped).
  let wasOpen = ctx.conn.isOpen;
  d.add(
    ctx.conn.onState((s) => {
      if (s.status === 'open' && !wasOpen) void loadHistory();
      wasOpen = s.status === 'open';
    }),
  );

  const chartPanel = (chart: { el: HTMLElement }, cls = '') =>
    h(`div.panel.chart-panel${cls}`, null, chart.el);
  replaceChildren(
    el,
    header.el,
    h(
      'div.run-grid',
      null,
      h(
        'div.run-main',
        null,
        watch.el,
        h(
          'div.small-charts',
          null,
          chartPanel(charts.loss),
          chartPanel(charts.q),
          chartPanel(charts.eps),
          chartPanel(charts.sps),
        ),
      ),
      h('div.run-side', null, chartPanel(charts.ret, '.return-panel'), controls.el),
    ),
  );
  let mounted = false;
  const mount = () => {
    if (mounted || !el.isConnected) return;
    mounted = true;
    charts.mount();
    refresh();
    void watch.mount();
  };
  // Built after the page is in the document (store news) or before (first render): mount when attached.
  queueMicrotask(mount);
  return {
    setRun: (r) => {
      header.setRun(r);
      controls.setRun(r);
      watch.setRun(r);
    },
    mounted: mount,
    dispose: () => d.dispose(),
  };
}

function pickRun(ctx: AppContext): HTMLElement {
  const runs = ctx.store.list().slice(-8).reverse();
  return h(
    'div.empty-state',
    null,
    h('strong', null, 'Pick a run to watch'),
    runs.length === 0
      ? h('a', { href: routeHref('runs') }, 'Start one on the Runs page')
      : h(
          'ul.pick-list',
          null,
          runs.map((r) => h('li', null, h('a', { href: routeHref('run', r.id) }, r.id))),
        ),
  );
}
