import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { isRewardWeighted } from '../envs/core/env.ts';
import { Discrete } from '../envs/core/spaces.ts';
import { unwrap } from '../envs/core/wrapper.ts';
import { listEnvs, makeEnv } from '../envs/registry.ts';
import { checkAccess, generateToken, isTrustedHost } from './http/access.ts';
import { handleApi, isApiPath, sendError } from './http/rest.ts';
import { serveStatic } from './http/static-files.ts';
import { type EnvInfo, PROTOCOL_VERSION, type SpeedMode, WS_PATH } from './protocol/messages.ts';
import { RunManager } from './training/run-manager.ts';
import { lockRunsDir } from './training/runs-lock.ts';
import { Hub } from './ws/hub.ts';

export interface ServerOptions {
  host: string;
  port: number;
  /** Try this many following ports when `port` is taken (0: fail at once). */
  portSearch?: number;
  runsDir: string;
  /** null: none. Undefined: none on 127.0.0.1 / ::1 / localhost, a generated one elsewhere. */
  token?: string | null;
  maxRuns: number;
  frameHz?: number;
  heartbeatMs?: number;
  maxClients?: number;
  /** Start (or resume) a LunarLander-v3 DQN run at this speed once listening; false: no demo. */
  demo?: false | SpeedMode;
  allowedOrigins?: string[];
  viewerDist?: string;
  backend?: string;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  runsDir: string;
  token: string | null;
  tokenGenerated: boolean;
  demoRunId: string | null;
  manager: RunManager;
  hub: Hub;
  /** Stops every run with a final checkpoint, closes all connections and the listening socket. */
  close(): Promise<void>;
}

export const SERVER_VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
const DEFAULT_VIEWER_DIST = fileURLToPath(new URL('../viewer/dist', import.meta.url));
const DEMO_ENV = 'LunarLander-v3';
const DEMO_STEPS = 5_000_000;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const tokenRequired = !isTrustedHost(options.host);
  let token = options.token ?? null;
  const tokenGenerated = options.token === undefined && tokenRequired;
  if (tokenGenerated) token = generateToken();
  if (tokenRequired && !token) {
    throw new RangeError(
      `--host ${options.host} is not a loopback address: it needs a token (--token, or omit it to generate one)`,
    );
  }
  const frameHz = options.frameHz ?? 30;
  mkdirSync(options.runsDir, { recursive: true });
  const unlock = lockRunsDir(options.runsDir);
  try {
    return await serve(options, { token, tokenGenerated, frameHz, unlock });
  } catch (err) {
    unlock();
    throw err;
  }
}

