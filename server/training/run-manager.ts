import { appendFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ParamChange } from '../../agents/dqn/live-params.ts';
import type { EpisodeRecord, MetricsRecord } from '../../agents/dqn/trainer.ts';
import { OptionsError } from '../../envs/core/options.ts';
import { ENV_IDS, envSpec } from '../../envs/registry.ts';
import { FRAME_FLAG_REPLAY } from '../protocol/frames.ts';
import {
  type ControlAction,
  type DqnRunConfig,
  LIVE_STATUSES,
  type MetricsMessage,
  type Params,
  ProtocolError,
  type ReplayMessage,
  type ReplaySource,
  type RunInfo,
  type RunStatus,
  type SpeedMode,
} from '../protocol/messages.ts';
import { writeJsonAtomic } from '../run-store/atomic-write.ts';
import { resolveDqnRun, runConfigFor } from './dqn-config.ts';
import { MAX_WATCHED_ENVS } from './env-watch.ts';
import { EnvFrameGates } from './frame-gate.ts';
import { ReplayPlayer } from './replay-player.ts';
import { checkpointStep, listRunDirs, readRunDir, writeStatusFile } from './run-dir.ts';
import type {
  FaultInjection,
  MainToWorker,
  ReplayEpisode,
  WorkerStart,
  WorkerToMain,
} from './worker-messages.ts';

/** What the manager reports; the WebSocket hub fans it out to subscribers. */
export interface RunListener {
  runState(run: RunInfo): void;
  runRemoved(runId: string): void;
  metrics(msg: MetricsMessage): void;
  episodes(runId: string, episodes: EpisodeRecord[]): void;
  event(runId: string, step: number, events: ParamChange[]): void;
  frame(runId: string, frame: ArrayBuffer): void;
  replay(msg: ReplayMessage): void;
}

export interface RunManagerOptions {
  runsDir: string;
  /** Runs training at once; more wait in a queue. */
  maxRuns: number;
  /** Display rate: frames per second per run at most. */
  frameHz: number;
  /** tfjs backend for the workers' TensorFlow.js parts (default: the fastest available). */
  backend?: string;
  /**
   * Test hook, from GYMLAB_FAULT: `throw@<step>` or `exit@<step>`, optionally `:seed=<n>` — the worker of a run
   * (with that seed) throws (or exits) at that step, to exercise crash handling.
   */
  fault?: string;
}

interface Pending {
  resolve: (value: { step: number; changes?: ParamChange[] }) => void;
  reject: (err: Error) => void;
}

interface RunEntry {
  info: RunInfo;
  dir: string;
  worker: Worker | null;
  /** Set once the worker reported 'done' or was declared failed: later worker news is ignored. */
  settled: boolean;
  totalStepsOverride?: number;
  requests: Map<number, Pending>;
  replayRequests: Map<number, (ep: ReplayEpisode | null) => void>;
  framesWanted: boolean;
  /** Rate limit per (run, env): each env of a vector run streams at the display rate. */
  gate: EnvFrameGates;
  player: ReplayPlayer | null;
  lastStateAt: number;
  shutdown: boolean;
}

const WORKER_URL = new URL('./worker-boot.mjs', import.meta.url);
/** Runs waiting for a worker at most: a client cannot make the server hold (or write) unbounded work. */
const MAX_QUEUED = 64;

/**
 * The main thread's view of all runs: those on disk (listed, resumable) and those training, each in its own
 * worker thread, at most `maxRuns` at once and the rest queued. Holds no trainer: it starts workers, forwards
 * requests to them and passes their news to the listener.
 */
export class RunManager {
  readonly runsDir: string;
  private readonly opts: RunManagerOptions;
  private readonly runs = new Map<string, RunEntry>();
  private readonly queue: string[] = [];
  private listener: RunListener | null = null;
  private nextHandle = 1;
  private nextRequest = 1;
  private closing = false;
  private readonly fault: { spec: FaultInjection; seed: number | null } | null;

  constructor(options: RunManagerOptions) {
    this.opts = options;
    this.runsDir = resolve(options.runsDir);
    this.fault = parseFault(options.fault);
    mkdirSync(this.runsDir, { recursive: true });
    for (const name of listRunDirs(this.runsDir)) this.load(name);
  }

