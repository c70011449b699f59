import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags, UsageError } from '../args.ts';
import { SERVE_FLAGS, serveWith } from './serve.ts';

export const START_USAGE = `gymlab start [--port 8080] [--host 127.0.0.1] [--runs ./runs] [--no-demo] [--demo-speed realtime|max|replay]
             [--no-build] [--json] (and every other \`gymlab serve\` flag)
  The main job (\`npm start\`): builds the viewer if its sources are newer than viewer/dist, then serves it with a
  LunarLander-v3 DQN demo run already training, on port 8080 or the first free port after it, and prints the
  URL to open.`;

const VIEWER_DIR = fileURLToPath(new URL('../../../viewer', import.meta.url));
/** Ports tried after --port when it is taken. */
const PORT_SEARCH = 20;

export async function startCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...SERVE_FLAGS,
    'no-build': { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(`${START_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (!values['no-build']) await buildViewerIfStale(VIEWER_DIR, values.json);
  const { 'no-build': _, ...serveValues } = values;
  return serveWith(serveValues, { defaultPort: 8080, portSearch: PORT_SEARCH });
}

/** Newest modification time of the files under `dir`, skipping build output and dependencies. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds viewer/ with Vite's JS API when it has an index.html and viewer/dist is missing or older than the
 * sources. The server serves viewer/dist at /; without a viewer it serves its built-in status page.
 */
export async function buildViewerIfStale(viewerDir: string, quiet: boolean): Promise<boolean> {
  if (!existsSync(join(viewerDir, 'index.html'))) return false;
  const distIndex = join(viewerDir, 'dist', 'index.html');
  if (existsSync(distIndex) && statSync(distIndex).mtimeMs >= newestSource(viewerDir)) return false;
  if (!quiet) process.stderr.write('gymlab start: building the viewer (viewer/ → viewer/dist)…\n');
  const { build } = await import('vite');
  await build({ root: viewerDir, logLevel: quiet ? 'silent' : 'warn' });
  return true;
}
