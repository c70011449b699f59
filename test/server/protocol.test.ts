import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RenderState } from '../../envs/core/env.ts';
import { makeEnv } from '../../envs/registry.ts';
import {
  decodeFrame,
  encodeFrame,
  FRAME_FLAG_REPLAY,
  FRAME_HEADER_BYTES,
  type FrameHeader,
  framePayload,
  readFrameHeader,
} from '../../server/protocol/frames.ts';
import {
  PROTOCOL_VERSION,
  ProtocolError,
  parseClientMessage,
  serverMessageSchema,
} from '../../server/protocol/messages.ts';
import { packRenderState, renderKindCode, unpackRenderState } from '../../server/protocol/render-packing.ts';
import { loadInWebSandbox } from '../helpers/browser-bundle.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

/** The render state as it survives float32: every number rounded with Math.fround. */
function fround<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (_k, v: unknown) =>
    typeof v === 'number' ? Math.fround(v) : v,
  ) as T;
}

/** Render states of an env after `steps` steps of a fixed action pattern. */
function statesOf(id: string, steps: number, action: (t: number) => number): RenderState[] {
  const env = makeEnv(id);
  env.reset({ seed: 3 });
  const out = [env.renderState()];
  for (let t = 0; t < steps; t++) {
    const r = env.step(action(t));
    out.push(env.renderState());
    if (r.terminated || r.truncated) env.reset({ seed: t });
  }
  return out;
}

const header: FrameHeader = {
  renderKind: 1,
  flags: FRAME_FLAG_REPLAY,
  envIndex: 3,
  runHandle: 77,
  step: 123_456,
  episode: 42,
  frame: 17,
  time: 1_700_000_000_123.5,
};

describe('protocol: binary frames', () => {
  it.each([
    ['LunarLander-v3', (t: number) => [2, 2, 1, 2, 3, 0][t % 6]!],
    ['CartPole-v1', (t: number) => t % 2],
    ['MarsRover-v0', (t: number) => t % 2],
  ])('%s render states round-trip through pack/encode/decode (float32 precision)', (id, action) => {
    const states = statesOf(id, 120, action);
    if (id === 'LunarLander-v3') {
      // The packing must carry the lists a viewer draws: particles in flight, both legs, flags, terrain.
      const busy = states.find((s) => (s as unknown as { particles: unknown[] }).particles.length >= 3);
      expect(busy).toBeDefined();
    }
    for (const state of states) {
      const payload = packRenderState(state);
      const buf = encodeFrame({ ...header, renderKind: renderKindCode(state.kind) }, payload);
      expect(buf.byteLength).toBe(FRAME_HEADER_BYTES + payload.byteLength);
      const decoded = decodeFrame(buf);
      expect(decoded.state).toEqual(fround(state));
      expect(decoded.header).toEqual({ ...header, renderKind: renderKindCode(state.kind) });
    }
  });

  it('a lander frame is compact: header plus packed floats, well under a kilobyte and a half', () => {
    const [state] = statesOf('LunarLander-v3', 30, () => 2).slice(-1);
    const buf = encodeFrame(header, packRenderState(state!));
    expect(buf.byteLength).toBeLessThan(1500);
  });

  it('header fields saturate instead of wrapping; a Node Buffer at an odd offset decodes', () => {
    const state = statesOf('CartPole-v1', 3, () => 1).at(-1)!;
    const buf = encodeFrame({ ...header, renderKind: 2, step: 2 ** 40, episode: -5 }, packRenderState(state));
    const h = readFrameHeader(buf);
    expect(h.step).toBe(0xffffffff);
    expect(h.episode).toBe(0);
    // A frame inside a larger buffer at a non-4-byte offset (as ws may hand them out).
    const host = Buffer.alloc(buf.byteLength + 3);
    Buffer.from(buf).copy(host, 3);
    const view = host.subarray(3);
    expect(framePayload(view)).toEqual(new Float32Array(buf, FRAME_HEADER_BYTES));
    expect(decodeFrame(view).state).toEqual(fround(state));
  });

  it('the agent view round-trips: return, action, ε and Q-values between the header and the render state', () => {
    const state = statesOf('LunarLander-v3', 12, () => 2).at(-1)!;
    const payload = packRenderState(state);
    const q = Float32Array.from([1.5, -2.25, 3.75, 0.125]);
    const buf = encodeFrame(header, payload, { ret: -12.5, action: 2, epsilon: 0.05, q });
    // Header, 4 + n agent values, then the render state.
    expect(buf.byteLength).toBe(FRAME_HEADER_BYTES + (4 + q.length) * 4 + payload.byteLength);
    expect(new DataView(buf).getUint16(6, true)).toBe(4 + q.length);
    expect(new DataView(buf).getUint8(3)).toBe(PROTOCOL_VERSION);
    const d = decodeFrame(buf);
    expect(d.header).toEqual(header);
    expect(d.agent).toEqual({ ret: -12.5, action: 2, epsilon: Math.fround(0.05), q });
    expect(d.state).toEqual(fround(state));
    expect(framePayload(buf)).toEqual(payload);
    // Unknowns: no action yet, no ε, no Q-values.
    const bare = decodeFrame(encodeFrame(header, payload, { ret: 0, action: null, epsilon: null, q: null }));
    expect(bare.agent).toEqual({ ret: 0, action: null, epsilon: null, q: null });
    // No agent view at all: none decoded, the render state starts at byte 32.
    expect(decodeFrame(encodeFrame(header, payload)).agent).toBeNull();
    // A length that runs past the message, or disagrees with its Q count, is refused.
    const long = new Uint8Array(
      encodeFrame(header, packRenderState(statesOf('CartPole-v1', 1, () => 0)[0]!)),
    );
    new DataView(long.buffer).setUint16(6, 1000, true);
    expect(() => decodeFrame(long)).toThrow(/agent view \(1000 values\) runs past its end/);
    const mismatched = new Uint8Array(buf.slice(0));
    new DataView(mismatched.buffer).setFloat32(FRAME_HEADER_BYTES + 12, 3, true);
    expect(() => decodeFrame(mismatched)).toThrow(/bad agent view/);
  });

  it('malformed frames are refused with a RangeError, never misread', () => {
    const state = statesOf('LunarLander-v3', 5, () => 0).at(-1)!;
    const good = new Uint8Array(encodeFrame(header, packRenderState(state)));
    expect(() => decodeFrame(good.slice(0, 20))).toThrow(/32 header bytes/);
    expect(() => decodeFrame(good.slice(0, good.length - 2))).toThrow(/whole Float32 values/);
    expect(() => decodeFrame(good.slice(0, good.length - 8))).toThrow(RangeError);
    const wrongKind = good.slice();
    wrongKind[0] = 9;
    expect(() => decodeFrame(wrongKind)).toThrow(/unknown binary message kind 9/);
    const wrongRender = good.slice();
    wrongRender[1] = 42;
    expect(() => decodeFrame(wrongRender)).toThrow(/unknown render kind code 42/);
    expect(() => unpackRenderState('cartpole', new Float32Array(8))).toThrow(/1 extra values/);
    expect(() => packRenderState({ kind: 'teapot' })).toThrow(
      /no frame packing for render state kind 'teapot'/,
    );
  });
});

