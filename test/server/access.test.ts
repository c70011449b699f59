import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { api, removeDir, type ServerProcess, sleep, startServerProcess, TestClient } from './helpers.ts';

const servers: ServerProcess[] = [];

afterAll(async () => {
  for (const s of servers) {
    await s.stop();
    removeDir(s.runsDir);
  }
});

async function serve(args: string[]): Promise<ServerProcess> {
  const s = await startServerProcess(args);
  servers.push(s);
  return s;
}

/** A raw HTTP request, so that Host and Origin can be set freely (fetch forbids both). */
function raw(
  server: ServerProcess,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: server.host,
        port: server.port,
        path,
        method,
        headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('training server: access control', () => {
  it('a bind other than 127.0.0.1 requires a token (generated when not given) for REST and WebSocket, not the page', async () => {
    const server = await serve(['--host', '127.0.0.2']);
    expect(server.host).toBe('127.0.0.2');
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+\/$/);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const none = await api(server, '/api/runs', { token: null });
    expect(none.status).toBe(401);
    expect(none.json()).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect((await api(server, '/api/runs', { token: 'wrong-token-123' })).status).toBe(401);
    expect((await api(server, '/api/runs')).status).toBe(200);
    expect((await api(server, `/api/runs?token=${server.token}`, { token: null })).status).toBe(200);
    // The page and its assets hold no secrets and a browser cannot attach the token to `<script src>`: they
    // are served without it (the page then passes ?token= to the API and the WebSocket); the API is not.
    const page = await api(server, '/', { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(page.text)?.[1];
    if (asset) {
      const js = await api(server, asset, { token: null });
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toMatch(/javascript/);
    }
    expect((await api(server, `/?token=${server.token}`, { token: null })).status).toBe(200);
    expect((await api(server, '/api/health', { token: null })).status).toBe(401);
    // Host is still checked for static files on a loopback-named bind.
    expect((await raw(server, '/', { host: 'evil.example.com' })).status).not.toBe(200);

    await expect(TestClient.connect(server, { token: null })).rejects.toThrow(/401/);
    await expect(TestClient.connect(server, { token: 'wrong-token-123' })).rejects.toThrow(/401/);
    const byQuery = await TestClient.connect(server);
    expect((await byQuery.hello()).type).toBe('welcome');
    const byProtocol = await TestClient.connect(server, {
      token: null,
      protocols: ['gymlab', `gymlab.token.${server.token}`],
    });
    // The server answers with the plain subprotocol, never echoing the token.
    expect(byProtocol.ws.protocol).toBe('gymlab');
    expect((await byProtocol.hello()).type).toBe('welcome');
    await Promise.all([byQuery.close(), byProtocol.close()]);
  });

  it('an explicit --token is the one enforced', async () => {
    const server = await serve(['--host', '127.0.0.2', '--token', 'my-secret-token']);
    expect(server.token).toBe('my-secret-token');
    expect((await api(server, '/api/health', { token: 'my-secret-token' })).status).toBe(200);
    expect((await api(server, '/api/health', { token: 'my-secret-tokeX' })).status).toBe(401);
  });

  it('on loopback: no token, but foreign Host headers (DNS rebinding) and foreign browser Origins are refused', async () => {
    const server = await serve([]);
    expect(server.token).toBeUndefined();
    expect((await api(server, '/api/runs')).status).toBe(200);
    expect((await raw(server, '/api/runs', { host: 'evil.example.com' })).status).toBe(403);
    expect((await raw(server, '/api/runs', { host: `localhost:${server.port}` })).status).toBe(200);
    const post = (origin: string) =>
      raw(
        server,
        '/api/runs',
        { origin },
        'POST',
        JSON.stringify({ kind: 'dqn', config: { env: 'CartPole-v1', gamma: 5 } }),
      );
    expect((await post('http://evil.example')).status).toBe(403);
    // Same-origin (and other loopback pages, e.g. the viewer's dev server) get through to validation.
    expect((await post(`http://127.0.0.1:${server.port}`)).status).toBe(400);
    expect((await post('http://localhost:5173')).status).toBe(400);
    await expect(TestClient.connect(server, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    const sameOrigin = await TestClient.connect(server, { origin: `http://127.0.0.1:${server.port}` });
    expect((await sameOrigin.hello()).type).toBe('welcome');
    await sameOrigin.close();
  });

  it('dead clients are found by ping/pong and closed; live ones stay', async () => {
    const server = await serve(['--heartbeat-ms', '300']);
    const live = await TestClient.connect(server);
    const dead = await TestClient.connect(server);
    // A paused socket reads nothing, so it never answers a ping.
    dead.ws.pause();
    await expect
      .poll(async () => (await api(server, '/api/health')).json()['clients'], {
        timeout: 5000,
        interval: 200,
      })
      .toBe(1);
    await sleep(1000);
    expect((await live.hello()).type).toBe('welcome');
    await live.close();
  });

  it('serve refuses bad flags with a message naming the flag and its range (exit status 2)', () => {
    const cases: [string[], RegExp][] = [
      [['--port', '70000'], /--port must be an integer in \[0, 65535\] \(got '70000'\)/],
      [['--max-runs', '0'], /--max-runs must be an integer in \[1, 256\]/],
      [['--frame-hz', 'fast'], /--frame-hz must be an integer in \[1, 1000\]/],
      [['--demo-speed', 'warp'], /--demo-speed must be one of max, realtime, replay \(got 'warp'\)/],
      [['--token', 'a b'], /--token must be 8–200 characters/],
      [['--allow-origin', 'evil'], /--allow-origin must be an origin like/],
      [['--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(['serve', '--no-demo', ...args], { timeoutMs: 30_000 });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
  });
});
