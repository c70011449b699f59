import { WS_PATH } from '../../../server/protocol/messages.ts';

/** Where the viewer finds its server, and the token it must present. */
export interface Endpoint {
  /** ws(s)://host/ws?token=… */
  wsUrl: string;
  /** http(s)://host — REST paths are appended to this. */
  httpBase: string;
  token: string | null;
}

/**
 * The server the page was served from, unless `?server=host:port` (or a full http(s) URL) says otherwise — the
 * override is for the Vite dev server. A `?token=` in the page URL is passed on: in the WebSocket URL's query
 * and as a Bearer header on REST calls (so it never lands in a REST URL a log might keep).
 */
export function resolveEndpoint(loc: Pick<Location, 'protocol' | 'host' | 'search'>): Endpoint {
  const params = new URLSearchParams(loc.search);
  const token = params.get('token')?.trim() || null;
  const override = params.get('server')?.trim();
  let httpBase = `${loc.protocol}//${loc.host}`;
  if (override) {
    httpBase = /^https?:\/\//.test(override) ? override.replace(/\/+$/, '') : `http://${override}`;
  }
  const ws = new URL(WS_PATH, `${httpBase}/`);
  ws.protocol = ws.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token) ws.searchParams.set('token', token);
  return { wsUrl: ws.toString(), httpBase, token };
}
