import uPlot from 'uplot';
import { envSpec } from '../../../envs/registry.ts';
import type { RunInfo } from '../../../server/protocol/messages.ts';
import type { AppContext, Page } from '../app/context.ts';
import { type Route, routeHref } from '../app/router.ts';
import { LiveChart } from '../charts/live-chart.ts';
import type { ChartMarker } from '../charts/markers.ts';
import { configDiff, type RunConfigLike } from '../state/config-diff.ts';
import { RunSeries } from '../state/run-series.ts';
import { Disposables, type Disposer, h, replaceChildren } from '../ui/dom.ts';
import { describeError } from '../ui/errors.ts';
import { fmtNum, fmtReturn } from '../ui/format.ts';
import { runTitle, shortName } from './run-actions.ts';
import { SOLVED_COLOR } from './run-charts.ts';

interface Watched {
  run: RunInfo;
  series: RunSeries;
  config: RunConfigLike | null;
  unsubscribe: Disposer;
}

/**
 * Compare: pick runs; their return curves (each episode faintly, the 100-episode mean boldly) and losses on
 * shared axes in each run's colour, with every run's live changes marked; and a table of the settings that
 * differ — the view for "what did changing γ do?".
 */
export function comparePage(ctx: AppContext, route: Route): Page {
  const d = new Disposables();
  const picked = new Set((route.params.get('runs') ?? '').split(',').filter(Boolean));
  const watched = new Map<string, Watched>();
  const picker = h('div.compare-picker', { 'data-testid': 'compare-picker' });
  const legend = h('div.compare-legend', { 'data-testid': 'compare-legend' });
  const diffBox = h('div.diff-box', { 'data-testid': 'config-diff' });
  const summary = h('div.summary-box');
  const showAll = h('input', { type: 'checkbox' });
  const showRaw = h('input', { type: 'checkbox' });
  showRaw.checked = true;
  let charts: { ret: LiveChart; loss: LiveChart; q: LiveChart } | null = null;
  const chartHost = h('div.compare-charts');
  const empty = h(
    'div.empty-state',
    null,
    h('strong', null, 'Pick two or more runs'),
    'Tick runs on the left: their curves overlay here, and the settings that differ are listed below.',
  );

  const urlSync = () => {
    const ids = [...picked].join(',');
    const hash = routeHref('compare', null, ids ? { runs: ids } : undefined);
    if (location.hash !== hash) history.replaceState(null, '', hash);
  };

  const renderPicker = () => {
    const runs = ctx.store.list();
    const byEnv = new Map<string, RunInfo[]>();
    for (const r of runs) {
      if (!byEnv.has(r.env)) byEnv.set(r.env, []);
      byEnv.get(r.env)!.push(r);
    }
    replaceChildren(
      picker,
      runs.length === 0 ? h('div.muted', null, 'No runs on this server yet.') : null,
      [...byEnv.entries()].map(([env, list]) =>
        h(
          'div.picker-group',
          null,
          h('div.picker-env', null, env),
          list
            .slice()
            .reverse()
            .map((r) => {
              const box = h('input', { type: 'checkbox', 'data-run': r.id });
              box.checked = picked.has(r.id);
              box.addEventListener('change', () => {
                if (box.checked) picked.add(r.id);
                else picked.delete(r.id);
                urlSync();
                sync();
              });
              return h(
                'label.picker-run',
                { title: r.id },
                box,
                h('span.swatch', { style: `background:${ctx.store.colorOf(r.id)}` }),
                h('span.picker-name', null, shortName(r, false)),
                h('span.picker-mean.num', null, fmtReturn(r.meanReturn100)),
              );
            }),
        ),
      ),
    );
  };

  /** Rebuilds the charts' series when the set of runs changes (uPlot series are fixed per instance). */
  let chartKey = '';
  const rebuildCharts = () => {
    const list = [...watched.values()];
    const key = `${list.map((w) => w.run.id).join(',')}|${showRaw.checked}`;
    if (key === chartKey) return;
    chartKey = key;
    if (charts) for (const c of Object.values(charts)) c.destroy();
    charts = null;
    if (list.length === 0) {
      replaceChildren(chartHost, empty);
      return;
    }
    const color = (w: Watched) => ctx.store.colorOf(w.run.id);
    const retSeries = list.flatMap((w) => [
      ...(showRaw.checked ? [{ label: 'episode', color: color(w), points: true, alpha: 0.28 }] : []),
      { label: `${label(w.run)} · mean`, color: color(w), width: 2.25 },
    ]);
    const perRun = list.map((w) => ({ label: label(w.run), color: color(w) }));
    const c = {
      ret: new LiveChart({
        key: 'compare-return',
        title: 'Episodic return',
        hint: 'dots: episodes · lines: mean of last 100',
        height: 300,
        series: retSeries,
      }),
      loss: new LiveChart({
        key: 'compare-loss',
        title: 'TD loss',
        hint: 'log scale',
        height: 190,
        logY: true,
        series: perRun,
      }),
      q: new LiveChart({ key: 'compare-q', title: 'Mean Q', height: 190, series: perRun }),
    };
    charts = c;
    const threshold = commonThreshold(list.map((w) => w.run));
    if (threshold !== null)
      c.ret.setHLines([{ value: threshold, label: `solved ≥ ${threshold}`, color: SOLVED_COLOR }]);
    replaceChildren(
      chartHost,
      h('div.panel.chart-panel', null, c.ret.el),
      h(
        'div.compare-row',
        null,
        h('div.panel.chart-panel', null, c.loss.el),
        h('div.panel.chart-panel', null, c.q.el),
      ),
    );
    for (const ch of [c.ret, c.loss, c.q]) ch.mount();
    refresh();
  };

  const refresh = () => {
    const list = [...watched.values()];
    if (!charts || list.length === 0) return;
    const retTables = list.map((w) => {
      const cols = [w.series.ep.step, ...(showRaw.checked ? [w.series.ep.ret] : []), w.series.ep.mean];
      return cols as uPlot.AlignedData;
    });
    charts.ret.setData(uPlot.join(retTables));
    charts.loss.setData(
      uPlot.join(
        list.map(
          (w) =>
            [
              w.series.m.step,
              w.series.m.loss.map((v) => (v !== null && v > 0 ? v : null)),
            ] as uPlot.AlignedData,
        ),
      ),
    );
    charts.q.setData(uPlot.join(list.map((w) => [w.series.m.step, w.series.m.q] as uPlot.AlignedData)));
    const markers: ChartMarker[] = list.flatMap((w) =>
      w.series.markers.map((m) => ({ step: m.step, label: m.label, color: ctx.store.colorOf(w.run.id) })),
    );
    markers.sort((a, b) => a.step - b.step);
    for (const ch of [charts.ret, charts.loss, charts.q]) ch.setMarkers(markers);
    renderTables();
  };

  const renderTables = () => {
    const list = [...watched.values()];
    replaceChildren(
      legend,
      list.map((w) =>
        h(
          'a.legend-item',
          { href: routeHref('run', w.run.id), title: w.run.id },
          h('span.swatch', { style: `background:${ctx.store.colorOf(w.run.id)}` }),
          runTitle(w.run),
        ),
      ),
    );
    if (list.length === 0) {
      replaceChildren(diffBox);
      replaceChildren(summary);
      return;
    }
    const head = h(
      'tr',
      null,
      h('th', null, ''),
      list.map((w) =>
        h(
          'th',
          null,
          h('span.swatch', { style: `background:${ctx.store.colorOf(w.run.id)}` }),
          ` ${label(w.run)}`,
        ),
      ),
    );
    const rows = [
      ['Status', (r: RunInfo) => r.status],
      ['Steps', (r: RunInfo) => `${fmtNum(r.steps)} / ${fmtNum(r.totalSteps)}`],
      ['Episodes', (r: RunInfo) => fmtNum(r.episodes)],
      ['Mean return (100)', (r: RunInfo) => fmtReturn(r.meanReturn100)],
      ['Best mean', (r: RunInfo) => fmtReturn(r.bestMeanReturn100)],
      ['Solved at step', (r: RunInfo) => (r.solvedAtStep !== null ? fmtNum(r.solvedAtStep) : '—')],
    ] as const;
    replaceChildren(
      summary,
      h(
        'table.compare-table',
        null,
        h('thead', null, head.cloneNode(true)),
        h(
          'tbody',
          null,
          rows.map(([name, f]) =>
            h(
              'tr',
              null,
              h('th', null, name),
              list.map((w) => h('td.num', null, f(ctx.store.get(w.run.id) ?? w.run))),
            ),
          ),
        ),
      ),
    );
    const ready = list.filter((w) => w.config);
    if (ready.length < list.length) {
      replaceChildren(diffBox, h('div.muted', null, 'Loading the runs’ settings…'));
      return;
    }
    const defaults = Object.fromEntries(ctx.store.envs.map((e) => [e.id, e.rewardWeights]));
    const diff = configDiff(
      ready.map((w) => w.config!),
      ready.map((w) => w.series.markers),
      defaults,
    );
    const differing = diff.filter((r) => r.differs);
    const shown = showAll.checked ? diff : differing;
    replaceChildren(
      diffBox,
      h(
        'table.compare-table.diff',
        null,
        h('thead', null, head),
        h(
          'tbody',
          null,
          shown.length === 0
            ? h(
                'tr',
                null,
                h(
                  'td.muted',
                  { colspan: list.length + 1 },
                  'These runs have the same settings (seeds included).',
                ),
              )
            : shown.map((r) =>
                h(
                  'tr',
                  { class: r.differs ? 'differs' : '', 'data-key': r.key },
                  h('th.mono', null, r.key),
                  r.values.map((v) => h('td.num', null, v)),
                ),
              ),
        ),
      ),
      h('div.diff-foot.muted', null, `${differing.length} of ${diff.length} settings differ`),
    );
  };

  const watch = (run: RunInfo) => {
    const series = new RunSeries(run.id);
    const w: Watched = {
      run,
      series,
      config: null,
      unsubscribe: ctx.conn.subscribe(run.id, ['metrics', 'episodes', 'events']),
    };
    watched.set(run.id, w);
    ctx.rest
      .metricsLines(run.id)
      .then((t) => {
        series.loadHistory(t);
        refresh();
      })
      .catch((err: unknown) => ctx.notices.show(`History of ${run.id}: ${describeError(err)}`));
    ctx.rest
      .runDetails(run.id)
      .then(({ config }) => {
        w.config = {
          env: config.env,
          seed: config.seed,
          steps: config.steps,
          numEnvs: config.numEnvs,
          options: config.options ?? {},
        };
        renderTables();
      })
      .catch((err: unknown) => ctx.notices.show(`Settings of ${run.id}: ${describeError(err)}`));
  };

  const sync = () => {
    renderPicker();
    for (const id of picked) {
      const run = ctx.store.get(id);
      if (run && !watched.has(id)) watch(run);
    }
    for (const [id, w] of watched) {
      if (!picked.has(id) || !ctx.store.get(id)) {
        w.unsubscribe();
        watched.delete(id);
      } else w.run = ctx.store.get(id)!;
    }
    rebuildCharts();
    renderTables();
  };

  let queued = false;
  d.add(
    ctx.conn.onMessage((m) => {
      let changed = false;
      for (const w of watched.values()) changed = w.series.ingest(m) || changed;
      if (changed && !queued) {
        // Several runs stream at once: redraw at most a few times a second.
        queued = true;
        setTimeout(() => {
          queued = false;
          refresh();
        }, 250);
      }
    }),
  );
  d.add(ctx.store.onChange(sync));
  d.add(() => {
    for (const w of watched.values()) w.unsubscribe();
    if (charts) for (const c of Object.values(charts)) c.destroy();
  });
  showAll.addEventListener('change', renderTables);
  showRaw.addEventListener('change', () => rebuildCharts());

  const el = h(
    'div.compare-page',
    null,
    h(
      'div.page-title',
      null,
      h('h1', null, 'Compare'),
      h('span.sub', null, 'Overlay runs and see which settings differ'),
    ),
    h(
      'div.compare-layout',
      null,
      h('aside.panel.compare-side', null, h('header.panel-head', null, h('h2', null, 'Runs')), picker),
      h(
        'div.compare-main',
        null,
        h('div.compare-toolbar', null, legend, h('label.toggle', null, showRaw, 'Each episode')),
        chartHost,
        h(
          'section.panel',
          null,
          h(
            'header.panel-head',
            null,
            h('h2', null, 'Settings that differ'),
            h('label.toggle', null, showAll, 'Show all'),
          ),
          h('div.panel-body.table-scroll', null, diffBox),
        ),
        h(
          'section.panel',
          null,
          h('header.panel-head', null, h('h2', null, 'Results')),
          h('div.panel-body.table-scroll', null, summary),
        ),
      ),
    ),
  );
  replaceChildren(chartHost, empty);
  return {
    el,
    mounted: () => sync(),
    dispose: () => d.dispose(),
  };
}

function label(run: RunInfo): string {
  return shortName(run, false);
}

function commonThreshold(runs: RunInfo[]): number | null {
  const ts = new Set(runs.map((r) => envSpec(r.env).rewardThreshold ?? null));
  return ts.size === 1 ? ([...ts][0] ?? null) : null;
}
