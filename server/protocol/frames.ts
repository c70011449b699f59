// Binary WebSocket frames: env render states for live watching. A 32-byte little-endian header, then the
// packed render state as Float32 values at byte 32 (4-byte aligned, so a browser reads them with a
// Float32Array view without copying). Encoded once on the server and sent as is to every viewer.
//
//   offset  type  field
//        0  u8    binary message kind (1 = frame)
//        1  u8    render kind (1 lunar-lander, 2 cartpole, 3 mars-rover)
//        2  u8    flags (bit 0 replay, bit 1 first frame of an episode, bit 2 last frame of an episode)
//        3  u8    protocol version
//        4  u16   env index within the run's vector env
//        6  u16   reserved (0)
//        8  u32   run handle (RunInfo.handle)
//       12  u32   step: the run's env step count when the frame was taken (for replays: when it was recorded)
//       16  u32   episode number
//       20  u32   frame: the env's step within its episode
//       24  f64   time the frame was encoded, ms since the Unix epoch (sub-millisecond precision)
//       32  f32[] packed render state (render-packing.ts), (byteLength − 32) / 4 values
import { PROTOCOL_VERSION } from './messages.ts';
import { type AnyRenderState, renderKindName, unpackRenderState } from './render-packing.ts';

export const FRAME_HEADER_BYTES = 32;
export const BINARY_KIND_FRAME = 1;
export const FRAME_FLAG_REPLAY = 1;
export const FRAME_FLAG_EPISODE_START = 2;
export const FRAME_FLAG_EPISODE_END = 4;

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

/** One binary frame message: the header, then `payload` (a packed render state). */
export function encodeFrame(header: FrameHeader, payload: Float32Array): ArrayBuffer {
  const buf = new ArrayBuffer(FRAME_HEADER_BYTES + payload.byteLength);
  const view = new DataView(buf);
  writeFrameHeader(view, header);
  new Float32Array(buf, FRAME_HEADER_BYTES, payload.length).set(payload);
  return buf;
}

export function writeFrameHeader(view: DataView, h: FrameHeader): void {
  view.setUint8(0, BINARY_KIND_FRAME);
  view.setUint8(1, h.renderKind);
  view.setUint8(2, h.flags);
  view.setUint8(3, PROTOCOL_VERSION & 0xff);
  view.setUint16(4, h.envIndex, true);
  view.setUint16(6, 0, true);
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

/** The Float32 payload of a frame; a view when the data is 4-byte aligned (always for an ArrayBuffer), else a copy. */
export function framePayload(data: ArrayBuffer | ArrayBufferView): Float32Array {
  const bytes =
    data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const count = (bytes.byteLength - FRAME_HEADER_BYTES) / 4;
  const offset = bytes.byteOffset + FRAME_HEADER_BYTES;
  if (offset % 4 === 0) return new Float32Array(bytes.buffer, offset, count);
  return new Float32Array(bytes.slice(FRAME_HEADER_BYTES).buffer);
}

export interface DecodedFrame {
  header: FrameHeader;
  state: AnyRenderState;
}

/** Header and render state of a binary frame; throws a RangeError for a malformed one. */
export function decodeFrame(data: ArrayBuffer | ArrayBufferView): DecodedFrame {
  const header = readFrameHeader(data);
  return { header, state: unpackRenderState(renderKindName(header.renderKind), framePayload(data)) };
}