  setListener(listener: RunListener): void {
    this.listener = listener;
  }

  list(): RunInfo[] {
    return [...this.runs.values()].map((e) => ({ ...e.info }));
  }

  get(runId: string): RunInfo {
    return { ...this.entry(runId).info };
  }

  runDir(runId: string): string {
    return this.entry(runId).dir;
  }

  /**
   * The newest frame of each env of a run (for a viewer that just subscribed): in replay mode only the replay's,
   * so a grid does not show other envs frozen at their last live frame.
   */
  lastFrames(runId: string): ArrayBuffer[] {
    const e = this.runs.get(runId);
    if (!e) return [];
    if (e.info.speed !== 'replay') return e.gate.latest();
    return e.gate.latest((f) => (new Uint8Array(f, 0, 3)[2]! & FRAME_FLAG_REPLAY) !== 0);
  }

  get activeCount(): number {
    return [...this.runs.values()].filter((e) => e.worker !== null).length;
  }

  /**
   * Validates a DQN run config exactly as `gymlab train dqn` does, writes its directory (config.json,
   * status.json) and queues it. Throws ProtocolError('invalid_config') naming the field; nothing is written then.
   */
  create(
    config: DqnRunConfig,
    options: { speed?: SpeedMode; replaySource?: ReplaySource; demo?: boolean } = {},
  ): RunInfo {
    if (this.queue.length >= MAX_QUEUED) {
      throw new ProtocolError(
        'bad_state',
        `${MAX_QUEUED} runs are already waiting for a worker; try again later`,
      );
    }
    const { env, seed, steps, numEnvs, ...dqnOptions } = config;
    let trainerConfig: ReturnType<typeof resolveDqnRun>;
    try {
      trainerConfig = resolveDqnRun({ env, seed, steps, numEnvs, options: dqnOptions });
    } catch (err) {
      if (err instanceof OptionsError || err instanceof RangeError) {
        throw new ProtocolError('invalid_config', err.message);
      }
      throw err;
    }
    const now = new Date();
    const base = `${trainerConfig.envId}__dqn__${trainerConfig.seed}__${Math.floor(now.getTime() / 1000)}`;
    let name = base;
    for (let k = 2; existsSync(join(this.runsDir, name)) || this.runs.has(name); k++) name = `${base}_${k}`;
    const dir = join(this.runsDir, name);
    mkdirSync(dir, { recursive: true });
    const given = Object.fromEntries(Object.entries(dqnOptions).filter(([, v]) => v !== undefined));
    writeJsonAtomic(join(dir, 'config.json'), runConfigFor(trainerConfig, given, now));
    const entry = this.newEntry(name, dir, {
      env: trainerConfig.envId,
      seed: trainerConfig.seed,
      numEnvs: trainerConfig.numEnvs,
      totalSteps: trainerConfig.totalSteps,
      createdAt: now.toISOString(),
      speed: options.speed ?? 'max',
      replaySource: options.replaySource ?? 'latest',
      demo: options.demo ?? false,
    });
    this.runs.set(name, entry);
    this.enqueue(entry);
    return { ...entry.info };
  }

  /** pause | resume | step | stop | checkpoint. `resume` of a run at rest starts it again from its checkpoint. */
  async control(
    runId: string,
    action: ControlAction,
    args: { count?: number; totalSteps?: number } = {},
  ): Promise<{ step: number }> {
    const e = this.entry(runId);
    const status = e.info.status;
    if (action === 'resume' && !LIVE_STATUSES.includes(status)) {
      if (args.totalSteps === undefined && e.info.steps + e.info.numEnvs > e.info.totalSteps) {
        throw new ProtocolError(
          'bad_state',
          `the run has used its budget of ${e.info.totalSteps} steps; resume with a larger 'totalSteps'`,
        );
      }
      if (this.queue.length >= MAX_QUEUED) {
        throw new ProtocolError(
          'bad_state',
          `${MAX_QUEUED} runs are already waiting for a worker; try again later`,
        );
      }
      if (args.totalSteps !== undefined) {
        if (args.totalSteps <= e.info.steps) {
          throw new ProtocolError(
            'invalid_message',
            `'totalSteps' must be > the run's ${e.info.steps} steps (got ${args.totalSteps})`,
          );
        }
        e.totalStepsOverride = args.totalSteps;
        e.info.totalSteps = args.totalSteps;
      }
      e.info.error = null;
      e.info.note = null;
      this.enqueue(e);
      return { step: e.info.steps };
    }
    if (status === 'queued') {
      if (action !== 'stop')
        throw new ProtocolError('bad_state', `'${action}' needs a started run; this one is queued`);
      this.queue.splice(this.queue.indexOf(runId), 1);
      this.setStatus(e, 'stopped', null, 'stopped while queued');
      this.announceQueue();
      return { step: e.info.steps };
    }
    if (!e.worker || e.settled || !LIVE_STATUSES.includes(status)) {
      throw new ProtocolError('bad_state', `'${action}' needs a live run; this one is ${status}`);
    }
    return this.request(e, (id) => ({ type: 'control', id, action, count: args.count }));
  }

