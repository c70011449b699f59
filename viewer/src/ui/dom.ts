// A tiny hyperscript helper: the viewer builds its DOM with plain elements (no framework) so pages stay small
// and fast, and the e2e test can find everything by ordinary selectors.

type Child = Node | string | number | null | undefined | false;
type Handler = (ev: Event) => void;
export type Attrs = Record<string, string | number | boolean | Handler | null | undefined>;

/**
 * `h('button.primary', { onclick: go, disabled: false }, 'Start')`. The tag may carry `.class` and `#id`
 * suffixes; `on*` attributes become listeners, booleans toggle the attribute, null/undefined/false skip it.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K | `${K}.${string}` | `${K}#${string}`,
  attrs?: Attrs | null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const [head, ...classes] = tag.split('.');
  const [name, id] = head!.split('#');
  const el = document.createElement(name as K);
  if (id) el.id = id;
  if (classes.length > 0) el.className = classes.join(' ');
  if (attrs) setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function setAttrs(el: HTMLElement, attrs: Attrs): void {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'class') {
      el.className = `${el.className} ${value}`.trim();
    } else if (key === 'value' && 'value' in el) {
      (el as HTMLInputElement).value = String(value);
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
}

export function append(el: Node, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

/** Replaces all children of `el`. */
export function replaceChildren(el: Element, ...children: (Child | Child[])[]): void {
  el.textContent = '';
  append(el, children);
}

/** Sets text only when it changed: cheap to call every frame. */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** Something a page owns and must release when it goes away (listeners, subscriptions, timers, Pixi apps). */
export type Disposer = () => void;

/** Collects disposers and runs them all once. */
export class Disposables {
  private items: Disposer[] = [];

  add(d: Disposer): void {
    this.items.push(d);
  }

  listen<K extends keyof WindowEventMap>(target: Window, type: K, fn: (ev: WindowEventMap[K]) => void): void;
  listen(target: EventTarget, type: string, fn: (ev: Event) => void): void;
  listen(target: EventTarget, type: string, fn: (ev: Event) => void): void {
    target.addEventListener(type, fn);
    this.add(() => target.removeEventListener(type, fn));
  }

  interval(fn: () => void, ms: number): void {
    const id = setInterval(fn, ms);
    this.add(() => clearInterval(id));
  }

  dispose(): void {
    const items = this.items.reverse();
    this.items = [];
    for (const d of items) {
      try {
        d();
      } catch (err) {
        console.warn('gymlab: cleanup failed', err);
      }
    }
  }
}
