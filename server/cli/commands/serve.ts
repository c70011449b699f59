import { availableParallelism } from 'node:os';
import type { ParseArgsConfig } from 'node:util';
import { SPEED_MODES, type SpeedMode } from '../../protocol/messages.ts';
import { intFlag, parseFlags, UsageError } from '../args.ts';
import { printJson, printTable } from '../output.ts';

export const SERVE_USAGE = `gymlab serve [--port 8080] [--host 127.0.0.1] [--runs ./runs] [--token T] [--max-runs N] [--no-demo]
             [--demo-speed realtime|max|replay] [--frame-hz 30] [--heartbeat-ms 15000] [--allow-origin URL …]
             [--backend auto|wasm|cpu|…] [--json]
  The training server: HTTP + WebSocket (/ws) on one port. Each run trains in its own worker thread (at most
  --max-runs at once, default: the number of cores; more are queued); runs live in --runs and can be resumed
  after a restart. Starts a LunarLander-v3 DQN demo run unless --no-demo. Any --host other than 127.0.0.1,
  ::1 or localhost needs a token (generated and printed unless --token). Ctrl-C / SIGTERM stops every run
  with a final checkpoint. --json prints one line {"url","port","host","runsDir","token"?} once listening.
  Protocol and REST API: docs/protocol.md.`;

export const SERVE_FLAGS = {
  port: { type: 'string' },
  host: { type: 'string', default: '127.0.0.1' },
  runs: { type: 'string', default: 'runs' },
  token: { type: 'string' },
  'max-runs': { type: 'string' },
  'no-demo': { type: 'boolean', default: false },
  // Flat out by default so a newcomer sees the curve climb within a minute; the viewer switches modes.
  'demo-speed': { type: 'string', default: 'max' },
  'frame-hz': { type: 'string', default: '30' },
  'heartbeat-ms': { type: 'string', default: '15000' },
  'allow-origin': { type: 'string', multiple: true, default: [] as string[] },
  backend: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies NonNullable<ParseArgsConfig['options']>;

export interface ServeValues {
  port?: string;
  host: string;
  runs: string;
  token?: string;
  'max-runs'?: string;
  'no-demo': boolean;
  'demo-speed': string;
  'frame-hz': string;
  'heartbeat-ms': string;
  'allow-origin': string[];
  backend?: string;
  json: boolean;
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, SERVE_FLAGS);
  if (values.help) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  return serveWith(values, { defaultPort: 8080, portSearch: 0 });
}

/** Validates the flags, starts the server, prints where it listens and serves until SIGINT / SIGTERM. */
export async function serveWith(
  values: ServeValues,
  how: { defaultPort: number; portSearch: number },
): Promise<number> {
  const port = intFlag(values.port, 'port', 0, 65_535) ?? how.defaultPort;
  const maxRuns = intFlag(values['max-runs'], 'max-runs', 1, 256) ?? availableParallelism();
  const frameHz = intFlag(values['frame-hz'], 'frame-hz', 1, 1000)!;
  const heartbeatMs = intFlag(values['heartbeat-ms'], 'heartbeat-ms', 100, 600_000)!;
  const host = values.host.trim();
  if (host === '' || /[\s/]/.test(host))
    throw new UsageError(`--host must be an address or host name (got '${values.host}')`);
  if (values.token !== undefined && !/^[A-Za-z0-9._~-]{8,200}$/.test(values.token)) {
    throw new UsageError('--token must be 8–200 characters of letters, digits, ".", "_", "~", "-"');
  }
  const demoSpeed = values['demo-speed'] as SpeedMode;
  if (!SPEED_MODES.includes(demoSpeed)) {
    throw new UsageError(
      `--demo-speed must be one of ${SPEED_MODES.join(', ')} (got '${values['demo-speed']}')`,
    );
  }
  for (const origin of values['allow-origin']) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new UsageError(`--allow-origin must be an origin like http://example.com:5173 (got '${origin}')`);
    }
  }
  if (values.backend !== undefined) {
    const { parseBackendChoice } = await import('../../../models/backend-choices.ts');
    parseBackendChoice(values.backend);
  }
  const { startServer } = await import('../../server.ts');
  const server = await startServer({
    host,
    port,
    portSearch: how.portSearch,
    runsDir: values.runs,
    token: values.token,
    maxRuns,
    frameHz,
    heartbeatMs,
    demo: values['no-demo'] ? false : demoSpeed,
    allowedOrigins: values['allow-origin'],
    backend: values.backend,
  });
  const openUrl = server.token ? `${server.url}?token=${server.token}` : server.url;
  if (values.json) {
    printJson({
      url: server.url,
      port: server.port,
      host: server.host,
      runsDir: server.runsDir,
      ...(server.token ? { token: server.token } : {}),
      ...(server.demoRunId ? { demoRunId: server.demoRunId } : {}),
    });
  } else {
    const runs = server.manager.list().length;
    printTable(`gymlab server listening on ${server.url}`, [
      ['open', openUrl],
      ['runs', `${server.runsDir} (${runs} on disk)`],
      ['at once', `${maxRuns} runs (more are queued)`],
      ['demo', server.demoRunId ? `${server.demoRunId} (${demoSpeed})` : 'off'],
      ...(server.token
        ? [['token', `${server.token}${server.tokenGenerated ? ' (generated)' : ''}`] as [string, string]]
        : []),
    ]);
    process.stdout.write('Ctrl-C stops every run with a final checkpoint.\n');
  }
  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`gymlab serve: ${signal} again, exiting without waiting\n`);
        process.exit(1);
      }
      stopping = true;
      const live = server.manager.activeCount;
      process.stderr.write(`gymlab serve: ${signal}: stopping ${live} run(s) with a final checkpoint…\n`);
      void server.close().then(() => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        process.stderr.write('gymlab serve: stopped\n');
        // Nothing should be left running; if a stray handle is, it must not keep the process alive.
        setTimeout(() => process.exit(0), 2000).unref();
        resolveExit(0);
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
