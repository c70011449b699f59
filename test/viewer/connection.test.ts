import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeFrame } from '../../server/protocol/frames.ts';
import { PROTOCOL_VERSION, type WelcomeMessage } from '../../server/protocol/messages.ts';
import { packRenderState } from '../../server/protocol/render-packing.ts';
import { Connection, type ConnectionState, type SocketLike } from '../../viewer/src/net/connection.ts';
import { resolveEndpoint } from '../../viewer/src/net/endpoint.ts';
import { ServerError } from '../../viewer/src/ui/errors.ts';

/** A scripted WebSocket: records what the client sends; the test plays the server. */
class FakeSocket implements SocketLike {
  binaryType = 'blob';
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  readonly url: string;

  constructor(url: string) {
    this.url = url;
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(code = 1000, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(msg: unknown): void {
    this.onmessage?.({
      data: typeof msg === 'string' || msg instanceof ArrayBuffer ? msg : JSON.stringify(msg),
    });
  }

  last(type: string): Record<string, unknown> {
    const m = [...this.sent].reverse().find((s) => s['type'] === type);
    if (!m) throw new Error(`nothing of type ${type} sent`);
    return m;
  }
}

const welcome = (requestId: unknown): WelcomeMessage & { requestId: string } => ({
  type: 'welcome',
  requestId: requestId as string,
  protocolVersion: PROTOCOL_VERSION,
  server: 'gymlab',
  version: '0.1.0',
  frameHz: 30,
  maxMessageBytes: 65536,
  envs: [],
  runs: [],
});

describe('viewer connection', () => {
  let sockets: FakeSocket[];
  let conn: Connection;
  let states: ConnectionState[];

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    const endpoint = resolveEndpoint({
      protocol: 'http:',
      host: '127.0.0.1:8080',
      search: '?token=abc123xyz',
    });
    conn = new Connection(endpoint, {
      createSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      backoffMs: [100, 200, 400],
      requestTimeoutMs: 1000,
    });
    states = [];
    conn.onState((s) => states.push(s));
  });

  afterEach(() => {
    conn.stop();
    vi.useRealTimers();
  });

  function connect(socket: FakeSocket): void {
    socket.open();
    socket.receive(welcome(socket.last('hello')['requestId']));
  }

  it('opens ws://host/ws with the token, says hello with the protocol version, and is open after welcome', async () => {
    conn.start();
    const s = sockets[0]!;
    expect(s.url).toBe('ws://127.0.0.1:8080/ws?token=abc123xyz');
    s.open();
    expect(s.binaryType).toBe('arraybuffer');
    expect(s.last('hello')).toMatchObject({ type: 'hello', protocolVersion: PROTOCOL_VERSION });
    expect(conn.current.status).toBe('connecting');
    s.receive(welcome(s.last('hello')['requestId']));
    await vi.runAllTicks();
    expect(conn.current.status).toBe('open');
    expect(conn.current.welcome?.version).toBe('0.1.0');
  });

  it('matches replies to requests by id; an error reply rejects with the server’s words', async () => {
    conn.start();
    connect(sockets[0]!);
    await vi.runAllTicks();
    const s = sockets[0]!;
    const ok = conn.request({ type: 'setParams', runId: 'r1', params: { gamma: 0.9 } });
    const bad = conn.request({ type: 'setParams', runId: 'r1', params: { gamma: 2 } });
    const [first, second] = s.sent.filter((m) => m['type'] === 'setParams');
    // Answered out of order: each promise still gets its own reply.
    s.receive({
      type: 'error',
      requestId: second!['requestId'],
      code: 'invalid_params',
      message: "'gamma' must be in [0, 1) (got 2)",
    });
    s.receive({
      type: 'ack',
      requestId: first!['requestId'],
      of: 'setParams',
      runId: 'r1',
      step: 500,
      changes: [{ name: 'gamma', from: 0.995, to: 0.9 }],
    });
    await expect(ok).resolves.toMatchObject({ type: 'ack', step: 500 });
    const err = await bad.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).code).toBe('invalid_params');
    expect((err as ServerError).message).toBe(
      "The server refused the change: 'gamma' must be in [0, 1) (got 2)",
    );
  });

  it('shows errors nobody waits for as notices, and unreadable messages too', async () => {
    const notices: string[] = [];
    conn.onNotice((t) => notices.push(t));
    conn.start();
    connect(sockets[0]!);
    sockets[0]!.receive({
      type: 'error',
      code: 'rate_limited',
      message: 'more than 500 messages per second',
    });
    sockets[0]!.receive('{"type":"runState"}');
    expect(notices[0]).toBe(
      'Too many requests at once; the server skipped one: more than 500 messages per second',
    );
    expect(notices[1]).toMatch(/'runState' message this viewer does not understand/);
  });

  it('refuses requests while disconnected, and fails pending ones when the connection drops', async () => {
    await expect(conn.request({ type: 'listRuns' })).rejects.toThrow(
      /Cannot reach the server: not connected/,
    );
    conn.start();
    connect(sockets[0]!);
    await vi.runAllTicks();
    const pending = conn.request({ type: 'listRuns' });
    sockets[0]!.close(1006, '');
    await expect(pending).rejects.toThrow(/connection to the server was lost/);
  });

  it('reconnects with backoff and re-subscribes what pages watch', async () => {
    conn.start();
    connect(sockets[0]!);
    await vi.runAllTicks();
    const off = conn.subscribe('run-a', ['metrics', 'frames']);
    expect(sockets[0]!.last('subscribe')).toMatchObject({ runId: 'run-a', channels: ['metrics', 'frames'] });
    sockets[0]!.close(1006, '');
    expect(conn.current.status).toBe('reconnecting');
    expect(conn.current.attempt).toBe(1);
    vi.advanceTimersByTime(99);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    sockets[1]!.close(1006, '');
    vi.advanceTimersByTime(200);
    expect(sockets).toHaveLength(3);
    connect(sockets[2]!);
    await vi.runAllTicks();
    expect(conn.current.status).toBe('open');
    expect(conn.current.attempt).toBe(0);
    expect(sockets[2]!.last('subscribe')).toMatchObject({ runId: 'run-a', channels: ['metrics', 'frames'] });
    off();
    expect(sockets[2]!.last('unsubscribe')).toMatchObject({
      runId: 'run-a',
      channels: ['metrics', 'frames'],
    });
  });

  it('counts subscriptions: the server hears "unsubscribe" only when the last watcher leaves', async () => {
    conn.start();
    connect(sockets[0]!);
    await vi.runAllTicks();
    const a = conn.subscribe('r', ['metrics']);
    const b = conn.subscribe('r', ['metrics', 'frames']);
    const subs = sockets[0]!.sent.filter((m) => m['type'] === 'subscribe');
    expect(subs.map((m) => m['channels'])).toEqual([['metrics'], ['frames']]);
    a();
    expect(sockets[0]!.sent.some((m) => m['type'] === 'unsubscribe')).toBe(false);
    b();
    expect(sockets[0]!.last('unsubscribe')['channels']).toEqual(['metrics', 'frames']);
  });

  it('hands decoded binary frames to frame listeners', async () => {
    const frames: number[] = [];
    conn.onFrame((f) => frames.push(f.header.runHandle));
    conn.start();
    connect(sockets[0]!);
    const payload = packRenderState({
      kind: 'cartpole',
      x: 0.1,
      theta: 0.02,
      xThreshold: 2.4,
      thetaThreshold: 0.21,
      poleLength: 1,
      lastAction: 1,
      step: 5,
    } as never);
    sockets[0]!.receive(
      encodeFrame(
        { renderKind: 2, flags: 0, envIndex: 0, runHandle: 9, step: 5, episode: 1, frame: 5, time: 0 },
        payload,
      ),
    );
    expect(frames).toEqual([9]);
  });
});
