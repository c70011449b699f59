import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from '../ui/dom.ts';
import { fmtSteps } from '../ui/format.ts';
import { type ChartMarker, type HLine, markersPlugin } from './markers.ts';

export interface SeriesSpec {
  label: string;
  color: string;
  width?: number;
  alpha?: number;
  dash?: number[];
  /** Dots instead of a line (raw episode returns). */
  points?: boolean;
}

export interface ChartSpec {
  key: string;
  title: string;
  /** Unit or hint after the title ("per episode", "log scale"). */
  hint?: string;
  series: SeriesSpec[];
  logY?: boolean;
  height?: number;
  /** Formats y values in the legend and axis. */
  fmtY?: (v: number) => string;
}

const AXIS = { stroke: '#8b93a7', grid: 'rgba(255,255,255,0.06)', ticks: 'rgba(255,255,255,0.1)' };

function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/**
 * A uPlot chart that redraws at most once per animation frame however often data arrives, sizes itself to its
 * container, and carries parameter-change markers and reference lines. `data-points` / `data-markers` on
 * its element say what it shows (the e2e test and anyone inspecting the page read them).
 */
export class LiveChart {
  readonly el: HTMLElement;
  readonly spec: ChartSpec;
  private plot: uPlot | null = null;
  private data: uPlot.AlignedData;
  private markers: ChartMarker[] = [];
  private hlines: HLine[] = [];
  private readonly body: HTMLElement;
  private readonly empty: HTMLElement;
  private queued = false;
  private resizeObs: ResizeObserver | null = null;
  private hovering = false;

  constructor(spec: ChartSpec, emptyText = 'Waiting for the first episodes…') {
    this.spec = spec;
    this.data = [[], ...spec.series.map(() => [])];
    this.body = h('div.chart-body');
    this.empty = h('div.chart-empty', null, emptyText);
    this.el = h(
      'section.chart',
      { 'data-chart': spec.key, 'data-points': 0, 'data-markers': 0 },
      h(
        'header.chart-head',
        null,
        h('h3', null, spec.title),
        spec.hint ? h('span.chart-hint', null, spec.hint) : null,
      ),
      this.body,
      this.empty,
    );
  }

  /** Call once the element is in the document (uPlot measures it). */
  mount(): void {
    if (this.plot) return;
    const width = Math.max(200, this.body.clientWidth);
    const height = this.spec.height ?? 180;
    const fmtY = this.spec.fmtY;
    const opts: uPlot.Options = {
      width,
      height,
      pxAlign: false,
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false, setScale: true }, points: { size: 5 } },
      scales: { x: { time: false }, y: this.spec.logY ? { distr: 3 } : {} },
      axes: [
        {
          stroke: AXIS.stroke,
          grid: { stroke: AXIS.grid, width: 1 },
          ticks: { stroke: AXIS.ticks, width: 1 },
          values: (_u, vals) => vals.map((v) => (v === null ? '' : fmtSteps(v))),
          font: '11px system-ui, sans-serif',
        },
        {
          stroke: AXIS.stroke,
          grid: { stroke: AXIS.grid, width: 1 },
          ticks: { stroke: AXIS.ticks, width: 1 },
          size: 52,
          font: '11px system-ui, sans-serif',
          ...(fmtY
            ? { values: (_u: uPlot, vals: (number | null)[]) => vals.map((v) => (v === null ? '' : fmtY(v))) }
            : {}),
        },
      ],
      series: [
        { label: 'step', value: (_u, v) => (v === null ? '—' : v.toLocaleString('en-US')) },
        ...this.spec.series.map(
          (s): uPlot.Series => ({
            label: s.label,
            stroke: s.alpha !== undefined ? withAlpha(s.color, s.alpha) : s.color,
            width: s.width ?? 1.5,
            dash: s.dash,
            spanGaps: true,
            value: (_u, v) => (v === null || v === undefined ? '—' : fmtY ? fmtY(v) : fmtLegend(v)),
            ...(s.points
              ? {
                  paths: () => null,
                  points: {
                    show: true,
                    size: 3,
                    stroke: withAlpha(s.color, s.alpha ?? 0.5),
                    fill: withAlpha(s.color, s.alpha ?? 0.5),
                  },
                }
              : { points: { show: false } }),
          }),
        ),
      ],
      plugins: [markersPlugin(() => ({ markers: this.markers, hlines: this.hlines }))],
    };
    this.plot = new uPlot(opts, this.data, this.body);
    // Off the chart, the legend shows the newest values instead of dashes.
    this.plot.over.addEventListener('mouseenter', () => {
      this.hovering = true;
    });
    this.plot.over.addEventListener('mouseleave', () => {
      this.hovering = false;
      this.showLatest();
    });
    this.resizeObs = new ResizeObserver(() => {
      const w = Math.max(200, this.body.clientWidth);
      if (this.plot && Math.abs(this.plot.width - w) > 1) this.plot.setSize({ width: w, height });
    });
    this.resizeObs.observe(this.body);
    this.update();
  }

  setData(data: uPlot.AlignedData): void {
    this.data = data;
    this.schedule();
  }

  setMarkers(markers: ChartMarker[]): void {
    this.markers = markers;
    this.schedule();
  }

  setHLines(lines: HLine[]): void {
    this.hlines = lines;
    this.schedule();
  }

  destroy(): void {
    this.resizeObs?.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  private schedule(): void {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.update();
    });
  }

  private update(): void {
    const n = this.data[0]?.length ?? 0;
    this.el.dataset['points'] = String(n);
    this.el.dataset['markers'] = String(this.markers.length);
    this.empty.style.display = n > 0 ? 'none' : '';
    if (!this.plot) return;
    this.plot.setData(this.data, true);
    this.showLatest();
  }

  private showLatest(): void {
    const n = this.data[0]?.length ?? 0;
    if (this.plot && !this.hovering && n > 0) this.plot.setLegend({ idx: n - 1 });
  }
}

function fmtLegend(v: number): string {
  const a = Math.abs(v);
  const s = a >= 1000 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 0.01 ? v.toFixed(3) : v.toExponential(2);
  return s.startsWith('-') ? `−${s.slice(1)}` : s;
}
