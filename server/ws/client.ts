import type { WebSocket } from 'ws';
import type {
  Channel,
  EpisodeMessage,
  ErrorCode,
  MetricsMessage,
  RequestId,
  ServerMessage,
} from '../protocol/messages.ts';

/** Per-client limits: what keeps a slow or hostile client from growing the server's memory or stalling others. */
export const CLIENT_LIMITS = {
  /** Frames are dropped (the next, newer one is tried later) while more than this is queued for the client. */
  frameBufferBytes: 64 * 1024,
  /** Metrics and episode batches are coalesced instead of sent while more than this is queued. */
  textBufferBytes: 256 * 1024,
  /** A client this far behind is disconnected (1008). */
  maxBufferBytes: 8 * 1024 * 1024,
  /** Records kept per coalesced batch (the newest). */
  coalescedRecords: 1000,
  /** Token bucket for incoming messages: burst and refill per second. */
  rateBurst: 1000,
  ratePerSecond: 500,
  /** Runs one client may subscribe to. */
  maxSubscriptions: 64,
} as const;

/** One WebSocket connection: its subscriptions, its coalesced batches and its counters. */
export class Client {
  readonly socket: WebSocket;
  readonly id: number;
  readonly remote: string;
  alive = true;
  readonly subs = new Map<string, Set<Channel>>();
  framesSent = 0;
  framesDropped = 0;
  private readonly pendingMetrics = new Map<string, MetricsMessage>();
  private readonly pendingEpisodes = new Map<string, EpisodeMessage>();
  private tokens: number = CLIENT_LIMITS.rateBurst;
  private refilledAt = performance.now();

  constructor(socket: WebSocket, id: number, remote: string) {
    this.socket = socket;
    this.id = id;
    this.remote = remote;
  }

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  wants(runId: string, channel: Channel): boolean {
    return this.subs.get(runId)?.has(channel) ?? false;
  }

  /** Takes one token; false when the client sends faster than the limit allows. */
  allowMessage(): boolean {
    const now = performance.now();
    this.tokens = Math.min(
      CLIENT_LIMITS.rateBurst,
      this.tokens + ((now - this.refilledAt) / 1000) * CLIENT_LIMITS.ratePerSecond,
    );
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Control traffic (acks, errors, run states, events): always sent, unless the client is hopelessly behind. */
  send(msg: ServerMessage | string): void {
    if (!this.open) return;
    if (this.socket.bufferedAmount > CLIENT_LIMITS.maxBufferBytes) {
      this.socket.close(1008, 'too far behind');
      this.socket.terminate();
      return;
    }
    this.socket.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  error(code: ErrorCode, message: string, requestId?: RequestId): void {
    this.send({ type: 'error', code, message, ...(requestId === undefined ? {} : { requestId }) });
  }

  /** A binary frame, dropped while the client has a backlog: it will see a newer one. */
  frame(buf: ArrayBuffer): void {
    if (!this.open) return;
    if (this.socket.bufferedAmount > CLIENT_LIMITS.frameBufferBytes) {
      this.framesDropped++;
      return;
    }
    this.framesSent++;
    this.socket.send(buf, { binary: true });
  }

  /** A metrics batch: sent now (as the shared serialized text) or merged into this client's pending one. */
  metrics(msg: MetricsMessage, text: string): void {
    if (!this.open) return;
    const pending = this.pendingMetrics.get(msg.runId);
    if (!pending && this.socket.bufferedAmount <= CLIENT_LIMITS.textBufferBytes) {
      this.socket.send(text);
      return;
    }
    this.pendingMetrics.set(
      msg.runId,
      pending ? mergeMetrics(pending, msg) : { ...msg, records: [...msg.records] },
    );
  }

  episodes(msg: EpisodeMessage, text: string): void {
    if (!this.open) return;
    const pending = this.pendingEpisodes.get(msg.runId);
    if (!pending && this.socket.bufferedAmount <= CLIENT_LIMITS.textBufferBytes) {
      this.socket.send(text);
      return;
    }
    this.pendingEpisodes.set(
      msg.runId,
      pending ? mergeEpisodes(pending, msg) : { ...msg, episodes: [...msg.episodes] },
    );
  }

  /** Sends coalesced batches once the backlog has drained. */
  flushPending(): void {
    if (!this.open || this.socket.bufferedAmount > CLIENT_LIMITS.textBufferBytes) return;
    for (const m of this.pendingMetrics.values()) this.socket.send(JSON.stringify(m));
    for (const m of this.pendingEpisodes.values()) this.socket.send(JSON.stringify(m));
    this.pendingMetrics.clear();
    this.pendingEpisodes.clear();
  }

  get hasPending(): boolean {
    return this.pendingMetrics.size > 0 || this.pendingEpisodes.size > 0;
  }

  dropRun(runId: string): void {
    this.subs.delete(runId);
    this.pendingMetrics.delete(runId);
    this.pendingEpisodes.delete(runId);
  }
}

function mergeMetrics(a: MetricsMessage, b: MetricsMessage): MetricsMessage {
  const all = [...a.records, ...b.records];
  const keep = all.slice(-CLIENT_LIMITS.coalescedRecords);
  return { ...b, records: keep, dropped: (a.dropped ?? 0) + (b.dropped ?? 0) + (all.length - keep.length) };
}

function mergeEpisodes(a: EpisodeMessage, b: EpisodeMessage): EpisodeMessage {
  const all = [...a.episodes, ...b.episodes];
  const keep = all.slice(-CLIENT_LIMITS.coalescedRecords);
  return { ...b, episodes: keep, dropped: (a.dropped ?? 0) + (b.dropped ?? 0) + (all.length - keep.length) };
}
