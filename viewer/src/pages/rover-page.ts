import { NUM_STATES } from '../../../envs/mars-rover/mars-rover.ts';
import { type RoverSolution, solveMarsRover } from '../../../envs/mars-rover/solver.ts';
import type { AckMessage } from '../../../server/protocol/messages.ts';
import type { AppContext, Page } from '../app/context.ts';
import { type Route, routeHref } from '../app/router.ts';
import type { HudInfo } from '../hud/hud.ts';
import { LocalSession } from '../play/local-session.ts';
import { loadQNetwork } from '../play/q-network.ts';
import { SceneStage } from '../scene/stage.ts';
import { Disposables, h, replaceChildren, setText } from '../ui/dom.ts';
import { describeError } from '../ui/errors.ts';
import { fmtNum, fmtQ } from '../ui/format.ts';
import { isLive } from './run-actions.ts';

const ENV = 'MarsRover-v0';
const REWARDS = [100, 0, 0, 0, 0, 40];

interface Learned {
  runId: string;
  q: [number, number][];
  gamma: number | null;
  misstep: number | null;
}

/**
 * Rover: the course's six-state Mars rover. The exact Q*(s, a) of both actions and the optimal policy, solved
 * again as γ and the misstep probability move; the rover drives π* below. Pick (or train) a DQN run on the
 * rover to put its learned Q next to the exact values.
 */