  /**
   * Live changes. Speed and replay source of a run at rest are remembered for its next start; everything
   * else needs a running or paused run (the trainer validates it there, and an error changes nothing).
   */
  async setParams(runId: string, params: Params): Promise<{ step: number; changes: ParamChange[] }> {
    const e = this.entry(runId);
    const { speed, replaySource, ...trainerParams } = params;
    if (!e.worker || e.settled) {
      if (Object.keys(trainerParams).length > 0) {
        throw new ProtocolError(
          'bad_state',
          `${Object.keys(trainerParams).join(', ')} can change while the run trains; it is ${e.info.status}`,
        );
      }
      const changes: ParamChange[] = [];
      if (speed !== undefined && speed !== e.info.speed)
        changes.push({ name: 'speed', from: e.info.speed, to: speed });
      if (replaySource !== undefined && replaySource !== e.info.replaySource) {
        changes.push({ name: 'replaySource', from: e.info.replaySource, to: replaySource });
      }
      if (speed) e.info.speed = speed;
      if (replaySource) e.info.replaySource = replaySource;
      this.persist(e);
      this.listener?.runState({ ...e.info });
      return { step: e.info.steps, changes };
    }
    const result = await this.request(e, (id) => ({ type: 'setParams', id, params }));
    if (speed !== undefined || replaySource !== undefined) {
      if (speed) e.info.speed = speed;
      if (replaySource) e.info.replaySource = replaySource;
      this.persist(e);
      this.updatePlayer(e);
      this.listener?.runState({ ...e.info });
    }
    return { step: result.step, changes: result.changes ?? [] };
  }

  /** Whether anyone watches a run's frames: workers pack and send frames only then. */
  setFramesWanted(runId: string, wanted: boolean): void {
    const e = this.runs.get(runId);
    if (!e || e.framesWanted === wanted) return;
    e.framesWanted = wanted;
    if (e.worker) this.post(e, { type: 'frames', on: wanted });
    this.updatePlayer(e);
  }

  /** Stops a live run (waiting up to `graceMs` for its final checkpoint) and deletes its directory. */
  async remove(runId: string, graceMs = 10_000): Promise<void> {
    const e = this.entry(runId);
    const qi = this.queue.indexOf(runId);
    if (qi >= 0) this.queue.splice(qi, 1);
    e.settled = true;
    this.stopPlayer(e);
    if (e.worker) await this.stopWorker(e, graceMs);
    this.runs.delete(runId);
    const dir = resolve(e.dir);
    // Only ever a direct child of the runs directory.
    if (dir.startsWith(this.runsDir + sep) && !dir.slice(this.runsDir.length + 1).includes(sep)) {
      rmSync(dir, { recursive: true, force: true });
    }
    this.listener?.runRemoved(runId);
    this.announceQueue();
    this.pump();
  }

  /** SIGINT/SIGTERM: every live run stops at its next step and writes a final checkpoint; queued runs stay queued on disk. */
  async shutdown(graceMs = 20_000): Promise<void> {
    this.closing = true;
    for (const id of this.queue) {
      const e = this.runs.get(id);
      if (e) this.setStatus(e, 'stopped', null, 'queued when the server stopped; resume to start it');
    }
    this.queue.length = 0;
    const live = [...this.runs.values()].filter((e) => e.worker);
    await Promise.all(live.map((e) => this.stopWorker(e, graceMs)));
    for (const e of this.runs.values()) {
      this.stopPlayer(e);
      e.gate.close();
    }
  }

