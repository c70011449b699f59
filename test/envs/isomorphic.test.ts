import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../envs/evaluate.ts';
import { loadInWebSandbox } from '../helpers/browser-bundle.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

const ENVS_DIR = join(REPO_ROOT, 'envs');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sourceFiles(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

describe('envs/ is isomorphic (runs unchanged in a browser)', () => {
  it('imports nothing from Node', () => {
    const nodeOnly = /from ['"](node:|fs|path|os|child_process|worker_threads|crypto|url|util)['"/]/;
    const offenders = sourceFiles(ENVS_DIR).filter((f) => nodeOnly.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('a browser build of envs/ runs a lander episode with only web globals, identical to Node', async () => {
    const api = await loadInWebSandbox<{ evaluatePolicy: typeof evaluatePolicy }>(
      join(ENVS_DIR, 'index.ts'),
      {
        crypto: globalThis.crypto,
        performance,
        console,
      },
    );
    const opts = { envId: 'LunarLander-v3', policy: 'heuristic', episodes: 2, seed: 5 };
    const inBrowserBuild = api.evaluatePolicy(opts);
    const inNode = evaluatePolicy(opts);
    expect(inBrowserBuild.returns).toEqual(inNode.returns);
  }, 120_000);
});
