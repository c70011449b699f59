import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref } from '../../viewer/src/app/router.ts';
import { resolveEndpoint } from '../../viewer/src/net/endpoint.ts';
import { errorFromBody } from '../../viewer/src/net/rest.ts';
import { assignColors, RUN_PALETTE } from '../../viewer/src/state/colors.ts';
import { configDiff } from '../../viewer/src/state/config-diff.ts';
import { changeLabel } from '../../viewer/src/state/param-labels.ts';
import { plainWords } from '../../viewer/src/ui/errors.ts';
import { fmtNum, fmtQ, fmtReturn, fmtSteps } from '../../viewer/src/ui/format.ts';

describe('endpoint and routes', () => {
  it('connects to the page’s own host, or the ?server= override, passing ?token= on', () => {
    expect(resolveEndpoint({ protocol: 'http:', host: 'localhost:8080', search: '' })).toEqual({
      wsUrl: 'ws://localhost:8080/ws',
      httpBase: 'http://localhost:8080',
      token: null,
    });
    const e = resolveEndpoint({ protocol: 'https:', host: 'lab.example', search: '?token=s3cret-token' });
    expect(e.wsUrl).toBe('wss://lab.example/ws?token=s3cret-token');
    expect(
      resolveEndpoint({ protocol: 'http:', host: 'localhost:5173', search: '?server=127.0.0.1:8080' }).wsUrl,
    ).toBe('ws://127.0.0.1:8080/ws');
  });

  it('parses hash routes and builds them back', () => {
    expect(parseRoute('#/run/LunarLander-v3__dqn__0__1')).toMatchObject({
      page: 'run',
      arg: 'LunarLander-v3__dqn__0__1',
    });
    const r = parseRoute(routeHref('compare', null, { runs: 'a,b' }));
    expect([r.page, r.params.get('runs')]).toEqual(['compare', 'a,b']);
    expect(parseRoute('').page).toBe('runs');
    expect(parseRoute('#/nonsense/x').page).toBe('runs');
  });
});

describe('plain words', () => {
  it('puts every server error in the person’s words, keeping the server’s detail', () => {
    expect(
      plainWords('invalid_config', "invalid DQN options for LunarLander-v3: 'gamma' must be in [0, 1)"),
    ).toBe("Those run settings are not valid: DQN options for LunarLander-v3: 'gamma' must be in [0, 1)");
    expect(plainWords('unauthorized', 'wrong token')).toMatch(/needs its access token.*: wrong token$/);
    expect(plainWords('network', '')).toBe('Cannot reach the server.');
  });

  it('reads REST error bodies', () => {
    const e = errorFromBody(
      404,
      JSON.stringify({ type: 'error', code: 'not_found', message: 'run x has no checkpoint yet' }),
    );
    expect(e.code).toBe('not_found');
    expect(e.message).toBe('Not found: run x has no checkpoint yet');
    expect(errorFromBody(502, '<html>').code).toBe('internal');
  });
});

describe('run colours', () => {
  it('gives each run a stable colour, distinct while there are colours left', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `LunarLander-v3__dqn__${i}__17000000${i}`);
    const a = assignColors(ids);
    expect(new Set(a.values()).size).toBe(RUN_PALETTE.length);
    expect(assignColors(ids)).toEqual(a);
    // Adding a newer run never recolours the older ones.
    const more = assignColors([...ids.slice(0, 3), 'another-run']);
    for (const id of ids.slice(0, 3)) expect(more.get(id)).toBe(a.get(id));
  });
});

describe('labels, numbers and config diffs', () => {
  it('labels live changes compactly', () => {
    expect(changeLabel({ name: 'gamma', from: 0.995, to: 0.9 })).toBe('γ 0.995 → 0.9');
    expect(changeLabel({ name: 'learningRate', from: null, to: 0.0005 })).toBe('lr = 5e-4');
    expect(changeLabel({ name: 'tau', from: 0.001, to: 0.005 })).toBe('τ 0.001 → 0.005');
    expect(changeLabel({ name: 'speed', from: 'max', to: 'realtime' })).toBe('speed max → realtime');
  });

  it('formats numbers for dense tables', () => {
    expect(fmtQ(12.5)).toBe('12.5');
    expect(fmtQ(6.25)).toBe('6.25');
    expect(fmtQ(100)).toBe('100');
    expect(fmtQ(-3.125)).toBe('−3.13');
    expect(fmtReturn(-45.21)).toBe('−45.2');
    expect(fmtNum(123456)).toBe('123,456');
    expect(fmtSteps(350_000)).toBe('350k');
    expect(fmtSteps(1_500_000)).toBe('1.5M');
  });

  it('finds the settings that differ, with reward-weight defaults and live changes', () => {
    const base = { env: 'LunarLander-v3', seed: 0, steps: 1000, numEnvs: 1 };
    const rows = configDiff(
      [
        { ...base, options: { gamma: 0.995, tau: 0.001, envOptions: { rewardWeights: { mainEngine: 0 } } } },
        { ...base, seed: 1, options: { gamma: 0.995, tau: 0.001, envOptions: {} } },
      ],
      [[{ step: 12_000, label: '', changes: [{ name: 'gamma', from: 0.995, to: 0.9 }] }], []],
      { 'LunarLander-v3': { mainEngine: 0.3, crash: -100 } },
    );
    const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(byKey['seed']).toMatchObject({ values: ['0', '1'], differs: true });
    expect(byKey['gamma']).toMatchObject({ values: ['0.995 → 0.9 @ 12,000', '0.995'], differs: true });
    expect(byKey['env.rewardWeights.mainEngine']).toMatchObject({ values: ['0', '0.3'], differs: true });
    expect(byKey['env.rewardWeights.crash']).toMatchObject({ values: ['-100', '-100'], differs: false });
    expect(byKey['tau']!.differs).toBe(false);
  });
});
