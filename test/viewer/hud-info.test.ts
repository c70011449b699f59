import { describe, expect, it } from 'vitest';
import { makeEnv } from '../../envs/registry.ts';
import { type AgentView, encodeFrame, FRAME_FLAG_REPLAY } from '../../server/protocol/frames.ts';
import { packRenderState, renderKindCode } from '../../server/protocol/render-packing.ts';
import { hudInfoOfFrame, qBars } from '../../viewer/src/hud/frame-info.ts';
import { decodeBinary } from '../../viewer/src/net/decode.ts';

function cartPoleFrame(flags: number, agent?: AgentView) {
  const env = makeEnv('CartPole-v1');
  env.reset({ seed: 1 });
  for (let i = 0; i < 6; i++) env.step(i % 2);
  const state = env.renderState();
  const buf = encodeFrame(
    {
      renderKind: renderKindCode(state.kind),
      flags,
      envIndex: 3,
      runHandle: 9,
      step: 4321,
      episode: 12,
      frame: 6,
      time: Date.now(),
    },
    packRenderState(state),
    agent,
  );
  const d = decodeBinary(buf);
  if (d.kind !== 'frame') throw new Error(`not a frame: ${JSON.stringify(d)}`);
  return d.frame;
}

describe('viewer HUD mapping of server frames', () => {
  it("a live frame's agent view becomes the HUD's return, action, ε and Q-values", () => {
    const q = Float32Array.from([0.75, 2.5]);
    const f = cartPoleFrame(0, { ret: 6, action: 1, epsilon: 0.125, q });
    expect(f.header.envIndex).toBe(3);
    expect(hudInfoOfFrame(f)).toEqual({ runStep: 4321, ret: 6, action: 1, epsilon: 0.125, q });
  });

  it('a replay frame shows no run step; a frame without an agent view leaves the numbers unknown', () => {
    const replay = cartPoleFrame(FRAME_FLAG_REPLAY, { ret: 3, action: null, epsilon: null, q: null });
    expect(hudInfoOfFrame(replay)).toEqual({
      runStep: undefined,
      ret: 3,
      action: null,
      epsilon: null,
      q: null,
    });
    expect(hudInfoOfFrame(cartPoleFrame(0))).toEqual({
      runStep: 4321,
      ret: null,
      action: null,
      epsilon: null,
      q: null,
    });
  });

  it('Q bars: the greedy action is highlighted, an exploring action marked as taken, widths span 12–100 %', () => {
    const { greedy, bars } = qBars([1, 4, -2, 4], 2);
    // Ties go to the first maximum, as argmax does in the agent.
    expect(greedy).toBe(1);
    expect(bars.map((b) => b.greedy)).toEqual([false, true, false, false]);
    expect(bars.map((b) => b.taken)).toEqual([false, false, true, false]);
    expect(bars[2]!.width).toBeCloseTo(12);
    expect(bars[1]!.width).toBeCloseTo(100);
    expect(bars[0]!.width).toBeCloseTo(12 + 88 * 0.5);
    // The greedy action taken is not also marked "taken"; equal values all get full bars.
    const same = qBars([3, 3], 0);
    expect(same.bars.map((b) => [b.greedy, b.taken, b.width])).toEqual([
      [true, false, 100],
      [false, false, 100],
    ]);
  });
});