  // ─── internals ──────────────────────────────────────────────────────────────────────────────────────

  private entry(runId: string): RunEntry {
    const e = this.runs.get(runId);
    if (!e)
      throw new ProtocolError(
        'unknown_run',
        `unknown runId ${JSON.stringify(runId)}; listRuns lists the runs`,
      );
    return e;
  }

  private newEntry(
    id: string,
    dir: string,
    base: Pick<
      RunInfo,
      'env' | 'seed' | 'numEnvs' | 'totalSteps' | 'createdAt' | 'speed' | 'replaySource' | 'demo'
    >,
  ): RunEntry {
    const info: RunInfo = {
      id,
      handle: this.nextHandle++,
      kind: 'dqn',
      status: 'stopped',
      error: null,
      note: null,
      steps: 0,
      episodes: 0,
      meanReturn100: null,
      bestMeanReturn100: null,
      solvedAtStep: null,
      stepsPerSecond: 0,
      renderFps: renderFps(base.env),
      learner: null,
      checkpointStep: checkpointStep(dir),
      queuePosition: null,
      ...base,
    };
    const entry: RunEntry = {
      info,
      dir,
      worker: null,
      settled: false,
      requests: new Map(),
      replayRequests: new Map(),
      framesWanted: false,
      gate: new EnvFrameGates(
        1000 / this.opts.frameHz,
        (frame) => this.listener?.frame(id, frame),
        MAX_WATCHED_ENVS,
      ),
      player: null,
      lastStateAt: 0,
      shutdown: false,
    };
    return entry;
  }

  /** A run directory found at startup: listed with what its files say, resumable. */
  private load(name: string): void {
    const dir = join(this.runsDir, name);
    const found = readRunDir(dir);
    if (!found) return;
    const { config, saved } = found;
    const entry = this.newEntry(name, dir, {
      env: config.env,
      seed: config.seed,
      numEnvs: config.numEnvs ?? 1,
      totalSteps: config.steps,
      createdAt: config.createdAt,
      speed: saved?.speed ?? 'max',
      replaySource: saved?.replaySource ?? 'latest',
      demo: saved?.demo ?? false,
    });
    Object.assign(entry.info, found.summary, found.rest);
    this.runs.set(name, entry);
  }

  private enqueue(e: RunEntry): void {
    e.settled = false;
    e.info.status = 'queued';
    this.queue.push(e.info.id);
    this.persist(e);
    this.announceQueue();
    this.pump();
  }

  private announceQueue(): void {
    this.queue.forEach((id, i) => {
      const e = this.runs.get(id);
      if (e && e.info.queuePosition !== i + 1) {
        e.info.queuePosition = i + 1;
        this.listener?.runState({ ...e.info });
      }
    });
  }

  private pump(): void {
    while (!this.closing && this.queue.length > 0 && this.activeCount < this.opts.maxRuns) {
      const id = this.queue.shift()!;
      const e = this.runs.get(id);
      if (e) this.startWorker(e);
    }
    this.announceQueue();
  }

  private startWorker(e: RunEntry): void {
    const { info } = e;
    info.queuePosition = null;
    const start: WorkerStart = {
      runId: info.id,
      runDir: e.dir,
      handle: info.handle,
      totalSteps: e.totalStepsOverride,
      speed: info.speed,
      replaySource: info.replaySource,
      frameHz: this.opts.frameHz,
      framesOn: e.framesWanted && info.speed !== 'replay',
      backend: this.opts.backend,
      fault:
        this.fault && (this.fault.seed === null || this.fault.seed === info.seed)
          ? this.fault.spec
          : undefined,
    };
    e.totalStepsOverride = undefined;
    e.settled = false;
    e.shutdown = false;
    const worker = new Worker(WORKER_URL, { workerData: start, stdout: true });
    // A worker's stdout would mix into `serve --json`'s one line: send it to stderr.
    worker.stdout.pipe(process.stderr);
    e.worker = worker;
    this.setStatus(e, 'starting', null, null);
    worker.on('message', (msg: WorkerToMain) => this.onWorkerMessage(e, worker, msg));
    worker.on('error', (err) => this.fail(e, worker, `worker crashed: ${err.message}`));
    worker.on('exit', (code) => {
      if (!e.settled && e.worker === worker)
        this.fail(e, worker, `worker exited with code ${code} before the run ended`);
      if (e.worker === worker) {
        e.worker = null;
        this.stopPlayer(e);
        this.rejectAll(e, `the run is ${e.info.status}`);
        this.pump();
      }
    });
  }

