import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { ParamChange } from '../../agents/dqn/live-params.ts';
import type { EpisodeRecord } from '../../agents/dqn/trainer.ts';
import {
  type Channel,
  type EnvInfo,
  type EpisodeMessage,
  MAX_MESSAGE_BYTES,
  type MetricsMessage,
  PROTOCOL_VERSION,
  ProtocolError,
  parseClientMessage,
  type ReplayMessage,
  type RunInfo,
  type WelcomeMessage,
} from '../protocol/messages.ts';
import type { RunListener, RunManager } from '../training/run-manager.ts';
import { CLIENT_LIMITS, Client } from './client.ts';
import { handleMessage } from './handlers.ts';

/** ws closes a connection (1009) above this; between MAX_MESSAGE_BYTES and this a message gets `too_large`. */
export const HARD_MESSAGE_BYTES = 1024 * 1024;

export interface HubOptions {
  manager: RunManager;
  version: string;
  frameHz: number;
  envs: EnvInfo[];
  /** Ping every this many ms; a client that has not answered the previous ping is closed. */
  heartbeatMs: number;
  maxClients: number;
}

/** Counters for /api/health and the benchmark. */
export interface HubStats {
  clients: number;
  framesSent: number;
  framesDropped: number;
  bufferedBytes: number;
}

/**
 * The WebSocket side: accepts authenticated upgrades, parses and answers client messages, and fans the run
 * manager's news out to subscribers — each text batch serialized once, each frame encoded once and sent as the
 * same buffer to everyone, with per-client backlog limits (see client.ts).
 */
export class Hub implements RunListener {
  readonly manager: RunManager;
  private readonly opts: HubOptions;
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<Client>();
  private nextId = 1;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private readonly flusher: ReturnType<typeof setInterval>;
  private framesSentClosed = 0;
  private framesDroppedClosed = 0;

