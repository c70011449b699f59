/** A parsed location hash: `#/run/<id>?x=1` → { page: 'run', arg: '<id>', params }. */
export interface Route {
  page: 'runs' | 'run' | 'compare' | 'rover';
  arg: string | null;
  params: URLSearchParams;
}

const PAGES: readonly Route['page'][] = ['runs', 'run', 'compare', 'rover'];

/** Hash routes keep the page URL's own query (?token=, ?server=) untouched and need nothing from the server. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = raw.split('?', 2);
  const [page, ...rest] = path.split('/').filter(Boolean);
  const known = PAGES.includes(page as Route['page']) ? (page as Route['page']) : 'runs';
  const arg = rest.length > 0 ? decodeURIComponent(rest.join('/')) : null;
  return { page: known, arg: known === page ? arg : null, params: new URLSearchParams(query) };
}

export function routeHref(page: Route['page'], arg?: string | null, params?: Record<string, string>): string {
  const q = params ? new URLSearchParams(params).toString() : '';
  return `#/${page}${arg ? `/${encodeURIComponent(arg)}` : ''}${q ? `?${q}` : ''}`;
}
