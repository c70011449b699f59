// Binary WebSocket frames: env render states for live watching, each with an optional "agent view" (the
// HUD's numbers: return so far, action, ε, Q-values). A 32-byte little-endian header, then the agent view and
// the packed render state as Float32 values from byte 32 (4-byte aligned, so a browser reads them with a
// Float32Array view without copying). Encoded once on the server and sent as is to every viewer.
//
//   offset  type  field
//        0  u8    binary message kind (1 = frame)
//        1  u8    render kind (1 lunar-lander, 2 cartpole, 3 mars-rover)
//        2  u8    flags (bit 0 replay, bit 1 first frame of an episode, bit 2 last frame of an episode)
//        3  u8    protocol version
//        4  u16   env index within the run's vector env
//        6  u16   agent view length A in float32 values (0: none). Protocol 1 had 0 here ("reserved").
//        8  u32   run handle (RunInfo.handle)
//       12  u32   step: the run's env step count when the frame was taken (for replays: when it was recorded)
//       16  u32   episode number
//       20  u32   frame: the env's step within its episode
//       24  f64   time the frame was encoded, ms since the Unix epoch (sub-millisecond precision)
//       32  f32[] agent view, A values: return so far, action taken into this state (−1: none yet), ε (NaN:
//                 unknown), n = number of Q-values (0: none), then Q(s, 0 … n−1); A = 4 + n
//   32 + 4A f32[] packed render state (render-packing.ts), the rest of the message
//
// Protocol 2 added the agent view: a protocol-1 reader would take its values for the render state.
import { PROTOCOL_VERSION } from './messages.ts';
import { type AnyRenderState, renderKindName, unpackRenderState } from './render-packing.ts';

export const FRAME_HEADER_BYTES = 32;
export const BINARY_KIND_FRAME = 1;
export const FRAME_FLAG_REPLAY = 1;
export const FRAME_FLAG_EPISODE_START = 2;
export const FRAME_FLAG_EPISODE_END = 4;
/** Float32 values of an agent view before its Q-values. */
export const AGENT_VIEW_FIXED = 4;
/** Most Q-values an agent view carries (a header u16 bounds the block; no env here has more than a few actions). */
export const MAX_AGENT_Q = 256;

/** What the agent sees and did at a frame: the HUD's numbers beyond the render state. */
export interface AgentView {
  /** Sum of the env's rewards in this episode so far. */
  ret: number;
  /** The action that led to this state; null at an episode's first frame. */
  action: number | null;
  /** ε in force when the frame was taken; null when unknown. */
  epsilon: number | null;
  /** Q(s, ·) of this state under the online network; null when not computed. */
  q: Float32Array | null;
}

export interface FrameHeader {
  renderKind: number;
  flags: number;
  envIndex: number;
  runHandle: number;
  step: number;
  episode: number;
  frame: number;
  time: number;
}

const U32_MAX = 0xffffffff;
const u32 = (v: number) => Math.max(0, Math.min(U32_MAX, Math.floor(v)));

/** The agent view as Float32 values (the block at byte 32). */
export function packAgentView(a: AgentView): Float32Array {
  const q = a.q ?? new Float32Array(0);
  if (q.length > MAX_AGENT_Q) throw new RangeError(`an agent view carries at most ${MAX_AGENT_Q} Q-values`);
  const out = new Float32Array(AGENT_VIEW_FIXED + q.length);
  out[0] = a.ret;
  out[1] = a.action ?? -1;
  out[2] = a.epsilon ?? Number.NaN;
  out[3] = q.length;
  out.set(q, AGENT_VIEW_FIXED);
  return out;
}

/** One binary frame message: the header, the agent view (when given), then `payload` (a packed render state). */
export function encodeFrame(
  header: FrameHeader,
  payload: Float32Array,
  agent?: AgentView | null,
): ArrayBuffer {
  const block = agent ? packAgentView(agent) : new Float32Array(0);
  const buf = new ArrayBuffer(FRAME_HEADER_BYTES + block.byteLength + payload.byteLength);
  const view = new DataView(buf);
  writeFrameHeader(view, header, block.length);
  new Float32Array(buf, FRAME_HEADER_BYTES, block.length).set(block);
  new Float32Array(buf, FRAME_HEADER_BYTES + block.byteLength, payload.length).set(payload);
  return buf;
}

