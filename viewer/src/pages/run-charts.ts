import type uPlot from 'uplot';
import { LiveChart } from '../charts/live-chart.ts';
import type { ChartMarker } from '../charts/markers.ts';
import type { RunSeries } from '../state/run-series.ts';
import { fmtSteps } from '../ui/format.ts';

export const SOLVED_COLOR = '#3ddc97';

/**
 * The charts of one run: episodic return (each episode, the 100-episode mean, the solved line), TD loss,
 * mean Q, ε and steps/s, all against env steps, each with the parameter-change markers.
 */
export class RunCharts {
  readonly ret: LiveChart;
  readonly loss: LiveChart;
  readonly q: LiveChart;
  readonly eps: LiveChart;
  readonly sps: LiveChart;
  private lastVersion = -1;

  constructor(color: string) {
    this.ret = new LiveChart({
      key: 'return',
      title: 'Episodic return',
      hint: 'each episode · mean of last 100',
      height: 210,
      series: [
        { label: 'episode', color, points: true, alpha: 0.45 },
        { label: 'mean 100', color, width: 2.25 },
      ],
    });
    this.loss = new LiveChart(
      {
        key: 'loss',
        title: 'TD loss',
        hint: 'log scale',
        logY: true,
        height: 130,
        series: [{ label: 'loss', color: '#f5a524' }],
      },
      'Waiting for the first learning steps…',
    );
    this.q = new LiveChart(
      { key: 'q', title: 'Mean Q', height: 130, series: [{ label: 'mean Q', color: '#b48cf7' }] },
      'Waiting for the first learning steps…',
    );
    this.eps = new LiveChart({
      key: 'epsilon',
      title: 'Exploration ε',
      height: 130,
      series: [{ label: 'ε', color: '#2cc6cf' }],
    });
    this.sps = new LiveChart(
      {
        key: 'sps',
        title: 'Steps / s',
        height: 130,
        series: [{ label: 'steps/s', color: '#9aa8bd' }],
        fmtY: fmtSteps,
      },
      'Waiting for the first learning steps…',
    );
  }

  get all(): LiveChart[] {
    return [this.ret, this.loss, this.q, this.eps, this.sps];
  }

  setThreshold(value: number | null): void {
    this.ret.setHLines(value === null ? [] : [{ value, label: `solved ≥ ${value}`, color: SOLVED_COLOR }]);
  }

  mount(): void {
    for (const c of this.all) c.mount();
  }

  /** Pushes the series' data to the charts if it changed since the last call. */
  update(s: RunSeries): void {
    if (s.version === this.lastVersion) return;
    this.lastVersion = s.version;
    const ep = s.ep;
    const m = s.m;
    this.ret.setData([ep.step, ep.ret, ep.mean] as uPlot.AlignedData);
    this.eps.setData([ep.step, ep.eps] as uPlot.AlignedData);
    // Log scale: a zero or negative loss has no place on it; leave a gap.
    this.loss.setData([m.step, m.loss.map((v) => (v !== null && v > 0 ? v : null))] as uPlot.AlignedData);
    this.q.setData([m.step, m.q] as uPlot.AlignedData);
    this.sps.setData([m.step, m.sps] as uPlot.AlignedData);
    const markers: ChartMarker[] = s.markers.map((mk) => ({ step: mk.step, label: mk.label }));
    for (const c of this.all) c.setMarkers(markers);
  }

  destroy(): void {
    for (const c of this.all) c.destroy();
  }
}
