import { describe, expect, it } from 'vitest';
import type { LanderRenderState } from '../../envs/lunar-lander/render-state.ts';
import { makeEnv } from '../../envs/registry.ts';
import { encodeFrame, FRAME_FLAG_EPISODE_START, FRAME_FLAG_REPLAY } from '../../server/protocol/frames.ts';
import { packRenderState, renderKindCode } from '../../server/protocol/render-packing.ts';
import { decodeBinary, decodeSocketData, decodeText } from '../../viewer/src/net/decode.ts';

function landerFrame(steps: number): { buf: ArrayBuffer; state: LanderRenderState } {
  const env = makeEnv('LunarLander-v3');
  env.reset({ seed: 3 });
  for (let i = 0; i < steps; i++) env.step(2);
  const state = env.renderState() as LanderRenderState;
  const buf = encodeFrame(
    {
      renderKind: renderKindCode(state.kind),
      flags: FRAME_FLAG_EPISODE_START | FRAME_FLAG_REPLAY,
      envIndex: 2,
      runHandle: 7,
      step: 12_345,
      episode: 42,
      frame: steps,
      time: 1_700_000_000_000,
    },
    packRenderState(state),
  );
  return { buf, state };
}

describe('viewer protocol decoding', () => {
  it('decodes a binary lander frame: header fields and the render state at float32 precision', () => {
    const { buf, state } = landerFrame(20);
    const d = decodeBinary(buf);
    expect(d.kind).toBe('frame');
    if (d.kind !== 'frame') return;
    expect(d.frame.header).toMatchObject({ envIndex: 2, runHandle: 7, step: 12_345, episode: 42, frame: 20 });
    expect(d.frame.header.flags & FRAME_FLAG_REPLAY).toBeTruthy();
    const s = d.frame.state as LanderRenderState;
    expect(s.kind).toBe('lunar-lander');
    expect(s.lander.x).toBeCloseTo(state.lander.x, 5);
    expect(s.lander.angle).toBeCloseTo(state.lander.angle, 5);
    expect(s.legs.map((l) => l.contact)).toEqual(state.legs.map((l) => l.contact));
    expect(s.terrain).toHaveLength(state.terrain.length);
    expect(s.particles.length).toBe(state.particles.length);
    expect(s.engines.main).toBeCloseTo(1, 5);
  });

  it('decodes typed-array views of a frame too (a socket may hand over a Uint8Array)', () => {
    const { buf } = landerFrame(3);
    const padded = new Uint8Array(buf.byteLength + 3);
    padded.set(new Uint8Array(buf), 3);
    const d = decodeSocketData(padded.subarray(3));
    expect(d.kind).toBe('frame');
  });

  it('reports a malformed frame in words instead of throwing', () => {
    const bad = decodeBinary(new ArrayBuffer(10));
    expect(bad.kind).toBe('invalid');
    if (bad.kind === 'invalid') expect(bad.reason).toMatch(/scene frame could not be read.*32 header bytes/);
    const { buf } = landerFrame(1);
    new DataView(buf).setUint8(1, 99);
    const unknownKind = decodeBinary(buf);
    expect(unknownKind.kind === 'invalid' && unknownKind.reason).toMatch(/unknown render kind/);
  });

  it('validates text messages against the shared schemas', () => {
    const ack = decodeText(
      JSON.stringify({ type: 'ack', requestId: 'v3', of: 'setParams', runId: 'r', step: 10, changes: [] }),
    );
    expect(ack).toEqual({
      kind: 'message',
      message: { type: 'ack', requestId: 'v3', of: 'setParams', runId: 'r', step: 10, changes: [] },
    });
    const err = decodeText(
      JSON.stringify({ type: 'error', code: 'invalid_params', message: "'gamma' must be in [0, 1)" }),
    );
    expect(err.kind === 'message' && err.message.type).toBe('error');
  });

  it('says which message and field it could not understand', () => {
    expect(decodeText('{not json')).toEqual({
      kind: 'invalid',
      reason: 'the server sent text that is not JSON',
    });
    const wrong = decodeText(JSON.stringify({ type: 'metrics', runId: 'r', records: 'lots' }));
    expect(wrong.kind).toBe('invalid');
    if (wrong.kind === 'invalid')
      expect(wrong.reason).toMatch(/'metrics' message .* not understand at '(records|progress)'/);
    const unknown = decodeText(JSON.stringify({ type: 'surprise' }));
    expect(unknown.kind === 'invalid' && unknown.reason).toMatch(/'surprise' message/);
  });
});