export function writeFrameHeader(view: DataView, h: FrameHeader, agentValues = 0): void {
  view.setUint8(0, BINARY_KIND_FRAME);
  view.setUint8(1, h.renderKind);
  view.setUint8(2, h.flags);
  view.setUint8(3, PROTOCOL_VERSION & 0xff);
  view.setUint16(4, h.envIndex, true);
  view.setUint16(6, agentValues, true);
  view.setUint32(8, u32(h.runHandle), true);
  view.setUint32(12, u32(h.step), true);
  view.setUint32(16, u32(h.episode), true);
  view.setUint32(20, u32(h.frame), true);
  view.setFloat64(24, h.time, true);
}

function viewOf(data: ArrayBuffer | ArrayBufferView): DataView {
  return data instanceof ArrayBuffer
    ? new DataView(data)
    : new DataView(data.buffer, data.byteOffset, data.byteLength);
}

export function readFrameHeader(data: ArrayBuffer | ArrayBufferView): FrameHeader {
  const view = viewOf(data);
  if (view.byteLength < FRAME_HEADER_BYTES || (view.byteLength - FRAME_HEADER_BYTES) % 4 !== 0) {
    throw new RangeError(
      `a frame is 32 header bytes plus whole Float32 values (got ${view.byteLength} bytes)`,
    );
  }
  if (view.getUint8(0) !== BINARY_KIND_FRAME) {
    throw new RangeError(`unknown binary message kind ${view.getUint8(0)}`);
  }
  return {
    renderKind: view.getUint8(1),
    flags: view.getUint8(2),
    envIndex: view.getUint16(4, true),
    runHandle: view.getUint32(8, true),
    step: view.getUint32(12, true),
    episode: view.getUint32(16, true),
    frame: view.getUint32(20, true),
    time: view.getFloat64(24, true),
  };
}

/** Float32 values of a frame's agent view (header u16 at byte 6); throws when it overruns the message. */
export function agentViewLength(data: ArrayBuffer | ArrayBufferView): number {
  const view = viewOf(data);
  const n = view.getUint16(6, true);
  if (FRAME_HEADER_BYTES + n * 4 > view.byteLength)
    throw new RangeError(`the frame's agent view (${n} values) runs past its end`);
  return n;
}

/** All Float32 values after the header; a view when the data is 4-byte aligned (always for an ArrayBuffer), else a copy. */
function floatsAfterHeader(data: ArrayBuffer | ArrayBufferView): Float32Array {
  const bytes =
    data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const count = (bytes.byteLength - FRAME_HEADER_BYTES) / 4;
  const offset = bytes.byteOffset + FRAME_HEADER_BYTES;
  if (offset % 4 === 0) return new Float32Array(bytes.buffer, offset, count);
  return new Float32Array(bytes.slice(FRAME_HEADER_BYTES).buffer);
}

/** The packed render state of a frame (after the agent view); a view when aligned, else a copy. */
export function framePayload(data: ArrayBuffer | ArrayBufferView): Float32Array {
  return floatsAfterHeader(data).subarray(agentViewLength(data));
}

/** The frame's agent view, or null when it carries none; throws a RangeError for a malformed one. */
export function frameAgentView(data: ArrayBuffer | ArrayBufferView): AgentView | null {
  const n = agentViewLength(data);
  if (n === 0) return null;
  const v = floatsAfterHeader(data).subarray(0, n);
  const count = v[3]!;
  if (n < AGENT_VIEW_FIXED || count !== n - AGENT_VIEW_FIXED)
    throw new RangeError(`bad agent view in frame: ${n} values for ${count} Q-values`);
  const action = v[1]!;
  const epsilon = v[2]!;
  return {
    ret: v[0]!,
    action: action < 0 ? null : action,
    epsilon: Number.isNaN(epsilon) ? null : epsilon,
    // A copy: the view over the message would keep the whole buffer alive and is not the caller's to keep.
    q: count === 0 ? null : v.slice(AGENT_VIEW_FIXED),
  };
}

export interface DecodedFrame {
  header: FrameHeader;
  state: AnyRenderState;
  /** Return so far, action, ε and Q-values of the frame's state; null when the frame carries none. */
  agent: AgentView | null;
}

/** Header, agent view and render state of a binary frame; throws a RangeError for a malformed one. */
export function decodeFrame(data: ArrayBuffer | ArrayBufferView): DecodedFrame {
  const header = readFrameHeader(data);
  const agent = frameAgentView(data);
  return { header, agent, state: unpackRenderState(renderKindName(header.renderKind), framePayload(data)) };
}
