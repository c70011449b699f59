import type { DecodedFrame } from '../../../server/protocol/frames.ts';
import {
  CHANNELS,
  type Channel,
  type ClientMessage,
  PROTOCOL_VERSION,
  type ServerMessage,
  type WelcomeMessage,
} from '../../../server/protocol/messages.ts';
import type { Disposer } from '../ui/dom.ts';
import { ServerError } from '../ui/errors.ts';
import { decodeSocketData } from './decode.ts';
import type { Endpoint } from './endpoint.ts';

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionState {
  status: ConnectionStatus;
  /** Failed attempts since the last successful connection. */
  attempt: number;
  /** When the next attempt starts (ms since epoch), while reconnecting. */
  retryAt: number | null;
  /** Why the last attempt failed, in plain words, when known. */
  lastError: string | null;
  welcome: WelcomeMessage | null;
}

/** The part of the browser's WebSocket the connection uses (a fake one in unit tests). */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface ConnectionOptions {
  createSocket?: (url: string) => SocketLike;
  /** Delays between reconnect attempts; the last repeats. */
  backoffMs?: readonly number[];
  requestTimeoutMs?: number;
  /** Asks the server (over HTTP) why the socket keeps failing, e.g. a missing token. */
  diagnose?: () => Promise<string | null>;
}

/** What a request resolves with: the server's reply carrying the request's id. */
export type Reply = Extract<ServerMessage, { type: 'ack' | 'welcome' | 'runList' }>;

/** A client message without its `requestId` (the connection assigns one). */
export type Request = ClientMessage extends infer M
  ? M extends ClientMessage
    ? Omit<M, 'requestId'>
    : never
  : never;

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (err: ServerError) => void;
  timer: ReturnType<typeof setTimeout>;
}

const OPEN = 1;

/**
 * The viewer's one WebSocket to the server: says hello, reconnects by itself with backoff, re-subscribes what
 * pages watch after a reconnect, matches replies to requests by `requestId`, and hands decoded messages and
 * frames to listeners. Errors the server sends outside a request become notices.
 */
export class Connection {
  readonly endpoint: Endpoint;
  private readonly opts: Required<Omit<ConnectionOptions, 'diagnose'>> & Pick<ConnectionOptions, 'diagnose'>;
  private socket: SocketLike | null = null;
  private state: ConnectionState = {
    status: 'closed',
    attempt: 0,
    retryAt: null,
    lastError: null,
    welcome: null,
  };
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  /** runId → channel → number of page-level subscriptions. */
  private readonly subs = new Map<string, Map<Channel, number>>();
  private readonly messageFns = new Set<(m: ServerMessage) => void>();
  private readonly frameFns = new Set<(f: DecodedFrame) => void>();
  private readonly stateFns = new Set<(s: ConnectionState) => void>();
  private readonly noticeFns = new Set<(text: string) => void>();

  constructor(endpoint: Endpoint, options: ConnectionOptions = {}) {
    this.endpoint = endpoint;
    this.opts = {
      createSocket: options.createSocket ?? ((url) => new WebSocket(url, 'gymlab') as unknown as SocketLike),
      backoffMs: options.backoffMs ?? [500, 1000, 2000, 4000, 8000],
      requestTimeoutMs: options.requestTimeoutMs ?? 20_000,
      diagnose: options.diagnose,
    };
  }

  get current(): ConnectionState {
    return this.state;
  }

