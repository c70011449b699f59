// Messages between the server's main thread and a run's worker thread (structured clone, never the wire).

import type { ParamChange } from '../../agents/dqn/live-params.ts';
import type { EpisodeRecord, MetricsRecord, TrainSummary } from '../../agents/dqn/trainer.ts';
import type {
  ControlAction,
  ErrorCode,
  LiveValues,
  Params,
  Progress,
  ReplaySource,
  RunStatus,
  SpeedMode,
} from '../protocol/messages.ts';

/** A deliberate failure for tests of crash handling (GYMLAB_FAULT, see run-manager.ts). */
export interface FaultInjection {
  kind: 'throw' | 'exit';
  atStep: number;
}

/** workerData of a run's worker. */
export interface WorkerStart {
  runId: string;
  runDir: string;
  handle: number;
  /** Step budget to train to; default the run's config.json `steps`. */
  totalSteps?: number;
  speed: SpeedMode;
  replaySource: ReplaySource;
  frameHz: number;
  framesOn: boolean;
  backend?: string;
  fault?: FaultInjection;
}

export type MainToWorker =
  | { type: 'control'; id: number; action: ControlAction; count?: number }
  | { type: 'setParams'; id: number; params: Params }
  | { type: 'frames'; on: boolean }
  | { type: 'replay'; id: number; source: ReplaySource }
  /** Stop and write a final checkpoint because the server is shutting down. */
  | { type: 'shutdown' };

/** A recorded episode: frame i's packed render state is `data[offsets[i]] … data[offsets[i + 1]]`. */
export interface ReplayEpisode {
  source: ReplaySource;
  episode: number;
  return: number;
  length: number;
  /** The run's step when the episode ended. */
  step: number;
  renderKind: number;
  data: Float32Array;
  offsets: Uint32Array;
  /** Per frame: return so far, action into the state (−1: none), ε when it was recorded. */
  hud: Float32Array;
  /** Per frame: Q(s, ·) (numActions values), computed when the replay was asked for; null when unavailable. */
  q: Float32Array | null;
  numActions: number;
}

export type WorkerToMain =
  | { type: 'started'; learner: string; backend: string; step: number; episodes: number; totalSteps: number }
  | { type: 'status'; status: RunStatus; error: string | null }
  | {
      type: 'batch';
      metrics: MetricsRecord[];
      episodes: EpisodeRecord[];
      progress: Progress;
      live: LiveValues;
    }
  | { type: 'event'; step: number; events: ParamChange[] }
  | { type: 'frame'; buffer: ArrayBuffer }
  | { type: 'reply'; id: number; ok: true; step: number; changes?: ParamChange[] }
  | { type: 'reply'; id: number; ok: false; code: ErrorCode; message: string }
  | { type: 'replayEpisode'; id: number; episode: ReplayEpisode | null }
  | { type: 'checkpointed'; step: number }
  | { type: 'done'; summary: TrainSummary };
