// The viewer end to end in a real Chromium against the real server: start a LunarLander run from the form,
// watch it draw and chart, change γ live, compare two runs, and read the rover's exact Q*. Screenshots of every
// page land in test-results/ (git-ignored). Skipped, saying so, when /usr/bin/chromium is missing.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.ts';
import { CHROMIUM, canvasStats, collectErrors, HAS_CHROMIUM, launchChromium } from './chromium.ts';
import { type GymlabServer, startGymlab } from './server.ts';

const SHOTS = join(REPO_ROOT, 'test-results');

if (!HAS_CHROMIUM) {
  console.warn(
    `\n  ⚠ viewer e2e tests SKIPPED: no Chromium at ${CHROMIUM}. Install it with \`apt-get install -y chromium\` ` +
      '(CI installs it) to run them.\n',
  );
}

describe.skipIf(!HAS_CHROMIUM)('viewer end to end in Chromium', () => {
  let server: GymlabServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const runIds: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [server, browser] = await Promise.all([startGymlab(), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    errors = collectErrors(page);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Fills the New run form and starts it; resolves with the new run's id (the page moves to its Run page). */
  async function startFromForm(values: Record<string, string>): Promise<string> {
    await page.goto(`${server.url}#/runs`);
    await page.getByTestId('connection').filter({ hasText: 'Connected' }).waitFor();
    await page.getByTestId('form-env').selectOption('LunarLander-v3');
    for (const [field, value] of Object.entries(values))
      await page.locator(`[data-field="${field}"]`).fill(value);
    await expect.poll(() => page.getByTestId('form-start').isEnabled()).toBe(true);
    await page.getByTestId('form-start').click();
    await page.waitForURL(/#\/run\/.+/);
    const id = decodeURIComponent(page.url().split('#/run/')[1]!);
    runIds.push(id);
    return id;
  }

  it('starts a LunarLander run from the form', async () => {
    const id = await startFromForm({ steps: '300000', seed: '0', hiddenSizes: '32, 32' });
    expect(id).toMatch(/^LunarLander-v3__dqn__0__/);
  }, 90_000);

  it('draws the lander scene and fills the return chart', async () => {
    await expect
      .poll(async () => (await canvasStats(page, '.scene-canvas'))?.nonBackground ?? 0, { timeout: 30_000 })
      .toBeGreaterThan(0.05);
    const stats = await canvasStats(page, '.scene-canvas');
    // Sky gradient, stars, terrain, pad, flags, hull, legs: a real scene has many colours.
    expect(stats!.colors).toBeGreaterThan(20);
    await expect
      .poll(async () => Number(await page.locator('[data-chart="return"]').getAttribute('data-points')), {
        timeout: 30_000,
      })
      .toBeGreaterThan(0);
    await expect
      .poll(() => page.getByTestId('hud').locator('.hud-value').first().textContent())
      .not.toBe('—');
    // Server frames carry the agent view: the return so far (the third HUD value) and Q bars, one greedy.
    await expect
      .poll(() => page.getByTestId('hud').locator('.hud-value').nth(2).textContent(), { timeout: 15_000 })
      .not.toBe('—');
    await expect.poll(() => page.locator('.hud-q-row.greedy').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator('.hud-q-row').count()).toBe(4);
  }, 90_000);

  it('changes γ live: the server acknowledges it and every chart marks it', async () => {
    const input = page.locator('[data-param-input="gamma"]');
    await input.fill('0.97');
    await input.press('Enter');
    const status = page.locator('[data-param-status="gamma"]');
    await expect
      .poll(() => status.textContent(), { timeout: 15_000 })
      .toMatch(/Applied at step [\d,]+: γ 0\.995 → 0\.97/);
    await expect.poll(() => page.locator('[data-chart="return"]').getAttribute('data-markers')).toBe('1');
    for (const key of ['return', 'loss', 'q', 'epsilon', 'sps']) {
      expect(await page.locator(`[data-chart="${key}"]`).getAttribute('data-markers')).toBe('1');
    }
    await expect
      .poll(() => page.locator('[data-chart="return"] .chart-marker').first().textContent())
      .toBe('γ 0.995 → 0.97');
    await page.screenshot({ path: join(SHOTS, 'viewer-run.png') });
  }, 90_000);

  it('compares two runs: curves overlaid, the differing settings listed', async () => {
    await startFromForm({ steps: '300000', seed: '1', hiddenSizes: '32, 32', gamma: '0.98' });
    await expect
      .poll(async () => Number(await page.locator('[data-chart="return"]').getAttribute('data-points')), {
        timeout: 30_000,
      })
      .toBeGreaterThan(5);
    await page.goto(`${server.url}#/runs`);
    for (const id of runIds) await page.locator(`tr[data-run="${id}"] input[type="checkbox"]`).check();
    await page.screenshot({ path: join(SHOTS, 'viewer-runs.png') });
    await page.getByTestId('compare-selected').click();
    await page.waitForURL(/#\/compare\?runs=/);
    await expect.poll(() => page.getByTestId('compare-legend').locator('.legend-item').count()).toBe(2);
    await expect
      .poll(
        async () => Number(await page.locator('[data-chart="compare-return"]').getAttribute('data-points')),
        { timeout: 30_000 },
      )
      .toBeGreaterThan(0);
    const diff = page.getByTestId('config-diff');
    await expect
      .poll(() => diff.locator('tr.differs').count(), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(2);
    const gammaRow = diff.locator('tr[data-key="gamma"]');
    expect(await gammaRow.count()).toBe(1);
    // The first run's γ was changed live: the table says from what, to what, and when.
    expect(await gammaRow.locator('td').first().textContent()).toMatch(/^0\.995 → 0\.97 @ [\d,]+$/);
    expect(await gammaRow.locator('td').nth(1).textContent()).toBe('0.98');
    expect(await diff.locator('tr[data-key="seed"] td').allTextContents()).toEqual(['0', '1']);
    await page.screenshot({ path: join(SHOTS, 'viewer-compare.png') });
  }, 90_000);

  it('Rover: dragging γ to 0.5 gives Q(4, left) = 12.5', async () => {
    // Both runs can rest now: the rest of the test needs no training.
    for (const id of runIds)
      await page.request.post(`${server.url}api/runs/${encodeURIComponent(id)}/control`, {
        data: { action: 'stop' },
      });
    await page.goto(`${server.url}#/rover`);
    const slider = page.getByTestId('rover-gamma');
    const value = page.getByTestId('rover-gamma-value');
    await expect.poll(() => value.textContent()).toBe('0.90');
    const box = (await slider.boundingBox())!;
    // Drag the thumb from where γ = 0.9 sits to the middle of the track.
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.9, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, y, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.5, y, { steps: 5 });
    await page.mouse.up();
    // The thumb's width makes a drag land within a step or two of 0.5: finish with the arrow keys.
    for (let i = 0; i < 10; i++) {
      const v = Number(await value.textContent());
      if (Math.abs(v - 0.5) < 1e-9) break;
      await slider.press(v > 0.5 ? 'ArrowLeft' : 'ArrowRight');
    }
    await expect.poll(() => value.textContent()).toBe('0.50');
    await expect.poll(() => page.getByTestId('q-4-left').textContent()).toBe('12.5');
    await expect.poll(() => page.getByTestId('q-4-right').textContent()).toBe('10');
    await expect.poll(() => page.getByTestId('policy-4').textContent()).toBe('←');
    await expect
      .poll(async () => (await canvasStats(page, '.rover-scene .scene-canvas'))?.nonBackground ?? 0)
      .toBeGreaterThan(0.02);
    await page.screenshot({ path: join(SHOTS, 'viewer-rover.png') });
  }, 90_000);

  it('logged no console errors on any page', () => {
    expect(errors).toEqual([]);
  }, 90_000);
});
