import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClientOptions, WebSocket } from 'ws';
import {
  type DecodedFrame,
  decodeFrame,
  type FrameHeader,
  readFrameHeader,
} from '../../server/protocol/frames.ts';
import {
  type AckMessage,
  type ErrorMessage,
  PROTOCOL_VERSION,
  type ServerMessage,
  serverMessageSchema,
} from '../../server/protocol/messages.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

const BIN = fileURLToPath(new URL('../../server/cli/gymlab.mjs', import.meta.url));

export function tempRunsDir(): string {
  return mkdtempSync(join(tmpdir(), 'gymlab-server-test-'));
}

export interface ServerProcess {
  url: string;
  port: number;
  host: string;
  runsDir: string;
  token?: string;
  proc: ChildProcess;
  stderr(): string;
  /** Sends the signal and resolves with the exit code (kills after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/**
 * Starts `gymlab serve --json` (or another command) in a child process on a free loopback port and resolves
 * once it prints its one JSON line.
 */
export async function startServerProcess(
  args: string[] = [],
  options: {
    env?: Record<string, string>;
    runsDir?: string;
    command?: string[];
    demo?: boolean;
    /** How long to wait for the listening line (`start` may build the viewer first). */
    startTimeoutMs?: number;
  } = {},
): Promise<ServerProcess> {
  const runsDir = options.runsDir ?? tempRunsDir();
  const command = options.command ?? ['serve'];
  const proc = spawn(
    process.execPath,
    [
      BIN,
      ...command,
      '--json',
      '--port',
      '0',
      ...(options.demo ? [] : ['--no-demo']),
      '--runs',
      runsDir,
      '--max-runs',
      '4',
      ...args,
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, FORCE_COLOR: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const line = await new Promise<string>((resolve, reject) => {
    const waitMs = options.startTimeoutMs ?? 30_000;
    const timer = setTimeout(
      () => reject(new Error(`server did not start in ${waitMs / 1000} s; stderr:\n${stderr}`)),
      waitMs,
    );
    proc.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const nl = stdout.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, nl));
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening; stderr:\n${stderr}`));
    });
  });
  const info = JSON.parse(line) as {
    url: string;
    port: number;
    host: string;
    runsDir: string;
    token?: string;
  };
  return {
    ...info,
    proc,
    stderr: () => stderr,
    stop: async (signal = 'SIGTERM', timeoutMs = 30_000) => {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** GET/POST against the server's REST API with the token when it has one. */
export async function api(
  server: Pick<ServerProcess, 'url' | 'token'>,
  path: string,
  init: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
): Promise<{ status: number; text: string; json: () => Record<string, unknown>; headers: Headers }> {
  const token = init.token === undefined ? server.token : init.token;
  const headers: Record<string, string> = { ...init.headers };
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(new URL(path, server.url), {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: () => JSON.parse(text) as Record<string, unknown>,
    headers: res.headers,
  };
}

type Predicate<T> = (m: T) => boolean;

/**
 * A real `ws` client that keeps every message it receives, checks each text message against the protocol's
 * server-message schema (a malformed message fails the test) and decodes every binary frame.
 */
export class TestClient {
  readonly ws: WebSocket;
  readonly messages: ServerMessage[] = [];
  readonly frames: (DecodedFrame & { receivedAt: number })[] = [];
  readonly invalid: string[] = [];
  keepFrames = true;
  frameCount = 0;
  frameBytes = 0;
  lastFrameHeader: FrameHeader | null = null;
  private nextId = 1;
  private waiters: { pred: Predicate<ServerMessage>; resolve: (m: ServerMessage) => void }[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.frameCount++;
        this.frameBytes += (data as Buffer).byteLength;
        this.lastFrameHeader = readFrameHeader(data as Buffer);
        if (this.keepFrames) this.frames.push({ ...decodeFrame(data as Buffer), receivedAt: Date.now() });
        return;
      }
      const text = String(data);
      const parsed = serverMessageSchema.safeParse(JSON.parse(text));
      if (!parsed.success) {
        this.invalid.push(text);
        return;
      }
      const msg = parsed.data;
      this.messages.push(msg);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(msg)) return true;
        w.resolve(msg);
        return false;
      });
    });
  }

  static connect(
    server: Pick<ServerProcess, 'url' | 'token'>,
    options: ClientOptions & { token?: string | null; query?: string; protocols?: string[] } = {},
  ): Promise<TestClient> {
    const token = options.token === undefined ? server.token : options.token;
    const url = new URL('ws', server.url.replace(/^http/, 'ws'));
    if (token) url.searchParams.set('token', token);
    const ws = new WebSocket(`${url}${options.query ?? ''}`, options.protocols ?? [], options);
    const client = new TestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** The next message (already received or not) that matches. */
  waitFor<T extends ServerMessage = ServerMessage>(
    pred: Predicate<ServerMessage>,
    timeoutMs = 30_000,
    since = 0,
  ): Promise<T> {
    const found = this.messages.slice(since).find(pred);
    if (found) return Promise.resolve(found as T);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `no matching message within ${timeoutMs} ms; last: ${JSON.stringify(this.messages.slice(-3))}`,
          ),
        );
      }, timeoutMs);
      const done = (m: ServerMessage) => {
        clearTimeout(timer);
        resolve(m as T);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }

  /** Only messages that arrive from now on. */
  next<T extends ServerMessage = ServerMessage>(
    pred: Predicate<ServerMessage>,
    timeoutMs = 30_000,
  ): Promise<T> {
    return this.waitFor<T>(pred, timeoutMs, this.messages.length);
  }

  /** Sends a request with a fresh requestId and resolves with its ack, welcome, runList or error. */
  async request(msg: Record<string, unknown>, timeoutMs = 30_000): Promise<ServerMessage> {
    const requestId = `r${this.nextId++}`;
    const reply = this.next((m) => 'requestId' in m && m.requestId === requestId, timeoutMs);
    this.send({ ...msg, requestId });
    return reply;
  }

  /** Like request, but fails the test unless the answer is an ack. */
  async ack(msg: Record<string, unknown>, timeoutMs = 30_000): Promise<AckMessage> {
    const reply = await this.request(msg, timeoutMs);
    if (reply.type !== 'ack')
      throw new Error(`expected an ack for ${JSON.stringify(msg)}, got ${JSON.stringify(reply)}`);
    return reply;
  }

  async error(msg: Record<string, unknown> | string, timeoutMs = 10_000): Promise<ErrorMessage> {
    if (typeof msg === 'string') {
      const reply = this.next((m) => m.type === 'error', timeoutMs);
      this.send(msg);
      return reply as Promise<ErrorMessage>;
    }
    const reply = await this.request(msg, timeoutMs);
    if (reply.type !== 'error')
      throw new Error(`expected an error for ${JSON.stringify(msg)}, got ${JSON.stringify(reply)}`);
    return reply;
  }

  hello(): Promise<ServerMessage> {
    return this.request({ type: 'hello', protocolVersion: PROTOCOL_VERSION });
  }

  /** Creates a DQN run and resolves with its id. */
  async createRun(config: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
    const ack = await this.ack({ type: 'createRun', kind: 'dqn', config, ...extra });
    return ack.runId!;
  }

  /** Resolves once a runState of `runId` satisfies `pred`. */
  runState(
    runId: string,
    pred: (s: Extract<ServerMessage, { type: 'runState' }>['run']) => boolean,
    timeoutMs = 60_000,
  ) {
    return this.waitFor<Extract<ServerMessage, { type: 'runState' }>>(
      (m) => m.type === 'runState' && m.run.id === runId && pred(m.run),
      timeoutMs,
    );
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
      setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 2000).unref();
    });
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small CartPole DQN config that trains fast (and keeps training once solved, so tests control its end). */
export function tinyCartPole(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    env: 'CartPole-v1',
    seed: 1,
    steps: 200_000,
    hiddenSizes: [16],
    bufferSize: 5000,
    batchSize: 32,
    learningStarts: 200,
    stopWhenSolved: false,
    ...extra,
  };
}