  private onWorkerMessage(e: RunEntry, worker: Worker, msg: WorkerToMain): void {
    if (e.worker !== worker) return;
    const { info } = e;
    switch (msg.type) {
      case 'started':
        info.learner = msg.learner;
        info.steps = msg.step;
        info.episodes = msg.episodes;
        info.totalSteps = msg.totalSteps;
        this.persist(e);
        break;
      case 'status':
        if (!e.settled) this.setStatus(e, msg.status, msg.error, info.note);
        this.updatePlayer(e);
        break;
      case 'batch': {
        const p = msg.progress;
        info.steps = p.step;
        info.episodes = p.episodes;
        info.meanReturn100 = p.meanReturn100;
        info.bestMeanReturn100 = p.bestMeanReturn100;
        info.solvedAtStep = p.solvedAtStep;
        info.stepsPerSecond = p.stepsPerSecond;
        info.speed = msg.live.speed;
        info.replaySource = msg.live.replaySource;
        if (msg.episodes.length > 0) this.listener?.episodes(info.id, msg.episodes);
        this.listener?.metrics({
          type: 'metrics',
          runId: info.id,
          records: msg.metrics.map(finiteMetrics),
          progress: p,
          params: msg.live,
        });
        const now = performance.now();
        if (now - e.lastStateAt > 2000) {
          e.lastStateAt = now;
          this.listener?.runState({ ...info });
        }
        break;
      }
      case 'event':
        this.listener?.event(info.id, msg.step, msg.events);
        break;
      case 'frame':
        if (info.speed !== 'replay') e.gate.push(msg.buffer);
        break;
      case 'reply': {
        const pending = e.requests.get(msg.id);
        if (!pending) break;
        e.requests.delete(msg.id);
        if (msg.ok) pending.resolve({ step: msg.step, changes: msg.changes });
        else pending.reject(new ProtocolError(msg.code, msg.message));
        break;
      }
      case 'replayEpisode': {
        const waiter = e.replayRequests.get(msg.id);
        e.replayRequests.delete(msg.id);
        waiter?.(msg.episode);
        break;
      }
      case 'checkpointed':
        info.checkpointStep = msg.step;
        break;
      case 'done': {
        const s = msg.summary;
        info.steps = s.steps;
        info.episodes = s.episodes;
        info.meanReturn100 = s.meanReturn100;
        info.bestMeanReturn100 = s.bestMeanReturn100;
        info.solvedAtStep = s.solvedAtStep;
        info.checkpointStep = checkpointStep(e.dir);
        e.settled = true;
        const note = e.shutdown
          ? 'interrupted by server shutdown; resume continues from the final checkpoint'
          : null;
        this.setStatus(e, s.status === 'ready' ? 'stopped' : (s.status as RunStatus), s.error, note);
        this.stopPlayer(e);
        break;
      }
    }
  }

  private setStatus(e: RunEntry, status: RunStatus, error: string | null, note: string | null): void {
    const { info } = e;
    const changed = info.status !== status || info.error !== error || info.note !== note;
    info.status = status;
    info.error = error;
    info.note = note;
    if (status !== 'queued') info.queuePosition = null;
    if (!changed) return;
    this.persist(e);
    this.listener?.runState({ ...info });
  }

  private persist(e: RunEntry): void {
    const { info } = e;
    try {
      writeStatusFile(e.dir, {
        status: info.status,
        error: info.error,
        note: info.note,
        speed: info.speed,
        replaySource: info.replaySource,
        demo: info.demo,
        learner: info.learner,
        updatedAt: new Date().toISOString(),
      });
    } catch {
      // The directory was deleted under us (DELETE while the worker still reported): nothing to keep.
    }
  }

  private fail(e: RunEntry, worker: Worker, reason: string): void {
    if (e.settled || e.worker !== worker) return;
    e.settled = true;
    try {
      appendFileSync(
        join(e.dir, 'metrics.jsonl'),
        `${JSON.stringify({ step: e.info.steps, events: [{ name: 'failed', from: null, to: reason }] })}\n`,
      );
    } catch {
      // Best effort: status.json below still records the failure.
    }
    e.info.checkpointStep = checkpointStep(e.dir);
    this.setStatus(e, 'failed', reason, null);
    this.stopPlayer(e);
    this.rejectAll(e, `the run failed: ${reason}`);
    void worker.terminate();
  }

