import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseThreads } from '../../models/backend-choices.ts';
import { parseSingleJson, runCli } from '../helpers/cli.ts';

// The MNIST classifier comes from the models directory test/global-setup.ts prepared (GYMLAB_MODELS_DIR).
function trainImage(threads: string, out: string) {
  return runCli([
    'train',
    'gan',
    '--variant',
    'gan',
    '--data',
    'mnist:3',
    '--steps',
    '3',
    '--eval-every',
    '3',
    '--seed',
    '5',
    '--set',
    'gChannels=4',
    '--set',
    'dChannels=4',
    '--set',
    'batchSize=16',
    '--set',
    'evalSamples=64',
    '--threads',
    threads,
    '--out',
    out,
    '--json',
  ]);
}

describe('wasm backend threads', () => {
  it('parses counts 1–8 and auto; refuses the rest naming the field and range', () => {
    expect(parseThreads('1')).toBe(1);
    expect(parseThreads('8')).toBe(8);
    expect(parseThreads('auto')).toBe('auto');
    for (const bad of ['0', '9', '1.5', 'two', '']) {
      expect(() => parseThreads(bad)).toThrow(/threads must be an integer in \[1, 8\] or 'auto'/);
    }
    expect(() => parseThreads('0', 'GYMLAB_WASM_THREADS')).toThrow(/^GYMLAB_WASM_THREADS must be/);
  });

  it('a two-thread image run trains to exactly the one-thread result and records its threads', {
    timeout: 240_000,
  }, () => {
    const base = mkdtempSync(join(tmpdir(), 'gymlab-threads-'));
    const results = ['1', '2'].map((threads) => {
      const out = join(base, `t${threads}`);
      const r = trainImage(threads, out);
      expect(r.status, r.stderr).toBe(0);
      const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as {
        backend: { threads: number };
      };
      expect(config.backend.threads).toBe(Number(threads));
      return parseSingleJson(r.stdout);
    });
    for (const key of ['inceptionScore', 'frechetDistance', 'classCoverage']) {
      expect(results[1]![key], key).toBe(results[0]![key]);
    }
    expect(typeof results[0]!['inceptionScore']).toBe('number');
  });

  it('bench gan reports its threads; a bad --threads exits 2 before any work', { timeout: 120_000 }, () => {
    const bench = runCli([
      'bench',
      'gan',
      '--threads',
      '2',
      '--steps',
      '1',
      '--toy-steps',
      '1',
      '--peer',
      'off',
      '--json',
    ]);
    expect(bench.status, bench.stderr).toBe(0);
    expect(parseSingleJson(bench.stdout)).toMatchObject({ backend: 'wasm', threads: 2 });
    const bad = trainImage('9', join(mkdtempSync(join(tmpdir(), 'gymlab-threads-')), 'never'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/threads must be an integer in \[1, 8\] or 'auto' \(got '9'\)/);
  });
});
