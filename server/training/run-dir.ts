import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ParamChange } from '../../agents/dqn/live-params.ts';
import { ENV_IDS, envSpec } from '../../envs/registry.ts';
import { LIVE_STATUSES, type ReplaySource, type RunStatus, type SpeedMode } from '../protocol/messages.ts';
import { writeJsonAtomic } from '../run-store/atomic-write.ts';
import type { RunConfig } from '../run-store/run-store.ts';

/**
 * status.json: what the server knows about a run beyond the run store's files — its last status (so a restart
 * can tell a finished run from one a crash interrupted), the speed it was watched at, and whether it is the
 * demo. Written atomically on every status change.
 */
export interface RunStatusFile {
  status: RunStatus;
  error: string | null;
  note: string | null;
  speed: SpeedMode;
  replaySource: ReplaySource;
  demo: boolean;
  learner: string | null;
  updatedAt: string;
}

/** Counters a run directory's metrics.jsonl tells: enough to list a run that is not live. */
export interface MetricsSummary {
  steps: number;
  episodes: number;
  meanReturn100: number | null;
  bestMeanReturn100: number | null;
  /** Step at which the 100-episode mean first reached the env's threshold, or null. */
  solvedAtStep: number | null;
}

export function readRunConfig(dir: string): RunConfig | null {
  try {
    return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as RunConfig;
  } catch {
    return null;
  }
}

export function readStatusFile(dir: string): RunStatusFile | null {
  try {
    return JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8')) as RunStatusFile;
  } catch {
    return null;
  }
}

export function writeStatusFile(dir: string, status: RunStatusFile): void {
  writeJsonAtomic(join(dir, 'status.json'), status);
}

/**
 * The checkpoint directory `checkpoints/latest.json` points at and its step, or null without a complete one.
 * (The run store's own reader loads TensorFlow.js, which the main thread does without.)
 */
export function latestCheckpoint(dir: string): { dir: string; step: number } | null {
  try {
    const latest = JSON.parse(readFileSync(join(dir, 'checkpoints', 'latest.json'), 'utf8')) as {
      dir: string;
      step: number;
    };
    if (!/^step-\d+$/.test(latest.dir)) return null;
    const path = join(dir, 'checkpoints', latest.dir);
    return existsSync(join(path, 'agent-state.json')) ? { dir: path, step: latest.step } : null;
  } catch {
    return null;
  }
}

/** `solvedAtStep` of the latest checkpoint's trainer state (agent-state.json), or null. */
export function checkpointSolvedAt(dir: string): number | null {
  const latest = latestCheckpoint(dir);
  if (!latest) return null;
  try {
    const manifest = JSON.parse(readFileSync(join(latest.dir, 'agent-state.json'), 'utf8')) as {
      trainer?: { solvedAtStep?: unknown };
    };
    const at = manifest.trainer?.solvedAtStep;
    return typeof at === 'number' ? at : null;
  } catch {
    return null;
  }
}

function solveThreshold(envId: string): number | undefined {
  return ENV_IDS.includes(envId) ? envSpec(envId).rewardThreshold : undefined;
}

export function checkpointStep(dir: string): number | null {
  return latestCheckpoint(dir)?.step ?? null;
}

/** Subdirectories of `root` that hold a run (a config.json), oldest first. */
export function listRunDirs(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter(
      (d) => d.isDirectory() && !d.name.startsWith('.') && existsSync(join(root, d.name, 'config.json')),
    )
    .map((d) => ({ name: d.name, time: statSync(join(root, d.name, 'config.json')).mtimeMs }))
    .sort((a, b) => a.time - b.time || a.name.localeCompare(b.name))
    .map((d) => d.name);
}

/** Reads metrics.jsonl line by line; unreadable lines (a torn tail after a crash) are skipped. */
export function readMetricsLines(dir: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
  } catch {
    return [];
  }
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) out.push(v as Record<string, unknown>);
    } catch {
      // A partial last line: the writer appends whole lines, so only a crash mid-append leaves one.
    }
  }
  return out;
}