  private rejectAll(e: RunEntry, why: string): void {
    for (const p of e.requests.values()) p.reject(new ProtocolError('bad_state', why));
    e.requests.clear();
    for (const w of e.replayRequests.values()) w(null);
    e.replayRequests.clear();
  }

  private post(e: RunEntry, msg: MainToWorker): void {
    e.worker?.postMessage(msg);
  }

  private request(
    e: RunEntry,
    build: (id: number) => MainToWorker,
    timeoutMs = 60_000,
  ): Promise<{ step: number; changes?: ParamChange[] }> {
    const id = this.nextRequest++;
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        e.requests.delete(id);
        reject(new ProtocolError('internal', `the run's worker did not answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      e.requests.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolvePromise(v);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.post(e, build(id));
    });
  }

  private fetchReplay(e: RunEntry, source: ReplaySource): Promise<ReplayEpisode | null> {
    if (!e.worker) return Promise.resolve(null);
    const id = this.nextRequest++;
    return new Promise((resolvePromise) => {
      e.replayRequests.set(id, resolvePromise);
      this.post(e, { type: 'replay', id, source });
    });
  }

  /** Replay plays while the run is in replay mode, has a worker and someone watches its frames. */
  private updatePlayer(e: RunEntry): void {
    const want = e.info.speed === 'replay' && e.framesWanted && e.worker !== null && !e.settled;
    if (e.worker) this.post(e, { type: 'frames', on: e.framesWanted && e.info.speed !== 'replay' });
    if (want && !e.player) {
      e.player = new ReplayPlayer({
        runId: e.info.id,
        handle: e.info.handle,
        renderFps: e.info.renderFps,
        frameHz: this.opts.frameHz,
        source: () => e.info.replaySource,
        fetch: (source) => this.fetchReplay(e, source),
        frame: (buf) => {
          if (e.info.speed === 'replay') e.gate.push(buf);
        },
        announce: (msg) => this.listener?.replay(msg),
      });
      e.player.start();
    } else if (!want) {
      this.stopPlayer(e);
    }
  }

  private stopPlayer(e: RunEntry): void {
    e.player?.stop();
    e.player = null;
  }

  private stopWorker(e: RunEntry, graceMs: number): Promise<void> {
    const worker = e.worker;
    if (!worker) return Promise.resolve();
    e.shutdown = this.closing;
    return new Promise((done) => {
      const timer = setTimeout(() => {
        this.fail(e, worker, `did not stop within ${graceMs / 1000} s; terminated`);
        void worker.terminate();
      }, graceMs);
      worker.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      this.post(e, { type: 'shutdown' });
    });
  }
}

const fpsCache = new Map<string, number>();

function renderFps(envId: string): number {
  if (!ENV_IDS.includes(envId)) return 0;
  let fps = fpsCache.get(envId);
  if (fps === undefined) {
    const env = envSpec(envId).create({});
    fps = env.metadata.renderFps;
    env.close();
    fpsCache.set(envId, fps);
  }
  return fps;
}

/** JSON has no NaN: a diverging run's last losses go out as null. */
function finiteMetrics(r: MetricsRecord): MetricsMessage['records'][number] {
  const fin = (v: number) => (Number.isFinite(v) ? v : null);
  return { ...r, 'losses/td_loss': fin(r['losses/td_loss']), 'losses/q_values': fin(r['losses/q_values']) };
}

function parseFault(spec: string | undefined): { spec: FaultInjection; seed: number | null } | null {
  if (!spec) return null;
  const m = /^(throw|exit)@(\d+)(?::seed=(\d+))?$/.exec(spec.trim());
  if (!m)
    throw new RangeError(
      `GYMLAB_FAULT must look like throw@<step> or exit@<step>[:seed=<n>] (got '${spec}')`,
    );
  return {
    spec: { kind: m[1] as 'throw' | 'exit', atStep: Number(m[2]) },
    seed: m[3] === undefined ? null : Number(m[3]),
  };
}
