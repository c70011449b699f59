import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../envs/core/rng.ts';
import { ERROR_CODES, type MetricsMessage, type RunInfo } from '../../server/protocol/messages.ts';
import {
  api,
  removeDir,
  type ServerProcess,
  startServerProcess,
  TestClient,
  tinyCartPole,
} from './helpers.ts';

let server: ServerProcess;
let client: TestClient;
let runId: string;

beforeAll(async () => {
  server = await startServerProcess();
  client = await TestClient.connect(server);
  runId = await client.createRun(tinyCartPole({ steps: 5_000_000 }));
  await client.ack({ type: 'subscribe', runId, channels: ['metrics', 'events'] });
  await client.runState(runId, (r) => r.status === 'running');
  await client.ack({ type: 'control', runId, action: 'pause' });
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
  if (server) removeDir(server.runsDir);
});

interface Case {
  /** Sent as is: a string is a text message, a Uint8Array a binary one. */
  data: string | Uint8Array;
  code: RegExp;
  message?: RegExp;
}

/** One hostile or malformed message, drawn from a family of ways a client can be wrong. */
function hostile(rng: Rng, live: string): Case {
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)]!;
  const junk = (n: number) =>
    Array.from({ length: n }, () => String.fromCharCode(rng.int(0x3000) + 1)).join('');
  const json = (v: unknown) => JSON.stringify(v);
  const ghost = `ghost__${rng.int(1e9)}`;
  const families: (() => Case)[] = [
    // Not JSON at all, or cut short.
    () => ({ data: junk(1 + rng.int(200)).replace(/^[\s[{"\d-tfn]/, '#'), code: /bad_json/ }),
    () => {
      const text = json({ type: 'setParams', runId: live, params: { gamma: 0.5 } });
      return { data: text.slice(0, 1 + rng.int(text.length - 2)), code: /bad_json/ };
    },
    // JSON, but not an object.
    () => ({ data: pick(['42', '"hello"', '[1,2,3]', 'true', 'null', '[]', '-0.5e9']), code: /bad_json/ }),
    // No type, a wrong type, an unknown type (including Object.prototype's names).
    () => ({ data: json({ runId: live }), code: /invalid_message/, message: /'type' is required/ }),
    () => ({
      data: json({ type: pick([1, null, {}, [], true]) }),
      code: /invalid_message/,
      message: /'type' must be a string/,
    }),
    () => ({
      data: json({
        type: pick([
          '__proto__',
          'constructor',
          'toString',
          'hasOwnProperty',
          junk(8),
          'HELLO',
          'subscribe ',
        ]),
      }),
      code: /unknown_type/,
      message: /unknown message type .*; valid: hello, listRuns, createRun/,
    }),
    // Required fields missing.
    () =>
      pick([
        { data: json({ type: 'hello' }), code: /invalid_message/, message: /'protocolVersion' is required/ },
        { data: json({ type: 'subscribe' }), code: /invalid_message/, message: /'runId' is required/ },
        { data: json({ type: 'control', runId: live }), code: /invalid_message/, message: /'action'/ },
        {
          data: json({ type: 'setParams', runId: live }),
          code: /invalid_message/,
          message: /'params' is required/,
        },
        {
          data: json({ type: 'createRun', kind: 'dqn' }),
          code: /invalid_message/,
          message: /'config' is required/,
        },
        {
          data: json({ type: 'createRun', config: { env: 'CartPole-v1' } }),
          code: /invalid_message/,
          message: /'kind' must be one of "dqn"/,
        },
        {
          data: json({ type: 'createRun', kind: 'dqn', config: {} }),
          code: /invalid_message/,
          message: /'config\.env' is required/,
        },
      ]),
    // Values out of range: live parameters…
    () => {
      const [field, value, range] = pick([
        ['gamma', 1.5, /\[0, 1\)/],
        ['gamma', -0.1, /\[0, 1\)/],
        ['gamma', 1, /\[0, 1\)/],
        ['epsilon', 2, /\[0, 1\]/],
        ['learningRate', 0, /\(0, 1\]/],
        ['learningRate', 7, /\(0, 1\]/],
        ['tau', -1, /\(0, 1\]/],
        ['gamma', '0.9', /number/],
        ['speed', 'warp', /"max", "realtime", "replay"/],
        ['replaySource', 'worst', /"latest", "best"/],
      ] as const);
      return {
        data: json({ type: 'setParams', runId: live, params: { [field]: value } }),
        code: /invalid_message/,
        message: new RegExp(`'params\\.${field}' must .*${range.source}`),
      };
    },
    // …control arguments…
    () => {
      const [field, value] = pick([
        ['count', 0],
        ['count', 10_001],
        ['count', 1.5],
        ['totalSteps', -5],
        ['action', 'explode'],
        ['action', 3],
      ] as const);
      const action = field === 'action' ? value : 'step';
      return {
        data: json({ type: 'control', runId: live, action, [field]: value }),
        code: /invalid_message/,
        message: new RegExp(`'${field}'`),
      };
    },
    // …and run configs, checked like the CLI checks them (nothing is created).
    () => {
      const [config, message] = pick([
        [{ env: 'CartPole-v1', seed: -1 }, /'config\.seed' must be ≥ 0/],
        [{ env: 'CartPole-v1', seed: 2 ** 31 }, /'config\.seed' must be ≤ 2147483647/],
        [{ env: 'CartPole-v1', numEnvs: 65 }, /'config\.numEnvs' must be ≤ 64/],
        [{ env: 'CartPole-v1', steps: 0 }, /'config\.steps' must be ≥ 1/],
        [{ env: 'CartPole-v1', batchSize: -64 }, /'batchSize' must be in \[1, 65536\] \(got -64\)/],
        [{ env: 'CartPole-v1', gamma: 1.5 }, /'gamma' must be in \[0, 1\) \(got 1\.5\)/],
        [{ env: 'CartPole-v1', hiddenSizes: [0] }, /'hiddenSizes\.0'/],
        [{ env: 'CartPole-v1', colour: 'red' }, /unknown field 'colour'/],
        [{ env: 'CartPole-v1', envOptions: { gravity: -3 } }, /'gravity'/],
        [{ env: 'Pong-v5' }, /'env' must be one of LunarLander-v3/],
        [{ env: 'LunarLanderContinuous-v3' }, /continuous actions; DQN needs a discrete/],
      ] as const);
      return {
        data: json({ type: 'createRun', kind: 'dqn', config }),
        code: /invalid_message|invalid_config/,
        message,
      };
    },
    // Unknown run ids (well-formed and not), and path-like ones.
    () => {
      const msg = pick([
        { type: 'subscribe', runId: ghost },
        { type: 'unsubscribe', runId: ghost },
        { type: 'control', runId: ghost, action: 'pause' },
        { type: 'setParams', runId: ghost, params: { gamma: 0.5 } },
        { type: 'deleteRun', runId: ghost },
      ]);
      return { data: json(msg), code: /unknown_run/, message: new RegExp(`unknown runId "${ghost}"`) };
    },
    () => ({
      data: json({
        type: pick(['subscribe', 'deleteRun']),
        runId: pick(['../../etc', '/tmp/x', '.', '', 'a/b']),
      }),
      code: /invalid_message/,
      message: /'runId'/,
    }),
    // Unknown fields, wrong shapes.
    () => ({
      data: json({ type: 'listRuns', [junk(5)]: 1 }),
      code: /invalid_message/,
      message: /unknown field/,
    }),
    () => ({
      data: json({ type: 'subscribe', runId: live, channels: pick([['video'], 'frames', [], [1]]) }),
      code: /invalid_message/,
      message: /'channels/,
    }),
    () => ({
      data: `{"type":"setParams","runId":"${live}","params":{"__proto__":{"gamma":0.5}}}`,
      code: /invalid_message/,
    }),
    () => ({
      data: json({ type: 'hello', protocolVersion: 99 }),
      code: /unsupported_version/,
      message: /speaks version 2/,
    }),
    () => ({
      data: json({ type: 'listRuns', requestId: 'x'.repeat(65) }),
      code: /invalid_message/,
      message: /'requestId'/,
    }),
    // Oversized, deeply nested, binary.
    () => ({
      data: json({
        type: 'setParams',
        runId: live,
        params: { gamma: 0.5 },
        pad: 'x'.repeat(65 * 1024 + rng.int(10_000)),
      }),
      code: /too_large/,
      message: /over the 65536-byte limit/,
    }),
    () => ({ data: '['.repeat(20_000 + rng.int(40_000)), code: /bad_json/ }),
    () => ({
      data: Uint8Array.from({ length: 1 + rng.int(4000) }, () => rng.int(256)),
      code: /binary_refused/,
    }),
  ];
  return families[rng.int(families.length)]!();
}

describe('training server: hostile input', () => {
  it('answers 1,000 fuzzed malformed or hostile messages each with an error, changes nothing and keeps serving', async () => {
    const rng = new Rng(20_240_601);
    const dirsBefore = readdirSync(server.runsDir).sort();
    const before = (await client.request({ type: 'listRuns' })) as { runs: RunInfo[] };
    const codes = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const c = hostile(rng, runId);
      const replyP = client.next(
        (m) => m.type === 'error' || m.type === 'ack' || m.type === 'welcome',
        10_000,
      );
      client.ws.send(c.data, { binary: typeof c.data !== 'string' });
      const reply = await replyP;
      const sent = typeof c.data === 'string' ? c.data.slice(0, 200) : `<${c.data.length} binary bytes>`;
      expect(reply.type, `message ${i}: ${sent}`).toBe('error');
      if (reply.type !== 'error') continue;
      expect(ERROR_CODES).toContain(reply.code);
      expect(reply.code, `message ${i}: ${sent} → ${reply.message}`).toMatch(c.code);
      if (c.message) expect(reply.message, `message ${i}: ${sent}`).toMatch(c.message);
      codes.set(reply.code, (codes.get(reply.code) ?? 0) + 1);
    }
    // Every family came up.
    expect(codes.size).toBeGreaterThanOrEqual(8);
    // Nothing changed: no run created, the live run still paused with its γ, and no event went out.
    expect(readdirSync(server.runsDir).sort()).toEqual(dirsBefore);
    const after = (await client.request({ type: 'listRuns' })) as { runs: RunInfo[] };
    expect(after.runs.map((r) => r.id)).toEqual(before.runs.map((r) => r.id));
    expect(after.runs.find((r) => r.id === runId)!.status).toBe('paused');
    expect(
      client.messages.filter((m) => m.type === 'event' && m.events.some((e) => e.name !== 'control')),
    ).toEqual([]);
    await client.ack({ type: 'control', runId, action: 'resume' });
    const metrics = await client.next<MetricsMessage>((m) => m.type === 'metrics' && m.runId === runId);
    expect(metrics.params.gamma).toBe(0.99);
    // The same connection and new ones are still served.
    expect((await client.hello()).type).toBe('welcome');
    const other = await TestClient.connect(server);
    expect((await other.hello()).type).toBe('welcome');
    await other.close();
    expect((await api(server, '/api/health')).json()).toMatchObject({ ok: true });
    expect(client.invalid).toEqual([]);
  });

  it('a message above the hard limit (1 MiB) closes that connection (1009) and only that one', async () => {
    const victim = await TestClient.connect(server);
    const closed = new Promise<number>((resolve) => victim.ws.once('close', (code) => resolve(code)));
    victim.send('x'.repeat(1024 * 1024 + 10));
    expect(await closed).toBe(1009);
    expect((await client.request({ type: 'listRuns' })).type).toBe('runList');
  });
});
