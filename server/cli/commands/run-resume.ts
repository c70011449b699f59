import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseBackendChoice, parseThreads } from '../../../models/backend-choices.ts';
import { writeFileAtomic, writeJsonAtomic } from '../../run-store/atomic-write.ts';
import { readMetricsLines } from '../../training/run-dir.ts';
import { intFlag, UsageError } from '../args.ts';

/** The flags a `--resume` may carry (the rest come from the run's config.json). */
export interface ResumeFlags {
  steps?: string;
  'eval-every'?: string;
  'sample-every'?: string;
  backend?: string;
  threads?: string;
  json?: boolean;
}

/** A run's saved config.json, as far as resuming reads it. */
export interface SavedRunConfig {
  kind?: string;
  data?: { kind?: string };
  steps?: number;
  evalEvery?: number;
  sampleEvery?: number;
  options?: Record<string, unknown>;
}

export interface ResumeTarget {
  saved: SavedRunConfig;
  /** The latest checkpoint holding a trainer state. */
  from: { dir: string; step: number };
  steps: number;
  evalEvery: number;
  sampleEvery: number;
  threads: number | 'auto' | undefined;
}

/**
 * Checks `--resume <runDir>` for a `kind` run (`train gan` → 'gan', `train cyclegan` → 'cyclegan'): the
 * directory, its config.json, a checkpoint with a trainer state (state.json, written last), and the flags
 * (`--steps` must pass the checkpoint; intervals default to the run's). Every refusal is a UsageError (exit 2)
 * naming the problem, raised before anything is loaded or written.
 */
export async function resumeTarget(
  runDir: string,
  kind: string,
  command: string,
  flags: ResumeFlags,
  defaults: { steps: number; evalEvery: (steps: number) => number; sampleEvery: (steps: number) => number },
): Promise<ResumeTarget> {
  const configPath = join(runDir, 'config.json');
  if (!existsSync(configPath))
    throw new UsageError(`--resume: ${runDir} is not a run directory (no config.json)`);
  const saved = JSON.parse(readFileSync(configPath, 'utf8')) as SavedRunConfig;
  if (saved.kind !== kind) throw new UsageError(`--resume: ${runDir} is not a \`${command}\` run`);
  const { latestGanCheckpoint } = await import('../../../models/gan/eval.ts');
  const from = latestGanCheckpoint(runDir, 'state.json');
  if (!from) throw new UsageError(`--resume: ${runDir} has no checkpoint with a trainer state (state.json)`);
  const steps = intFlag(flags.steps ?? String(saved.steps ?? defaults.steps), 'steps', 1, 100_000_000)!;
  if (steps <= from.step) {
    throw new UsageError(`--steps must be above the checkpoint's step ${from.step} to resume (got ${steps})`);
  }
  const evalEvery = intFlag(
    flags['eval-every'] ?? String(saved.evalEvery ?? defaults.evalEvery(steps)),
    'eval-every',
    1,
    100_000_000,
  )!;
  const sampleEvery = intFlag(
    flags['sample-every'] ?? String(saved.sampleEvery ?? defaults.sampleEvery(steps)),
    'sample-every',
    1,
    100_000_000,
  )!;
  if (flags.backend !== undefined) parseBackendChoice(flags.backend);
  const threads = flags.threads !== undefined ? parseThreads(flags.threads) : undefined;
  return { saved, from, steps, evalEvery, sampleEvery, threads };
}

/** Refuses flags that the run's config.json decides when resuming (exit 2, naming the flag). */
export function refuseWithResume(values: Record<string, unknown>, fixed: readonly string[]): void {
  for (const flag of fixed) {
    const v = values[flag];
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) {
      throw new UsageError(`--${flag} cannot be combined with --resume (the run's config.json decides it)`);
    }
  }
}

interface SavesState<S> {
  saveState(): Promise<{ state: S; data: Uint8Array }>;
}

interface LoadsState<S> {
  loadState(state: S, data: Uint8Array): Promise<void>;
}

/** Writes the trainer's state beside a checkpoint's weights; state.json last: its presence marks a complete state. */
export async function writeTrainerState<S>(dir: string, step: number, trainer: SavesState<S>): Promise<void> {
  const { state, data } = await trainer.saveState();
  writeFileAtomic(join(dir, 'checkpoints', `step_${step}`, 'state.bin'), data);
  writeJsonAtomic(join(dir, 'checkpoints', `step_${step}`, 'state.json'), state);
}

/**
 * Loads the checkpoint's trainer state, drops metrics logged after it (the resumed steps log them again),
 * and records the resume in config.json (`steps` raised, a `resumes` entry). Returns the first step to run and
 * the wall time already spent.
 */
export async function resumeFrom<S extends { steps: number }>(
  dir: string,
  from: { dir: string; step: number },
  steps: number,
  argv: string[],
  trainer: LoadsState<S>,
): Promise<{ first: number; wallOffset: number }> {
  const state = JSON.parse(readFileSync(join(from.dir, 'state.json'), 'utf8')) as S;
  await trainer.loadState(state, new Uint8Array(readFileSync(join(from.dir, 'state.bin'))));
  const kept = readMetricsLines(dir).filter((l) => typeof l['step'] === 'number' && l['step'] <= state.steps);
  writeFileAtomic(join(dir, 'metrics.jsonl'), kept.map((l) => `${JSON.stringify(l)}\n`).join(''));
  const savedConfig = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  const resumes = Array.isArray(savedConfig['resumes']) ? savedConfig['resumes'] : [];
  writeJsonAtomic(join(dir, 'config.json'), {
    ...savedConfig,
    steps,
    resumes: [...resumes, { fromStep: state.steps, at: new Date().toISOString(), command: argv }],
  });
  return { first: state.steps + 1, wallOffset: Number(kept.at(-1)?.['wall_seconds'] ?? 0) };
}
