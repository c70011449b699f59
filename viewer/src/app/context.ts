import type { Connection } from '../net/connection.ts';
import type { Rest } from '../net/rest.ts';
import type { AppStore } from '../state/app-store.ts';
import type { Notices } from '../ui/notices.ts';
import type { Route } from './router.ts';

/** What every page gets: the connection, the shared run list, REST, notices and navigation. */
export interface AppContext {
  conn: Connection;
  store: AppStore;
  rest: Rest;
  notices: Notices;
  navigate(hash: string): void;
}

/** A page: its element, and cleanup when the person leaves it. */
export interface Page {
  el: HTMLElement;
  /** After the element is in the document (charts and canvases measure their size). */
  mounted?(): void;
  dispose(): void;
}

export type PageFactory = (ctx: AppContext, route: Route) => Page;
