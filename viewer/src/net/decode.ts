// Turning what arrives on the socket into typed messages. Text is validated against the shared protocol's
// schemas (a server of another version, or a bug, shows up as a readable notice instead of a crash later);
// binary frames are decoded with the protocol's own frame reader.
import { type DecodedFrame, decodeFrame } from '../../../server/protocol/frames.ts';
import { type ServerMessage, serverMessageSchema } from '../../../server/protocol/messages.ts';

export type Decoded =
  | { kind: 'message'; message: ServerMessage }
  | { kind: 'frame'; frame: DecodedFrame }
  | { kind: 'invalid'; reason: string };

export function decodeText(text: string): Decoded {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'the server sent text that is not JSON' };
  }
  const parsed = serverMessageSchema.safeParse(raw);
  if (!parsed.success) {
    const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
    const first = parsed.error.issues[0];
    const where = first && first.path.length > 0 ? ` at '${first.path.join('.')}'` : '';
    return {
      kind: 'invalid',
      reason: `the server sent a ${typeof type === 'string' ? `'${type.slice(0, 40)}' ` : ''}message this viewer does not understand${where}`,
    };
  }
  return { kind: 'message', message: parsed.data };
}

export function decodeBinary(data: ArrayBuffer): Decoded {
  try {
    return { kind: 'frame', frame: decodeFrame(data) };
  } catch (err) {
    return { kind: 'invalid', reason: `a scene frame could not be read (${(err as Error).message})` };
  }
}

/** Either kind of WebSocket payload (the socket's binaryType is 'arraybuffer'). */
export function decodeSocketData(data: unknown): Decoded {
  if (typeof data === 'string') return decodeText(data);
  if (data instanceof ArrayBuffer) return decodeBinary(data);
  if (ArrayBuffer.isView(data)) {
    const copy = new Uint8Array(data.byteLength);
    copy.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return decodeBinary(copy.buffer);
  }
  return { kind: 'invalid', reason: 'the server sent data of an unknown kind' };
}