/**
 * `threshold`: the env's solved threshold (none: never solved). The solve is found as the trainer finds it:
 * the first episode record with a full 100-episode window whose mean reaches the threshold.
 */
export function summarizeMetrics(
  lines: readonly Record<string, unknown>[],
  threshold?: number,
): MetricsSummary {
  let steps = 0;
  let solvedAtStep: number | null = null;
  let episodes = 0;
  let meanReturn100: number | null = null;
  let best: number | null = null;
  let seen = 0;
  for (const l of lines) {
    if (typeof l['step'] === 'number') steps = Math.max(steps, l['step']);
    if (typeof l['episode'] === 'number') {
      episodes = Math.max(episodes, l['episode']);
      seen++;
      const m = l['meanReturn100'];
      if (typeof m === 'number') {
        meanReturn100 = m;
        // The trainer's best counts only full 100-episode windows.
        if (seen >= 100 && (best === null || m > best)) best = m;
        const at = l['step'];
        if (solvedAtStep === null && threshold !== undefined && seen >= 100 && m >= threshold)
          solvedAtStep = typeof at === 'number' ? at : null;
      }
    }
  }
  return { steps, episodes, meanReturn100, bestMeanReturn100: best, solvedAtStep };
}

/**
 * metrics.jsonl as CSV: one column per key in the order keys first appear, one row per line; `events` (and any
 * other non-number) is written as JSON in a quoted cell.
 */
export function metricsToCsv(lines: readonly Record<string, unknown>[]): string {
  const columns: string[] = [];
  const known = new Set<string>();
  for (const l of lines) {
    for (const k of Object.keys(l)) {
      if (!known.has(k)) {
        known.add(k);
        columns.push(k);
      }
    }
  }
  const cell = (v: unknown): string => {
    if (v === undefined || v === null) return '';
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const rows = [columns.map(cell).join(',')];
  for (const l of lines) rows.push(columns.map((c) => cell(l[c])).join(','));
  return `${rows.join('\n')}\n`;
}

/** What a run directory found at startup says about the run: enough to list it and resume it. */
export interface RunDirState {
  config: RunConfig;
  saved: RunStatusFile | null;
  summary: MetricsSummary;
  rest: { status: RunStatus; error: string | null; note: string | null; learner: string | null };
}

/**
 * Reads a run directory (the server's or the CLI's). Its status is status.json's when that says the run had
 * ended; a run status.json calls live was cut off by a server crash (listed as stopped, resumable); a CLI run
 * (no status.json) is failed when its log ends in a failure, finished when it used its budget, else stopped.
 */
export function readRunDir(dir: string): RunDirState | null {
  const config = readRunConfig(dir);
  if (!config || typeof config.env !== 'string') return null;
  const saved = readStatusFile(dir);
  const lines = readMetricsLines(dir);
  const summary = summarizeMetrics(lines, solveThreshold(config.env));
  // The checkpoint's trainer state is the trainer's own word (it survives a metrics.jsonl that was cut short);
  // the log covers runs whose solve came after their last checkpoint.
  summary.solvedAtStep = checkpointSolvedAt(dir) ?? summary.solvedAtStep;
  const learner = saved?.learner ?? (config.learner || null);
  const last = lines
    .flatMap((l) => (Array.isArray(l['events']) ? (l['events'] as ParamChange[]) : []))
    .filter((ev) => ev.name === 'failed' || ev.name === 'resumed')
    .at(-1);
  let rest: RunDirState['rest'];
  if (saved && !LIVE_STATUSES.includes(saved.status)) {
    rest = { status: saved.status, error: saved.error, note: saved.note, learner };
  } else if (saved) {
    rest = {
      status: 'stopped',
      error: null,
      note: `interrupted while ${saved.status} (the server did not shut down cleanly); resume continues from the last checkpoint`,
      learner,
    };
  } else if (last?.name === 'failed') {
    rest = { status: 'failed', error: String(last.to), note: null, learner };
  } else {
    const finished = summary.steps + (config.numEnvs ?? 1) > config.steps;
    rest = { status: finished ? 'finished' : 'stopped', error: null, note: null, learner };
  }
  return { config, saved, summary, rest };
}
