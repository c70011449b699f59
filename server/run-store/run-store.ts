import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DqnOptions } from '../../agents/dqn/options.ts';
import type { DqnTrainer, TrainerCallbacks } from '../../agents/dqn/trainer.ts';
import { writeJsonAtomic } from './atomic-write.ts';
import {
  latestCheckpointDir,
  readCheckpoint,
  writeCheckpoint,
  writeLayersModel,
} from './checkpoint-files.ts';
import { MetricsLog } from './metrics-log.ts';

/** config.json of a run: everything needed to understand or repeat it. */
export interface RunConfig {
  algorithm: 'dqn';
  env: string;
  seed: number;
  steps: number;
  numEnvs: number;
  /** `--backend` as asked ('auto' unless pinned) and the tfjs backend that was active. */
  backend: { requested: string; tfjs: string | null };
  /** What computed the updates: 'fused-wasm-simd', 'tfjs-wasm', … */
  learner: string;
  options: DqnOptions;
  presetNote: string | null;
  createdAt: string;
  command: string[];
  /** Each `--resume`: when, and at which step. */
  resumes: { at: string; step: number; steps: number }[];
}

/** CleanRL's naming: `runs/{env}__{exp}__{seed}__{unix time}`. */
export function defaultRunDir(envId: string, seed: number, now = new Date()): string {
  return join('runs', `${envId}__dqn__${seed}__${Math.floor(now.getTime() / 1000)}`);
}

/**
 * A run directory on disk: config.json, metrics.jsonl (CleanRL metric names, plus `events` for live changes),
 * checkpoints/ (TensorFlow.js layers models + agent state, see checkpoint-files.ts) and best/ (the online
 * network at the best 100-episode mean). `callbacks()` plugs it into a DqnTrainer.
 */
export class RunStore {
  readonly dir: string;
  readonly metrics: MetricsLog;
  private writtenBestVersion = 0;

  private constructor(dir: string) {
    this.dir = dir;
    this.metrics = new MetricsLog(join(dir, 'metrics.jsonl'));
  }

  /** A new run directory; refuses one that already holds a run. */
  static create(dir: string, config: RunConfig): RunStore {
    if (existsSync(join(dir, 'config.json'))) {
      throw new RangeError(
        `${dir} already holds a run (config.json exists); use --resume ${dir} to continue it`,
      );
    }
    mkdirSync(dir, { recursive: true });
    writeJsonAtomic(join(dir, 'config.json'), config);
    return new RunStore(dir);
  }

  static open(dir: string): RunStore {
    if (!existsSync(join(dir, 'config.json')))
      throw new RangeError(`${dir} is not a run directory (no config.json)`);
    return new RunStore(dir);
  }

  readConfig(): RunConfig {
    return JSON.parse(readFileSync(join(this.dir, 'config.json'), 'utf8')) as RunConfig;
  }

  writeConfig(config: RunConfig): void {
    writeJsonAtomic(join(this.dir, 'config.json'), config);
  }

  latestCheckpoint() {
    return readCheckpoint(latestCheckpointDir(this.dir));
  }

  /** Trainer callbacks that log every record and write checkpoints and best/ when due; `extra` runs after. */
  callbacks(extra: TrainerCallbacks = {}): TrainerCallbacks {
    return {
      onEpisode: (r) => {
        this.metrics.write(r);
        extra.onEpisode?.(r);
      },
      onMetrics: (r) => {
        this.metrics.write(r);
        extra.onMetrics?.(r);
      },
      onEvent: (r) => {
        this.metrics.write(r);
        extra.onEvent?.(r);
      },
      onCheckpoint: async (trainer, final) => {
        await this.checkpoint(trainer);
        this.metrics.flush();
        await extra.onCheckpoint?.(trainer, final);
      },
    };
  }

  async checkpoint(trainer: DqnTrainer): Promise<void> {
    const snapshot = await trainer.snapshot(trainer.config.options.saveReplayBuffer);
    await writeCheckpoint(this.dir, snapshot, trainer.agent.spec, trainer.agent.epsilon);
    await this.writeBest(trainer);
  }

  /** best/: model.json + weights.bin of the best 100-episode mean, and best.json saying which. */
  async writeBest(trainer: DqnTrainer): Promise<void> {
    const best = trainer.best;
    if (!best || trainer.bestVersion === this.writtenBestVersion) return;
    const dir = join(this.dir, 'best');
    mkdirSync(dir, { recursive: true });
    await writeLayersModel(dir, '', trainer.agent.spec, best.weights);
    writeJsonAtomic(join(dir, 'best.json'), {
      env: trainer.config.envId,
      meanReturn100: best.meanReturn100,
      step: best.step,
      episode: best.episode,
      spec: trainer.agent.spec,
      envOptions: trainer.config.options.envOptions,
    });
    this.writtenBestVersion = trainer.bestVersion;
  }
}
