import { describe, expect, it } from 'vitest';
import type { EpisodeRecordWire, MetricsRecordWire } from '../../server/protocol/messages.ts';
import { RunSeries } from '../../viewer/src/state/run-series.ts';

const ep = (episode: number): EpisodeRecordWire => ({
  step: episode * 100,
  episode,
  'charts/episodic_return': -100 + episode,
  'charts/episodic_length': 100,
  'charts/epsilon': 1 / episode,
  meanReturn100: -100 + episode / 2,
});
const mr = (updates: number): MetricsRecordWire => ({
  step: updates * 4,
  updates,
  'losses/td_loss': 10 / updates,
  'losses/q_values': updates / 100,
  'charts/SPS': 4000,
  'charts/learning_rate': 1e-3,
});

function jsonl(records: object[]): string {
  return `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
}

describe('run series (chart data of one run)', () => {
  it('merges history that arrives after the first live records, without duplicates, in order', () => {
    const s = new RunSeries('r');
    s.ingest({ type: 'episode', runId: 'r', episodes: [ep(8), ep(9), ep(10)] });
    s.ingest({ type: 'metrics', runId: 'r', records: [mr(300)], progress: progress(1000), params: live() });
    s.loadHistory(
      jsonl([
        ep(1),
        ep(2),
        mr(100),
        ep(3),
        { step: 250, events: [{ name: 'gamma', from: 0.995, to: 0.9 }] },
        ep(8),
        mr(200),
        mr(300),
      ]),
    );
    expect(s.ep.num).toEqual([1, 2, 3, 8, 9, 10]);
    expect(s.ep.step).toEqual([100, 200, 300, 800, 900, 1000]);
    expect(s.m.num).toEqual([100, 200, 300]);
    expect(s.m.loss).toEqual([0.1, 0.05, 10 / 300]);
    expect(s.markers).toEqual([
      { step: 250, label: 'γ 0.995 → 0.9', changes: [{ name: 'gamma', from: 0.995, to: 0.9 }] },
    ]);
  });

  it('ignores messages about other runs and reports whether anything changed', () => {
    const s = new RunSeries('r');
    expect(s.ingest({ type: 'episode', runId: 'other', episodes: [ep(1)] })).toBe(false);
    expect(s.ingest({ type: 'episode', runId: 'r', episodes: [ep(1)] })).toBe(true);
    expect(s.ingest({ type: 'episode', runId: 'r', episodes: [ep(1)] })).toBe(false);
    expect(s.episodeCount).toBe(1);
  });

  it('keeps the latest progress and live values from metrics batches', () => {
    const s = new RunSeries('r');
    s.ingest({ type: 'metrics', runId: 'r', records: [], progress: progress(1234), params: live() });
    expect(s.progress?.step).toBe(1234);
    expect(s.live?.gamma).toBe(0.995);
  });

  it('labels markers for every live change and groups changes of one step; control events are not marked', () => {
    const s = new RunSeries('r');
    s.ingest({
      type: 'event',
      runId: 'r',
      step: 500,
      events: [
        { name: 'rewardWeights', from: { mainEngine: 0.3, crash: -100 }, to: { mainEngine: 0, crash: -100 } },
        { name: 'epsilon', from: null, to: 0.05 },
      ],
    });
    s.ingest({
      type: 'event',
      runId: 'r',
      step: 600,
      events: [{ name: 'control', from: 'running', to: 'pause' }],
    });
    s.ingest({
      type: 'event',
      runId: 'r',
      step: 700,
      events: [{ name: 'learningRate', from: 0.0005, to: null }],
    });
    expect(s.markers.map((m) => [m.step, m.label])).toEqual([
      [500, 'reward mainEngine 0.3 → 0, ε = 0.05'],
      [700, 'lr back to schedule'],
    ]);
    expect(s.events.map((m) => m.step)).toEqual([500, 600, 700]);
  });

  it('skips malformed history lines', () => {
    const s = new RunSeries('r');
    s.loadHistory(`{"step":1\nnot json\n{"no":"step"}\n${JSON.stringify(ep(1))}`);
    expect(s.ep.num).toEqual([1]);
  });
});

function progress(step: number) {
  return {
    step,
    episodes: 10,
    epsilon: 0.5,
    learningRate: 1e-3,
    meanReturn100: -90,
    bestMeanReturn100: -90,
    solvedAtStep: null,
    stepsPerSecond: 4000,
    wallSeconds: 3,
  };
}

function live() {
  return {
    gamma: 0.995,
    tau: 0.001,
    epsilonOverride: null,
    learningRateOverride: null,
    rewardWeights: null,
    speed: 'max' as const,
    replaySource: 'latest' as const,
  };
}
