import vm from 'node:vm';
import { build } from 'vite';
import { REPO_ROOT } from './cli.ts';

/**
 * Bundles `entry` for the browser with Vite (as the viewer's build would) and runs the bundle in a sandbox that
 * has only the web globals given — no `process`, `require` or `Buffer` — returning the module's exports. A module
 * that reaches for Node fails to build or to run here.
 */
export async function loadInWebSandbox<T>(entry: string, webGlobals: Record<string, unknown>): Promise<T> {
  const name = 'bundled';
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    root: REPO_ROOT,
    build: { write: false, minify: false, lib: { entry, formats: ['iife'], name } },
  });
  const outputs = (Array.isArray(out) ? out : [out]) as { output: { type: string; code?: string }[] }[];
  const chunk = outputs[0]!.output.find((o) => o.type === 'chunk')!;
  const sandbox: Record<string, unknown> = { ...webGlobals };
  sandbox['globalThis'] = sandbox;
  sandbox['window'] = sandbox;
  sandbox['self'] = sandbox;
  vm.createContext(sandbox);
  vm.runInContext(`${chunk.code}\n;globalThis.${name} = ${name};`, sandbox);
  return sandbox[name] as T;
}