describe('protocol: client messages', () => {
  it('parses valid messages and fills nothing in silently', () => {
    expect(parseClientMessage('{"type":"hello","protocolVersion":1}')).toEqual({
      type: 'hello',
      protocolVersion: 1,
    });
    const create = parseClientMessage(
      JSON.stringify({
        type: 'createRun',
        requestId: 'a',
        kind: 'dqn',
        config: { env: 'CartPole-v1', seed: 1, gamma: 0.9 },
      }),
    );
    expect(create).toEqual({
      type: 'createRun',
      requestId: 'a',
      kind: 'dqn',
      config: { env: 'CartPole-v1', seed: 1, gamma: 0.9 },
    });
    expect(
      parseClientMessage('{"type":"setParams","runId":"r1","params":{"epsilon":null,"speed":"replay"}}'),
    ).toMatchObject({
      params: { epsilon: null, speed: 'replay' },
    });
  });

  it('errors carry a code, name the field and echo a readable requestId', () => {
    const err = (text: string) => {
      try {
        parseClientMessage(text);
      } catch (e) {
        return e as ProtocolError;
      }
      throw new Error(`accepted: ${text}`);
    };
    expect(err('{')).toMatchObject({ code: 'bad_json' });
    const gamma = err('{"type":"setParams","requestId":7,"runId":"r","params":{"gamma":1.5}}');
    expect(gamma).toBeInstanceOf(ProtocolError);
    expect(gamma).toMatchObject({ code: 'invalid_message', requestId: 7 });
    expect(gamma.message).toMatch(/'params\.gamma' must be in \[0, 1\) \(got 1\.5\)/);
    expect(err('{"type":"setParams","runId":"r","params":{}}').message).toMatch(
      /'params': must set at least one of gamma/,
    );
    expect(err('{"type":"control","requestId":"q","runId":"r","action":"jump"}')).toMatchObject({
      requestId: 'q',
    });
    expect(err('{"type":"fly","requestId":"z"}')).toMatchObject({ code: 'unknown_type', requestId: 'z' });
  });

  it('server messages are described by the shared schema (the viewer validates with it)', () => {
    expect(
      serverMessageSchema.safeParse({ type: 'error', code: 'unknown_run', message: 'x', requestId: 3 })
        .success,
    ).toBe(true);
    expect(serverMessageSchema.safeParse({ type: 'error', code: 'oops', message: 'x' }).success).toBe(false);
    expect(
      serverMessageSchema.safeParse({
        type: 'event',
        runId: 'r',
        step: 5,
        events: [{ name: 'gamma', from: 0.99, to: 0.9 }],
      }).success,
    ).toBe(true);
  });
});

describe('protocol module is browser-ready', () => {
  const ROOT = join(REPO_ROOT, 'server', 'protocol');

  it('imports nothing from Node', () => {
    const nodeOnly = /from ['"](node:|fs|path|os|child_process|worker_threads|crypto|url|util|ws)['"/]/;
    const files = readdirSync(ROOT).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    expect(files.filter((f) => nodeOnly.test(readFileSync(join(ROOT, f), 'utf8')))).toEqual([]);
  });

  it('a browser build decodes frames and validates messages with only web globals', async () => {
    const api = await loadInWebSandbox<{
      decodeFrame: typeof decodeFrame;
      parseClientMessage: typeof parseClientMessage;
    }>(join(ROOT, 'index.ts'), { console, DataView, ArrayBuffer, Float32Array, Uint8Array });
    const state = statesOf('LunarLander-v3', 10, () => 2).at(-1)!;
    const buf = encodeFrame(header, packRenderState(state));
    expect(JSON.parse(JSON.stringify(api.decodeFrame(buf).state))).toEqual(fround(state));
    expect(() => api.parseClientMessage('{"type":"nope"}')).toThrow(/unknown message type/);
  }, 120_000);
});