  get isOpen(): boolean {
    return this.state.status === 'open';
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.close(1000, 'viewer closed');
    }
    this.failPending(new ServerError('network', 'the connection was closed'));
    this.setState({ status: 'closed', retryAt: null });
  }

  /** Reconnects now (skipping the backoff wait). */
  retryNow(): void {
    if (this.stopped || this.state.status === 'open' || this.state.status === 'connecting') return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.open();
  }

  onMessage(fn: (m: ServerMessage) => void): Disposer {
    this.messageFns.add(fn);
    return () => this.messageFns.delete(fn);
  }

  onFrame(fn: (f: DecodedFrame) => void): Disposer {
    this.frameFns.add(fn);
    return () => this.frameFns.delete(fn);
  }

  onState(fn: (s: ConnectionState) => void): Disposer {
    this.stateFns.add(fn);
    fn(this.state);
    return () => this.stateFns.delete(fn);
  }

  /** Errors and problems not tied to a request the caller is waiting on. */
  onNotice(fn: (text: string) => void): Disposer {
    this.noticeFns.add(fn);
    return () => this.noticeFns.delete(fn);
  }

  /** Sends a message and resolves with the reply carrying its id, or rejects with the server's error. */
  request(msg: Request): Promise<Reply> {
    if (!this.socket || this.state.status !== 'open' || this.socket.readyState !== OPEN) {
      return Promise.reject(new ServerError('network', 'not connected; reconnecting by itself'));
    }
    return this.send(msg);
  }

  /**
   * Watches `channels` of a run until the returned disposer runs. Several pages (or panels) may watch the same
   * run: the server is told to stop only when the last one lets go. Survives reconnects.
   */
  subscribe(runId: string, channels: readonly Channel[] = CHANNELS): Disposer {
    let counts = this.subs.get(runId);
    if (!counts) {
      counts = new Map();
      this.subs.set(runId, counts);
    }
    const added: Channel[] = [];
    for (const c of channels) {
      const n = counts.get(c) ?? 0;
      counts.set(c, n + 1);
      if (n === 0) added.push(c);
    }
    if (added.length > 0 && this.isOpen) this.sendSubscribe(runId, added);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const cs = this.subs.get(runId);
      if (!cs) return;
      const removed: Channel[] = [];
      for (const c of channels) {
        const n = (cs.get(c) ?? 0) - 1;
        if (n <= 0) {
          cs.delete(c);
          removed.push(c);
        } else cs.set(c, n);
      }
      if (cs.size === 0) this.subs.delete(runId);
      if (removed.length > 0 && this.isOpen) {
        this.send({ type: 'unsubscribe', runId, channels: removed }).catch(() => {
          // The run may be gone already: nothing to stop watching.
        });
      }
    };
  }

  /** Forgets subscriptions of a run the server removed. */
  forgetRun(runId: string): void {
    this.subs.delete(runId);
  }

  private sendSubscribe(runId: string, channels: Channel[]): void {
    this.send({ type: 'subscribe', runId, channels }).catch((err: ServerError) => {
      if (err.code === 'unknown_run') this.subs.delete(runId);
      this.notice(err.message);
    });
  }

  private send(msg: Request): Promise<Reply> {
    const requestId = `v${this.nextId++}`;
    const socket = this.socket!;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(
          new ServerError(
            'timeout',
            `no answer to '${msg.type}' within ${this.opts.requestTimeoutMs / 1000} s`,
          ),
        );
      }, this.opts.requestTimeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
      socket.send(JSON.stringify({ ...msg, requestId }));
    });
  }

  private open(): void {
    this.setState({ status: this.state.attempt === 0 ? 'connecting' : 'reconnecting', retryAt: null });
    let socket: SocketLike;
    try {
      socket = this.opts.createSocket(this.endpoint.wsUrl);
    } catch (err) {
      this.setState({ lastError: `cannot open a WebSocket: ${(err as Error).message}` });
      this.scheduleRetry();
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      this.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, client: 'gymlab-viewer' })
        .then((reply) => {
          if (reply.type !== 'welcome' || socket !== this.socket) return;
          this.setState({ status: 'open', attempt: 0, lastError: null, welcome: reply });
          for (const [runId, counts] of this.subs) this.sendSubscribe(runId, [...counts.keys()]);
        })
        .catch((err: ServerError) => {
          this.setState({ lastError: err.message });
          socket.close(4000, 'hello refused');
        });
    };
    socket.onmessage = (ev) => this.receive(ev.data);
    socket.onerror = () => {
      // The close event follows with the details a browser is allowed to give (none, for a refused upgrade).
    };
    socket.onclose = (ev) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.failPending(new ServerError('network', 'the connection to the server was lost'));
      const reason = ev.reason ? `closed by the server: ${ev.reason}` : null;
      this.setState({ lastError: reason ?? this.state.lastError, welcome: this.state.welcome });
      this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const attempt = this.state.attempt + 1;
    const delays = this.opts.backoffMs;
    const delay = delays[Math.min(attempt - 1, delays.length - 1)]!;
    this.setState({ status: 'reconnecting', attempt, retryAt: Date.now() + delay });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
    if (attempt >= 2 && this.opts.diagnose) {
      this.opts
        .diagnose()
        .then((why) => {
          if (why && this.state.status !== 'open') this.setState({ lastError: why });
        })
        .catch(() => {});
    }
  }

  private receive(data: unknown): void {
    const decoded = decodeSocketData(data);
    if (decoded.kind === 'invalid') {
      this.notice(`${decoded.reason}.`);
      return;
    }
    if (decoded.kind === 'frame') {
      for (const fn of this.frameFns) fn(decoded.frame);
      return;
    }
    const m = decoded.message;
    const id = 'requestId' in m && m.requestId !== undefined ? String(m.requestId) : null;
    const waiter = id !== null ? this.pending.get(id) : undefined;
    if (waiter && id !== null) {
      this.pending.delete(id);
      clearTimeout(waiter.timer);
      if (m.type === 'error') waiter.reject(new ServerError(m.code, m.message));
      else if (m.type === 'ack' || m.type === 'welcome' || m.type === 'runList') waiter.resolve(m);
    } else if (m.type === 'error') {
      this.notice(new ServerError(m.code, m.message).message);
    }
    if (m.type === 'runRemoved') this.forgetRun(m.runId);
    for (const fn of this.messageFns) fn(m);
  }

  private failPending(err: ServerError): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  private notice(text: string): void {
    for (const fn of this.noticeFns) fn(text);
  }

  private setState(patch: Partial<ConnectionState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.stateFns) fn(this.state);
  }
}
