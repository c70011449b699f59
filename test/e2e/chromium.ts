import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`); `.ci/run` installs it, so CI always runs the e2e tests. */
export const CHROMIUM = process.env['GYMLAB_CHROMIUM'] ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);

/** Headless flags that work without a GPU or a network (see ../shared/reference/platform.md). */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Software WebGL for PixiJS: Chrome ≥ 139 refuses it without the second flag.
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/** Every console error and uncaught exception of a page, with the page it happened on. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error on ${page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`uncaught on ${page.url()}: ${err.message}`));
  return errors;
}

export interface CanvasStats {
  width: number;
  height: number;
  /** Distinct colours (quantised to 4 bits a channel). */
  colors: number;
  /** Share of pixels that differ from the most common colour (the background). */
  nonBackground: number;
}

/** Reads a WebGL canvas back (the viewer keeps its drawing buffer) and summarises what it shows. */
export function canvasStats(page: Page, selector: string): Promise<CanvasStats | null> {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel) as HTMLCanvasElement | null;
    if (!c || c.width === 0 || c.height === 0) return null;
    const t = document.createElement('canvas');
    t.width = c.width;
    t.height = c.height;
    const g = t.getContext('2d')!;
    g.drawImage(c, 0, 0);
    const data = g.getImageData(0, 0, t.width, t.height).data;
    const counts = new Map<number, number>();
    for (let i = 0; i < data.length; i += 4) {
      const key = ((data[i]! >> 4) << 8) | ((data[i + 1]! >> 4) << 4) | (data[i + 2]! >> 4);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const total = data.length / 4;
    const top = Math.max(...counts.values());
    return { width: t.width, height: t.height, colors: counts.size, nonBackground: 1 - top / total };
  }, selector);
}