  constructor(options: HubOptions) {
    this.opts = options;
    this.manager = options.manager;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: HARD_MESSAGE_BYTES,
      perMessageDeflate: false,
      // Browsers may send the token as a subprotocol next to 'gymlab'; answer with 'gymlab', never the token.
      handleProtocols: (protocols) => (protocols.has('gymlab') ? 'gymlab' : false),
    });
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.flusher = setInterval(() => {
      for (const c of this.clients) if (c.hasPending) c.flushPending();
    }, 100);
    this.manager.setListener(this);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  get full(): boolean {
    return this.clients.size >= this.opts.maxClients;
  }

  stats(): HubStats {
    let sent = this.framesSentClosed;
    let dropped = this.framesDroppedClosed;
    let buffered = 0;
    for (const c of this.clients) {
      sent += c.framesSent;
      dropped += c.framesDropped;
      buffered += c.socket.bufferedAmount;
    }
    return { clients: this.clients.size, framesSent: sent, framesDropped: dropped, bufferedBytes: buffered };
  }

  welcome(): WelcomeMessage {
    return {
      type: 'welcome',
      protocolVersion: PROTOCOL_VERSION,
      server: 'gymlab',
      version: this.opts.version,
      frameHz: this.opts.frameHz,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      envs: this.opts.envs,
      runs: this.manager.list(),
    };
  }

  /** Completes an upgrade the HTTP server has already authorized. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.connect(ws, req));
  }

  close(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.flusher);
    for (const c of this.clients) c.socket.close(1001, 'server shutting down');
    setTimeout(() => {
      for (const c of this.clients) c.socket.terminate();
    }, 500).unref();
    this.wss.close();
  }

  private connect(ws: WebSocket, req: IncomingMessage): void {
    const client = new Client(ws, this.nextId++, `${req.socket.remoteAddress}:${req.socket.remotePort}`);
    this.clients.add(client);
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (data, isBinary) => this.receive(client, data, isBinary));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => this.disconnect(client));
  }

  private disconnect(client: Client): void {
    if (!this.clients.delete(client)) return;
    this.framesSentClosed += client.framesSent;
    this.framesDroppedClosed += client.framesDropped;
    const watched = [...client.subs.keys()];
    client.subs.clear();
    for (const runId of watched) this.framesSubscribersChanged(runId);
  }

  private beat(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        c.socket.terminate();
        this.disconnect(c);
        continue;
      }
      c.alive = false;
      c.socket.ping();
    }
  }

  private receive(client: Client, data: RawData, isBinary: boolean): void {
    client.alive = true;
    if (!client.allowMessage()) {
      client.error(
        'rate_limited',
        `more than ${CLIENT_LIMITS.ratePerSecond} messages per second (burst ${CLIENT_LIMITS.rateBurst}); this one was ignored`,
      );
      return;
    }
    if (isBinary) {
      client.error('binary_refused', 'binary messages are server → client only (frames); send JSON text');
      return;
    }
    const size = rawSize(data);
    if (size > MAX_MESSAGE_BYTES) {
      client.error('too_large', `message of ${size} bytes is over the ${MAX_MESSAGE_BYTES}-byte limit`);
      return;
    }
    const text = rawText(data);
    let msg: ReturnType<typeof parseClientMessage>;
    try {
      msg = parseClientMessage(text);
    } catch (err) {
      this.replyError(client, err);
      return;
    }
    handleMessage(this, client, msg).catch((err: unknown) => this.replyError(client, err, msg.requestId));
  }

  private replyError(client: Client, err: unknown, requestId?: ProtocolError['requestId']): void {
    if (err instanceof ProtocolError) {
      client.error(err.code, err.message, err.requestId ?? requestId);
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    client.error('internal', `internal error: ${message}`, requestId);
  }

  /** Tells the manager whether a run still has frame watchers (workers pack frames only then). */
  framesSubscribersChanged(runId: string): void {
    let any = false;
    for (const c of this.clients) {
      if (c.wants(runId, 'frames')) {
        any = true;
        break;
      }
    }
    this.manager.setFramesWanted(runId, any);
  }

  private subscribers(runId: string, channel: Channel): Client[] {
    const out: Client[] = [];
    for (const c of this.clients) if (c.wants(runId, channel)) out.push(c);
    return out;
  }

  // ─── RunListener ────────────────────────────────────────────────────────────────────────────────────

  runState(run: RunInfo): void {
    const text = JSON.stringify({ type: 'runState', run });
    for (const c of this.clients) c.send(text);
  }

  runRemoved(runId: string): void {
    const text = JSON.stringify({ type: 'runRemoved', runId });
    for (const c of this.clients) {
      c.dropRun(runId);
      c.send(text);
    }
  }

  metrics(msg: MetricsMessage): void {
    const subs = this.subscribers(msg.runId, 'metrics');
    if (subs.length === 0) return;
    const text = JSON.stringify(msg);
    for (const c of subs) c.metrics(msg, text);
  }

  episodes(runId: string, episodes: EpisodeRecord[]): void {
    const subs = this.subscribers(runId, 'episodes');
    if (subs.length === 0) return;
    const msg: EpisodeMessage = { type: 'episode', runId, episodes };
    const text = JSON.stringify(msg);
    for (const c of subs) c.episodes(msg, text);
  }

  event(runId: string, step: number, events: ParamChange[]): void {
    const subs = this.subscribers(runId, 'events');
    if (subs.length === 0) return;
    const text = JSON.stringify({ type: 'event', runId, step, events });
    for (const c of subs) c.send(text);
  }

  frame(runId: string, frame: ArrayBuffer): void {
    for (const c of this.clients) if (c.wants(runId, 'frames')) c.frame(frame);
  }

  replay(msg: ReplayMessage): void {
    const text = JSON.stringify(msg);
    for (const c of this.subscribers(msg.runId, 'frames')) c.send(text);
  }
}

function rawSize(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((s, b) => s + b.byteLength, 0);
  return data.byteLength;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