async function serve(
  options: ServerOptions,
  ctx: { token: string | null; tokenGenerated: boolean; frameHz: number; unlock: () => void },
): Promise<RunningServer> {
  const { token, tokenGenerated, frameHz } = ctx;
  const manager = new RunManager({
    runsDir: options.runsDir,
    maxRuns: options.maxRuns,
    frameHz,
    backend: options.backend,
    fault: process.env['GYMLAB_FAULT'],
  });
  const hub = new Hub({
    manager,
    version: SERVER_VERSION,
    frameHz,
    envs: envInfos(),
    heartbeatMs: options.heartbeatMs ?? 15_000,
    maxClients: options.maxClients ?? 1000,
  });
  const policy = { host: options.host, token, allowedOrigins: options.allowedOrigins ?? [] };
  const viewerDist = options.viewerDist ?? DEFAULT_VIEWER_DIST;
  const started = performance.now();
  const health = () => {
    const mem = process.memoryUsage();
    const runs = manager.list();
    return {
      ok: true,
      version: SERVER_VERSION,
      protocolVersion: PROTOCOL_VERSION,
      uptimeSeconds: (performance.now() - started) / 1000,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      /** Main-thread ArrayBuffers and Buffers, including every client's send queue. */
      externalBytes: mem.external,
      ...hub.stats(),
      runs: {
        total: runs.length,
        active: manager.activeCount,
        queued: runs.filter((r) => r.status === 'queued').length,
      },
    };
  };

  const server = createServer((req, res) => {
    void handleHttp(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 'internal', `internal error: ${(err as Error).message}`);
      else res.destroy();
    });
  });
  const handleHttp = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://server.invalid');
    const mutating = req.method !== 'GET' && req.method !== 'HEAD';
    // The page and its assets carry no secrets and a browser cannot attach the token to `<script src>`
    // requests, so only the API needs it; Host and Origin are checked for everything.
    const denied = checkAccess(req, url, policy, { checkOrigin: mutating, needsToken: isApiPath(url) });
    if (denied) {
      sendError(res, denied.code, denied.message);
      return;
    }
    if (await handleApi(req, res, url, manager, health)) return;
    serveStatic(req, res, url, viewerDist, SERVER_VERSION);
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://server.invalid');
    const refuse = (status: number, message: string) => {
      const body = JSON.stringify({ type: 'error', message });
      socket.end(
        `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : 'Service Unavailable'}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    };
    if (url.pathname !== WS_PATH) return refuse(404, `the WebSocket endpoint is ${WS_PATH}`);
    const denied = checkAccess(req, url, policy, { checkOrigin: true });
    if (denied) return refuse(denied.status, denied.message);
    if (hub.full) return refuse(503, 'too many connections');
    hub.upgrade(req, socket, head);
  });

  let port: number;
  try {
    port = await listen(server, options.host, options.port, options.portSearch ?? 0);
  } catch (err) {
    hub.close();
    throw err;
  }
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${hostForUrl}:${port}/`;

  let demoRunId: string | null = null;
  if (options.demo) demoRunId = startDemo(manager, options.demo);

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      server.close();
      await manager.shutdown();
      hub.close();
      await new Promise((r) => setTimeout(r, 50));
      server.closeAllConnections();
      ctx.unlock();
    })();
    return closing;
  };
  return {
    url,
    host: options.host,
    port,
    runsDir: manager.runsDir,
    token,
    tokenGenerated,
    demoRunId,
    manager,
    hub,
    close,
  };
}

async function listen(server: Server, host: string, port: number, search: number): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      await new Promise<void>((resolvePromise, reject) => {
        const onError = (err: Error) => {
          server.off('listening', onListening);
          reject(err);
        };
        const onListening = () => {
          server.off('error', onError);
          resolvePromise();
        };
        server.once('error', onError);
        server.once('listening', onListening);
        server.listen(port === 0 ? 0 : port + attempt, host);
      });
      return (server.address() as AddressInfo).port;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' && attempt < search && port !== 0) continue;
      if (code === 'EADDRINUSE') throw new RangeError(`port ${port + attempt} on ${host} is in use`);
      if (code === 'EADDRNOTAVAIL') throw new RangeError(`--host ${host} is not an address of this machine`);
      throw err;
    }
  }
}

/** Resumes the newest demo run that has not ended, or creates one. */
function startDemo(manager: RunManager, speed: SpeedMode): string {
  const resumable = manager
    .list()
    .filter((r) => r.demo && r.env === DEMO_ENV && (r.status === 'stopped' || r.status === 'paused'))
    .at(-1);
  if (resumable) {
    void manager.setParams(resumable.id, { speed });
    void manager.control(resumable.id, 'resume');
    return resumable.id;
  }
  // The demo keeps training after it solves (with a long budget): whoever opens the viewer late still finds a
  // live run whose curve answers a change of γ or a reward weight.
  const run = manager.create(
    { env: DEMO_ENV, seed: 0, steps: DEMO_STEPS, stopWhenSolved: false },
    { speed, demo: true },
  );
  return run.id;
}

function envInfos(): EnvInfo[] {
  return listEnvs().map((spec) => {
    const env = makeEnv(spec.id);
    env.reset({ seed: 0 });
    const inner = unwrap(env);
    const info: EnvInfo = {
      id: spec.id,
      description: spec.description,
      renderFps: env.metadata.renderFps,
      renderKind: env.renderState().kind,
      discreteActions: env.actionSpace instanceof Discrete,
      rewardWeights: isRewardWeighted(inner) ? { ...inner.getRewardWeights() } : null,
    };
    env.close();
    return info;
  });
}