export function roverPage(ctx: AppContext, route: Route): Page {
  const d = new Disposables();
  let gamma = 0.9;
  let misstep = 0;
  let learned: Learned | null = null;
  let selectedRun: string | null = route.params.get('run');

  const gammaSlider = h('input', {
    type: 'range',
    min: 0,
    max: 1,
    step: 0.01,
    value: '0.9',
    'data-testid': 'rover-gamma',
    'aria-label': 'γ',
  });
  const gammaOut = h('output.slider-value.num', { 'data-testid': 'rover-gamma-value' });
  const pSlider = h('input', {
    type: 'range',
    min: 0,
    max: 1,
    step: 0.01,
    value: '0',
    'data-testid': 'rover-misstep',
    'aria-label': 'Misstep probability',
  });
  const pOut = h('output.slider-value.num', { 'data-testid': 'rover-misstep-value' });
  const qRow = h('div.rover-cells', { 'data-testid': 'rover-q' });
  const solveNote = h('div.rover-note');
  const runSelect = h('select', { 'data-testid': 'rover-run', 'aria-label': 'DQN run on the rover' });
  const learnStatus = h('div.learn-status', { 'aria-live': 'polite' });
  const trainBtn = h(
    'button.btn.primary',
    { onclick: () => void train() },
    'Train a DQN with these settings',
  );
  const matchBtn = h('button.btn.small', { onclick: () => matchRun() }, 'Use the run’s γ and p');
  const refreshBtn = h('button.btn.small', { onclick: () => void loadLearned(true) }, '↻ Refresh');
  const sceneHost = h('div.rover-scene', { 'data-testid': 'rover-scene' });
  let stage: SceneStage<HudInfo> | null = null;
  let session: LocalSession | null = null;

  const paintSlider = (el: HTMLInputElement) => el.style.setProperty('--fill', `${Number(el.value) * 100}%`);

  const render = () => {
    let sol: RoverSolution | null = null;
    let problem: string | null = null;
    try {
      sol = solveMarsRover({ gamma, misstepProbability: misstep, rewards: REWARDS });
    } catch (err) {
      problem = (err as Error).message;
    }
    setText(gammaOut, gamma.toFixed(2));
    setText(pOut, misstep.toFixed(2));
    paintSlider(gammaSlider);
    paintSlider(pSlider);
    setText(
      solveNote,
      problem
        ? `No finite solution: ${problem}.`
        : `Exact Q* by value iteration (${sol!.iterations} sweeps). Q(s, a) = R(s) + γ·[(1 − p)·V(s + a) + p·V(s − a)].`,
    );
    if (!sol) {
      replaceChildren(qRow);
      return;
    }
    const comparable =
      learned &&
      learned.gamma !== null &&
      Math.abs(learned.gamma - gamma) < 1e-9 &&
      (learned.misstep ?? 0) === misstep;
    replaceChildren(
      qRow,
      sol.q.map(([ql, qr], i) => {
        const s = i + 1;
        const policy = sol!.policy[i]!;
        const terminal = policy === 'terminal';
        const cell = (a: 'left' | 'right', v: number) => {
          const best = !terminal && policy === a;
          const lq = learned?.q[i]?.[a === 'left' ? 0 : 1];
          return h(
            `div.q-cell${best ? '.best' : ''}`,
            null,
            h('span.q-dir', null, a === 'left' ? '←' : '→'),
            h('span.q-value.num', { 'data-testid': `q-${s}-${a}` }, fmtQ(v)),
            lq !== undefined
              ? h(
                  `span.q-learned.num${comparable && Math.abs(lq - v) > Math.max(1, 0.05 * Math.abs(v)) ? '.off' : ''}`,
                  { 'data-testid': `learned-q-${s}-${a}`, title: 'learned by the DQN run' },
                  fmtQ(lq),
                )
              : null,
          );
        };
        return h(
          `div.rover-state${terminal ? '.terminal' : ''}`,
          { 'data-state': s },
          h(
            'div.state-head',
            null,
            h('span.state-name', null, `s${s}`),
            h('span.state-reward', null, `R = ${REWARDS[i]}`),
          ),
          h(
            'div.policy-arrow',
            { 'data-testid': `policy-${s}`, title: terminal ? 'terminal state' : `π*(s${s}) = ${policy}` },
            terminal ? '■' : policy === 'left' ? '←' : '→',
          ),
          cell('left', ql),
          cell('right', qr),
          h('div.state-v.num', null, `V = ${fmtQ(sol!.v[i]!)}`),
        );
      }),
    );
    if (learned) {
      const errs = learned.q.flatMap((pair, i) => pair.map((v, a) => Math.abs(v - sol!.q[i]![a]!)));
      const maxErr = Math.max(...errs);
      const same = comparable
        ? `largest gap to exact: ${maxErr.toFixed(3)}`
        : `trained with γ = ${learned.gamma ?? '?'}, p = ${learned.misstep ?? 0}: use the run’s values to compare`;
      setText(learnStatus, `Learned Q (green, beside each exact value) from ${learned.runId} · ${same}`);
    }
    restartSimulation(sol);
  };

  /** The rover drives the current optimal policy from random starts. */
  const restartSimulation = (sol: RoverSolution) => {
    if (!stage) return;
    session?.stop();
    stage.clear();
    session = new LocalSession({
      envId: ENV,
      envOptions: { misstepProbability: misstep },
      numEnvs: 1,
      policy: 'model',
      epsilon: 0,
      // π* as a "network": Q values straight from the solver, one-hot state in.
      net: {
        inputSize: NUM_STATES,
        numActions: 2,
        predict: (inputs, n) => {
          const out = new Float32Array(n * 2);
          for (let k = 0; k < n; k++) {
            const s = inputs.subarray(k * NUM_STATES, (k + 1) * NUM_STATES).indexOf(1);
            // Ties go left in both the solver and the greedy choice, so argmax of Q* is exactly π*.
            const [ql, qr] = sol.q[s] ?? [0, 0];
            out[2 * k] = ql;
            out[2 * k + 1] = qr;
          }
          return out;
        },
        dispose: () => {},
      },
      onFrame: (i, f) => stage?.push(i, f),
    });
    session.start();
  };

  const setGamma = (v: number) => {
    gamma = Math.min(1, Math.max(0, Math.round(v * 100) / 100));
    gammaSlider.value = String(gamma);
    render();
  };
  gammaSlider.addEventListener('input', () => setGamma(Number(gammaSlider.value)));
  pSlider.addEventListener('input', () => {
    misstep = Math.round(Number(pSlider.value) * 100) / 100;
    render();
  });

  const roverRuns = () => ctx.store.list().filter((r) => r.env === ENV);

  const renderRuns = () => {
    const runs = roverRuns();
    const current = runSelect.value || selectedRun || '';
    replaceChildren(
      runSelect,
      h('option', { value: '' }, runs.length === 0 ? 'No rover runs yet' : 'Pick a run…'),
      runs
        .slice()
        .reverse()
        .map((r) => h('option', { value: r.id }, `${r.id} (${r.status}, ${fmtNum(r.steps)} steps)`)),
    );
    runSelect.value = runs.some((r) => r.id === current) ? current : '';
    matchBtn.disabled = !learned;
    refreshBtn.disabled = !runSelect.value;
  };

  let lastStatus = '';
  const loadLearned = async (checkpointFirst = false) => {
    const runId = runSelect.value;
    selectedRun = runId || null;
    if (!runId) {
      learned = null;
      setText(
        learnStatus,
        'Pick a rover run, or train one, to see what a DQN learns next to the exact values.',
      );
      render();
      return;
    }
    const run = ctx.store.get(runId);
    try {
      if (checkpointFirst && run && (run.status === 'running' || run.status === 'paused')) {
        await ctx.conn.request({ type: 'control', runId, action: 'checkpoint' });
      }
      setText(learnStatus, 'Loading the run’s checkpoint…');
      const [net, details] = await Promise.all([loadQNetwork(ctx.rest, runId), ctx.rest.runDetails(runId)]);
      const input = new Float32Array(NUM_STATES * NUM_STATES);
      for (let s = 0; s < NUM_STATES; s++) input[s * NUM_STATES + s] = 1;
      const out = net.predict(input, NUM_STATES);
      net.dispose();
      const opts = details.config.options as { gamma?: number; envOptions?: { misstepProbability?: number } };
      learned = {
        runId,
        q: Array.from({ length: NUM_STATES }, (_, s) => [out[2 * s]!, out[2 * s + 1]!] as [number, number]),
        gamma: typeof opts.gamma === 'number' ? opts.gamma : null,
        misstep: opts.envOptions?.misstepProbability ?? 0,
      };
      matchBtn.disabled = false;
      render();
    } catch (err) {
      learned = null;
      const live = run && isLive(run);
      setText(
        learnStatus,
        `${describeError(err)}${live ? ' It is still training: its checkpoint comes when it finishes (or press Refresh).' : ''}`,
      );
      render();
    }
  };
  runSelect.addEventListener('change', () => void loadLearned());

  const matchRun = () => {
    if (!learned || learned.gamma === null) return;
    misstep = learned.misstep ?? 0;
    pSlider.value = String(misstep);
    setGamma(learned.gamma);
  };

  const train = async () => {
    trainBtn.disabled = true;
    setText(learnStatus, 'Starting a DQN run on the rover…');
    try {
      const reply = (await ctx.conn.request({
        type: 'createRun',
        kind: 'dqn',
        config: { env: ENV, gamma: Math.min(gamma, 0.999), envOptions: { misstepProbability: misstep } },
      })) as AckMessage;
      if (reply.run) ctx.store.upsert(reply.run);
      selectedRun = reply.runId ?? null;
      renderRuns();
      runSelect.value = selectedRun ?? '';
      setText(learnStatus, `Training ${selectedRun}… its learned Q appears when it finishes.`);
    } catch (err) {
      setText(learnStatus, describeError(err));
    } finally {
      trainBtn.disabled = false;
    }
  };

  d.add(
    ctx.store.onChange(() => {
      renderRuns();
      const run = runSelect.value ? ctx.store.get(runSelect.value) : undefined;
      if (!run) return;
      const status = `${run.id}:${run.status}`;
      if (status !== lastStatus) {
        lastStatus = status;
        if (!isLive(run)) void loadLearned();
        else
          setText(learnStatus, `Training ${run.id}: ${fmtNum(run.steps)} / ${fmtNum(run.totalSteps)} steps…`);
      } else if (isLive(run))
        setText(learnStatus, `Training ${run.id}: ${fmtNum(run.steps)} / ${fmtNum(run.totalSteps)} steps…`);
    }),
  );
  d.add(() => {
    session?.stop();
    stage?.destroy();
  });

  const el = h(
    'div.rover-page',
    null,
    h(
      'div.page-title',
      null,
      h('h1', null, 'Mars rover'),
      h('span.sub', null, 'Six states, two actions: the exact Q* as you move γ and the chance of slipping'),
    ),
    h(
      'section.panel.rover-panel',
      null,
      h(
        'div.rover-controls',
        null,
        h(
          'label.slider-field',
          null,
          h('span.slider-label', null, h('span.sym', null, 'γ'), 'Discount'),
          gammaSlider,
          gammaOut,
        ),
        h(
          'label.slider-field',
          null,
          h('span.slider-label', null, h('span.sym', null, 'p'), 'Misstep probability'),
          pSlider,
          pOut,
        ),
      ),
      sceneHost,
      qRow,
      solveNote,
    ),
    h(
      'section.panel.rover-learn',
      null,
      h(
        'header.panel-head',
        null,
        h('h2', null, 'What a DQN learns'),
        h('a.muted', { href: routeHref('runs') }, 'All runs'),
      ),
      h(
        'div.panel-body.learn-body',
        null,
        h('div.learn-row', null, runSelect, refreshBtn, matchBtn, h('div.spacer'), trainBtn),
        learnStatus,
      ),
    ),
  );
  renderRuns();
  render();
  if (selectedRun) void loadLearned();
  else
    setText(
      learnStatus,
      'Pick a rover run, or train one, to see what a DQN learns next to the exact values.',
    );
  return {
    el,
    mounted: () => {
      void SceneStage.create<HudInfo>(sceneHost).then((s) => {
        if (!el.isConnected) {
          s.destroy();
          return;
        }
        stage = s;
        render();
      });
    },
    dispose: () => d.dispose(),
  };
}
