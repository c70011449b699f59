// One training run in a worker thread: the same DqnTrainer and RunStore as `gymlab train dqn`, driven by
// messages from the server's main thread. Started through worker-boot.mjs (which registers tsx).
import { parentPort, workerData } from 'node:worker_threads';
import type { ParamChange } from '../../agents/dqn/live-params.ts';
import type { DqnTrainer, TrainerCallbacks } from '../../agents/dqn/trainer.ts';
import { trainerConfigOf } from './dqn-config.ts';
import { EpisodeRecorder, recordingVectorEnv } from './episode-recorder.ts';
import { checkpointStep } from './run-dir.ts';
import { RunSession } from './run-session.ts';
import type { MainToWorker, WorkerStart, WorkerToMain } from './worker-messages.ts';

const start = workerData as WorkerStart;
const port = parentPort!;

function post(msg: WorkerToMain, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

let session: RunSession | null = null;
let shutdownRequested = false;
const early: MainToWorker[] = [];

async function handle(msg: MainToWorker): Promise<void> {
  const s = session;
  if (msg.type === 'shutdown') {
    shutdownRequested = true;
    if (s && !s.ended) {
      s.event([{ name: 'control', from: s.status(), to: 'shutdown' }]);
      s.stop();
    }
    return;
  }
  if (msg.type === 'frames') {
    if (s) {
      s.framesOn = msg.on;
      if (msg.on && s.status() !== 'running') s.sendCurrentFrame();
    }
    start.framesOn = msg.on;
    return;
  }
  if (!s) {
    // Still loading: requests wait and run once the trainer exists (see main).
    early.push(msg);
    return;
  }
  if (s.ended) {
    const message = 'the run has ended';
    if (msg.type === 'replay') post({ type: 'replayEpisode', id: msg.id, episode: null });
    else post({ type: 'reply', id: msg.id, ok: false, code: 'bad_state', message });
    return;
  }
  if (msg.type === 'replay') {
    const recorded = s.recorder.episode(msg.source);
    const episode = recorded?.episode ?? null;
    if (recorded && episode) {
      // Q under the current network, computed once per replayed episode rather than at every recorded step.
      const { q, numActions } = s.replayQValues(recorded.obs);
      episode.q = q;
      episode.numActions = numActions;
    }
    post(
      { type: 'replayEpisode', id: msg.id, episode },
      episode
        ? [
            episode.data.buffer as ArrayBuffer,
            episode.offsets.buffer as ArrayBuffer,
            episode.hud.buffer as ArrayBuffer,
            ...(episode.q ? [episode.q.buffer as ArrayBuffer] : []),
          ]
        : [],
    );
    return;
  }
  if (msg.type === 'setParams') {
    const { speed, replaySource, ...trainerParams } = msg.params;
    let changes: ParamChange[] = [];
    try {
      // The trainer validates everything before it applies anything: an error changes nothing.
      if (Object.keys(trainerParams).length > 0) changes = s.trainer.setParams(trainerParams);
    } catch (err) {
      post({ type: 'reply', id: msg.id, ok: false, code: 'invalid_params', message: (err as Error).message });
      return;
    }
    const own: ParamChange[] = [];
    if (speed !== undefined && speed !== s.speed) {
      own.push({ name: 'speed', from: s.speed, to: speed });
      s.setSpeed(speed);
    }
    if (replaySource !== undefined && replaySource !== s.replaySource) {
      own.push({ name: 'replaySource', from: s.replaySource, to: replaySource });
      s.replaySource = replaySource;
    }
    if (own.length > 0) s.event(own);
    s.flush();
    post({ type: 'reply', id: msg.id, ok: true, step: s.trainer.steps, changes: [...changes, ...own] });
    return;
  }
  const before = s.status();
  switch (msg.action) {
    case 'pause':
      s.pause();
      break;
    case 'resume':
      s.resume();
      break;
    case 'stop':
      s.stop();
      break;
    case 'step':
      if (before !== 'paused') {
        const message = `'step' needs a paused run (this one is ${before})`;
        post({ type: 'reply', id: msg.id, ok: false, code: 'bad_state', message });
        return;
      }
      s.step(msg.count ?? 1);
      break;
    case 'checkpoint':
      try {
        await s.checkpoint();
      } catch (err) {
        const message = `checkpoint failed: ${(err as Error).message}`;
        post({ type: 'reply', id: msg.id, ok: false, code: 'internal', message });
        return;
      }
      break;
  }
  if (msg.action !== 'checkpoint') s.event([{ name: 'control', from: before, to: msg.action }]);
  s.flush();
  post({ type: 'reply', id: msg.id, ok: true, step: s.trainer.steps });
}

async function main(): Promise<void> {
  port.on('message', (msg: MainToWorker) => {
    handle(msg).catch((err: unknown) => {
      // A failure outside the validation paths is a bug: end the worker so the run is marked failed.
      setImmediate(() => {
        throw err;
      });
    });
  });
  const [{ initBackend }, { DqnTrainer }, { RunStore }] = await Promise.all([
    import('../../models/backend.ts'),
    import('../../agents/dqn/trainer.ts'),
    import('../run-store/run-store.ts'),
  ]);
  const backend = await initBackend(start.backend);
  const store = RunStore.open(start.runDir);
  const runConfig = store.readConfig();
  const recorder = new EpisodeRecorder();
  let holder: RunSession | null = null;
  // The envs are built inside create()/restore(), before the session exists: events until then are dropped.
  const deps = {
    makeVectorEnv: recordingVectorEnv(recorder, (w, ev, ended) => holder?.onWatch(w, ev, ended)),
  };
  // The session's callbacks exist once the session does; the trainer calls them only after create().
  const extra: TrainerCallbacks = {
    onEpisode: (r) => holder?.callbacks.onEpisode?.(r),
    onMetrics: (r) => holder?.callbacks.onMetrics?.(r),
    onEvent: (r) => holder?.callbacks.onEvent?.(r),
    onCheckpoint: (t, f) => holder?.callbacks.onCheckpoint?.(t, f),
  };
  const totalSteps = start.totalSteps ?? runConfig.steps;
  let trainer: DqnTrainer;
  if (checkpointStep(start.runDir) !== null) {
    const { snapshot } = await store.latestCheckpoint();
    snapshot.config = { ...snapshot.config, totalSteps, backend: start.backend };
    trainer = await DqnTrainer.restore(snapshot, store.callbacks(extra), deps);
    store.writeConfig({
      ...runConfig,
      steps: totalSteps,
      resumes: [
        ...runConfig.resumes,
        { at: new Date().toISOString(), step: trainer.steps, steps: totalSteps },
      ],
    });
    store.metrics.write({
      step: trainer.steps,
      events: [{ name: 'resumed', from: null, to: trainer.steps }],
    });
  } else {
    trainer = await DqnTrainer.create(trainerConfigOf(runConfig, totalSteps), store.callbacks(extra), deps);
    if (totalSteps !== runConfig.steps) store.writeConfig({ ...runConfig, steps: totalSteps });
  }
  store.writeConfig({
    ...store.readConfig(),
    learner: trainer.agent.learner.backend,
    backend: { ...runConfig.backend, tfjs: backend.name },
  });
  recorder.counters = () => ({ step: trainer.steps, episodes: trainer.episodes });
  recorder.epsilon = () => trainer.agent.epsilon;
  const s = new RunSession(trainer, store, recorder, start, post);
  holder = s;
  post({
    type: 'started',
    learner: trainer.agent.learner.backend,
    backend: backend.name,
    step: trainer.steps,
    episodes: trainer.episodes,
    totalSteps: trainer.config.totalSteps,
  });
  if (shutdownRequested) {
    // Asked to stop while loading: nothing trained, nothing to save beyond what is on disk.
    trainer.stop();
    post({ type: 'done', summary: trainer.summary() });
    trainer.close();
    return;
  }
  session = s;
  try {
    const running = s.run();
    // After run() has started (so that a 'stop' is not undone by run() setting 'running').
    for (const msg of early.splice(0)) await handle(msg);
    await running;
  } finally {
    store.metrics.flush();
    trainer.close();
    port.close();
  }
}

await main();
