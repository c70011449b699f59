import type {
  EpisodeRecordWire,
  LiveValues,
  MetricsRecordWire,
  Progress,
  ServerMessage,
} from '../../../server/protocol/messages.ts';
import { changeLabel, MARKED_PARAMS, type ParamChangeLike } from './param-labels.ts';

/** A chart marker: where parameters were changed, and what to write next to it. */
export interface Marker {
  step: number;
  label: string;
  changes: ParamChangeLike[];
}

/** Most points kept per series: the oldest half is thinned when a very long run goes past it. */
const MAX_POINTS = 100_000;

/**
 * Everything the charts of one run show, as columns (what uPlot draws without copying): episodes, learning
 * statistics, and parameter-change markers. Filled from the run's metrics.jsonl history and then from live
 * messages; records already seen (by episode number / update count) are skipped, so history and live data can
 * overlap safely.
 */
export class RunSeries {
  readonly runId: string;
  /** Episodes in episode order; `num` is the episode number. */
  readonly ep = {
    num: [] as number[],
    step: [] as number[],
    ret: [] as number[],
    mean: [] as number[],
    eps: [] as number[],
    len: [] as number[],
  };
  /** Learning statistics in update order; `num` is the update count. */
  readonly m = {
    num: [] as number[],
    step: [] as number[],
    loss: [] as (number | null)[],
    q: [] as (number | null)[],
    sps: [] as number[],
    lr: [] as number[],
  };
  readonly markers: Marker[] = [];
  /** Every event (control ones too), for tables. */
  readonly events: Marker[] = [];
  progress: Progress | null = null;
  live: LiveValues | null = null;
  /** Bumped on every change: charts redraw when it moved. */
  version = 0;
  private readonly eventKeys = new Set<string>();

  constructor(runId: string) {
    this.runId = runId;
  }

  /** Parses metrics.jsonl text (the REST history); malformed lines are skipped. */
  loadHistory(text: string): void {
    const episodes: EpisodeRecordWire[] = [];
    const metrics: MetricsRecordWire[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (typeof rec['step'] !== 'number') continue;
      if (Array.isArray(rec['events'])) this.addEvents(rec['step'], rec['events'] as ParamChangeLike[]);
      else if (typeof rec['charts/episodic_return'] === 'number')
        episodes.push(rec as unknown as EpisodeRecordWire);
      else if ('losses/td_loss' in rec) metrics.push(rec as unknown as MetricsRecordWire);
    }
    this.addEpisodes(episodes);
    this.addMetrics(metrics);
  }

  /** Applies a live message if it is about this run; returns whether anything changed. */
  ingest(msg: ServerMessage): boolean {
    if (!('runId' in msg) || msg.runId !== this.runId) return false;
    const before = this.version;
    if (msg.type === 'episode') this.addEpisodes(msg.episodes);
    else if (msg.type === 'metrics') {
      this.addMetrics(msg.records);
      this.progress = msg.progress;
      this.live = msg.params;
      this.version++;
    } else if (msg.type === 'event') this.addEvents(msg.step, msg.events);
    return this.version !== before;
  }

  addEpisodes(records: readonly EpisodeRecordWire[]): void {
    const rows = records.map((r) => [
      r.episode,
      r.step,
      r['charts/episodic_return'],
      r.meanReturn100,
      r['charts/epsilon'],
      r['charts/episodic_length'],
    ]);
    if (mergeRows(this.ep as unknown as Columns, ['num', 'step', 'ret', 'mean', 'eps', 'len'], rows)) {
      if (this.ep.step.length > MAX_POINTS) thin(this.ep);
      this.version++;
    }
  }

  addMetrics(records: readonly MetricsRecordWire[]): void {
    const rows = records.map((r) => [
      r.updates,
      r.step,
      r['losses/td_loss'],
      r['losses/q_values'],
      r['charts/SPS'],
      r['charts/learning_rate'],
    ]);
    if (mergeRows(this.m as unknown as Columns, ['num', 'step', 'loss', 'q', 'sps', 'lr'], rows)) {
      if (this.m.step.length > MAX_POINTS) thin(this.m);
      this.version++;
    }
  }

