import { h } from './dom.ts';

export type NoticeTone = 'error' | 'info' | 'success';

/**
 * Toasts at the top right: every server error the page did not show next to a control lands here, in plain
 * words. Repeats of the same text within a few seconds are merged (a reconnect loop must not flood the screen).
 */
export class Notices {
  readonly el = h('div.notices', { 'aria-live': 'polite', 'data-testid': 'notices' });
  private readonly recent = new Map<string, { el: HTMLElement; count: number; at: number }>();

  show(text: string, tone: NoticeTone = 'error', ms = tone === 'error' ? 12_000 : 5000): void {
    const now = Date.now();
    const seen = this.recent.get(text);
    if (seen && now - seen.at < 5000 && seen.el.isConnected) {
      seen.count++;
      seen.at = now;
      seen.el.querySelector('.notice-count')!.textContent = `×${seen.count}`;
      return;
    }
    const close = h('button.notice-close', { 'aria-label': 'Dismiss', onclick: () => el.remove() }, '×');
    const el = h(
      'div.notice',
      { 'data-tone': tone, role: tone === 'error' ? 'alert' : 'status' },
      h('span.notice-text', null, text),
      h('span.notice-count'),
      close,
    );
    this.el.appendChild(el);
    this.recent.set(text, { el, count: 1, at: now });
    setTimeout(() => {
      el.classList.add('leaving');
      setTimeout(() => el.remove(), 300);
    }, ms);
    while (this.el.children.length > 5) this.el.firstElementChild?.remove();
  }
}
