import type { ConnectionState } from '../net/connection.ts';
import { h, setText } from '../ui/dom.ts';
import type { AppContext, Page, PageFactory } from './context.ts';
import { parseRoute, type Route, routeHref } from './router.ts';

const NAV: { page: Route['page']; label: string }[] = [
  { page: 'runs', label: 'Runs' },
  { page: 'run', label: 'Run' },
  { page: 'compare', label: 'Compare' },
  { page: 'rover', label: 'Rover' },
];

/**
 * The frame around every page: brand, navigation, connection status (with a reconnect countdown and the
 * reason when known), the notices, and the current page, swapped on hash changes.
 */
export class Shell {
  readonly el: HTMLElement;
  private readonly ctx: AppContext;
  private readonly pages: Record<Route['page'], PageFactory>;
  private readonly main = h('main.page-host');
  private readonly navLinks = new Map<Route['page'], HTMLAnchorElement>();
  private readonly statusDot = h('span.status-dot');
  private readonly statusText = h('span.status-text');
  private readonly banner = h('div.conn-banner', { role: 'status' });
  private current: Page | null = null;
  private currentKey = '';
  private lastRunId: string | null = null;
  private countdown: ReturnType<typeof setInterval> | null = null;

  constructor(ctx: AppContext, pages: Record<Route['page'], PageFactory>) {
    this.ctx = ctx;
    this.pages = pages;
    const nav = h(
      'nav.nav',
      null,
      NAV.map(({ page, label }) => {
        const a = h('a.nav-link', { href: routeHref(page), 'data-page': page }, label);
        this.navLinks.set(page, a);
        return a;
      }),
    );
    const status = h(
      'button.conn-status',
      {
        title: 'Connection to the gymlab server',
        'data-testid': 'connection',
        onclick: () => ctx.conn.retryNow(),
      },
      this.statusDot,
      this.statusText,
    );
    this.el = h(
      'div.app',
      null,
      h(
        'header.topbar',
        null,
        h('a.brand', { href: routeHref('runs') }, h('span.brand-mark', null, '◆'), 'gymlab'),
        nav,
        h('div.topbar-spacer'),
        status,
      ),
      this.banner,
      this.main,
      ctx.notices.el,
    );
    ctx.conn.onState((s) => this.showConnection(s));
    window.addEventListener('hashchange', () => this.route());
  }

  start(): void {
    this.route();
  }

  private route(): void {
    const route = parseRoute(location.hash);
    if (route.page === 'run' && route.arg) this.lastRunId = route.arg;
    if (route.page === 'run' && !route.arg && this.lastRunId) {
      location.replace(routeHref('run', this.lastRunId));
      return;
    }
    const key = `${route.page}/${route.arg ?? ''}?${route.params.toString()}`;
    if (key === this.currentKey) return;
    this.currentKey = key;
    this.current?.dispose();
    this.main.textContent = '';
    for (const [page, a] of this.navLinks) a.classList.toggle('active', page === route.page);
    const runLink = this.navLinks.get('run')!;
    runLink.href = routeHref('run', this.lastRunId);
    runLink.classList.toggle('disabled', !this.lastRunId && route.page !== 'run');
    const page = this.pages[route.page](this.ctx, route);
    this.current = page;
    this.main.appendChild(page.el);
    document.title = `gymlab · ${NAV.find((n) => n.page === route.page)!.label}`;
    page.mounted?.();
  }

  private showConnection(s: ConnectionState): void {
    this.statusDot.dataset['status'] = s.status;
    const version = s.welcome ? ` · server ${s.welcome.version}` : '';
    const text =
      s.status === 'open'
        ? `Connected${version}`
        : s.status === 'connecting'
          ? 'Connecting…'
          : s.status === 'reconnecting'
            ? 'Reconnecting…'
            : 'Disconnected';
    setText(this.statusText, text);
    if (this.countdown) clearInterval(this.countdown);
    this.countdown = null;
    if (s.status === 'open' || s.status === 'connecting') {
      this.banner.classList.remove('show');
      return;
    }
    const paint = () => {
      const secs = s.retryAt ? Math.max(0, Math.ceil((s.retryAt - Date.now()) / 1000)) : 0;
      const why = s.lastError ? ` ${s.lastError}` : '';
      this.banner.replaceChildren(
        h(
          'span',
          null,
          `Lost the connection to the server; retrying${secs > 0 ? ` in ${secs} s` : ' now'}.${why}`,
        ),
        h('button.link-button', { onclick: () => this.ctx.conn.retryNow() }, 'Retry now'),
      );
    };
    paint();
    this.banner.classList.add('show');
    this.countdown = setInterval(paint, 500);
  }
}