  addEvents(step: number, changes: readonly ParamChangeLike[]): void {
    const fresh = changes.filter((c) => {
      const key = `${step}|${c.name}|${JSON.stringify(c.to)}`;
      if (this.eventKeys.has(key)) return false;
      this.eventKeys.add(key);
      return true;
    });
    if (fresh.length === 0) return;
    merge(this.events, step, fresh);
    const marked = fresh.filter((c) => MARKED_PARAMS.has(c.name));
    if (marked.length > 0) merge(this.markers, step, marked);
    this.version++;
  }

  get episodeCount(): number {
    return this.ep.step.length;
  }

  /** Step of the newest data point of any kind. */
  get lastStep(): number {
    return Math.max(this.ep.step.at(-1) ?? 0, this.m.step.at(-1) ?? 0, this.progress?.step ?? 0);
  }
}

/** Adds changes to the marker at `step` (one label per step), keeping markers sorted by step. */
function merge(list: Marker[], step: number, changes: ParamChangeLike[]): void {
  let marker = list.find((m) => m.step === step);
  if (!marker) {
    marker = { step, label: '', changes: [] };
    const at = list.findIndex((m) => m.step > step);
    if (at < 0) list.push(marker);
    else list.splice(at, 0, marker);
  }
  marker.changes.push(...changes);
  marker.label = marker.changes.map(changeLabel).join(', ');
}

type Columns = Record<string, (number | null)[]>;

/**
 * Adds rows (values in `keys` order, the first being the ordering number) to columnar arrays kept sorted by
 * that number, skipping numbers already present. New rows usually come after the last one (a plain append);
 * older ones — history that arrives after the first live records — are merged in. Returns whether any was added.
 */
export function mergeRows(cols: Columns, keys: readonly string[], rows: (number | null)[][]): boolean {
  const num = cols[keys[0]!] as number[];
  const last = num.length > 0 ? num[num.length - 1]! : -Infinity;
  const seen = new Set<number>();
  const fresh = rows.filter((r) => {
    const n = r[0] as number;
    if (seen.has(n)) return false;
    seen.add(n);
    return true;
  });
  if (fresh.every((r) => (r[0] as number) > last) && isSorted(fresh)) {
    for (const r of fresh) {
      for (const [i, k] of keys.entries()) cols[k]!.push(r[i]!);
    }
    return fresh.length > 0;
  }
  const have = new Set(num);
  const missing = fresh.filter((r) => !have.has(r[0] as number));
  if (missing.length === 0) return false;
  const existing: (number | null)[][] = num.map((_, j) => keys.map((k) => cols[k]![j]!));
  const all = existing.concat(missing).sort((a, b) => (a[0] as number) - (b[0] as number));
  for (const [i, k] of keys.entries()) refill(cols[k]!, all, i);
  return true;
}

/** Replaces a column's contents in place (charts hold the same array objects). */
function refill(col: (number | null)[], rows: (number | null)[][], i: number): void {
  col.length = rows.length;
  for (let j = 0; j < rows.length; j++) col[j] = rows[j]![i]!;
}

function isSorted(rows: (number | null)[][]): boolean {
  for (let i = 1; i < rows.length; i++)
    if ((rows[i]![0] as number) <= (rows[i - 1]![0] as number)) return false;
  return true;
}

/** Drops every second point of the older half of each column: keeps memory bounded on very long runs. */
function thin(cols: Record<string, unknown[]>): void {
  // (History merges are keyed by number, so thinned-out numbers could come back from a reload; harmless.)
  for (const key of Object.keys(cols)) {
    const col = cols[key]!;
    const half = Math.floor(col.length / 2);
    const kept = col
      .slice(0, half)
      .filter((_, i) => i % 2 === 0)
      .concat(col.slice(half));
    col.length = kept.length;
    for (let j = 0; j < kept.length; j++) col[j] = kept[j];
  }
}
