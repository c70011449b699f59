import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { sendError } from './rest.ts';
import { statusPageHtml } from './status-page.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves the built viewer (`viewerDist`) when it exists, else the built-in status page at `/`. Paths resolve
 * inside the dist folder only; unknown paths without an extension get index.html (client-side routes).
 */
export function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  viewerDist: string,
  version: string,
): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    sendError(res, 'method_not_allowed', `${req.method} is not allowed here; use GET`);
    return;
  }
  const root = resolve(viewerDist);
  if (!existsSync(join(root, 'index.html'))) {
    if (url.pathname === '/' || url.pathname === '/index.html') {
      send(res, req, 200, TYPES['.html']!, Buffer.from(statusPageHtml(version)));
    } else {
      sendError(res, 'not_found', `no file ${url.pathname}`);
    }
    return;
  }
  let rel: string;
  try {
    rel = decodeURIComponent(url.pathname);
  } catch {
    sendError(res, 'not_found', 'bad path');
    return;
  }
  let path = resolve(root, `.${rel}`);
  if (path !== root && !path.startsWith(root + sep)) {
    sendError(res, 'not_found', `no file ${url.pathname}`);
    return;
  }
  if (path === root || (existsSync(path) && statSync(path).isDirectory())) path = join(path, 'index.html');
  if (!existsSync(path)) {
    if (extname(rel) !== '') {
      sendError(res, 'not_found', `no file ${url.pathname}`);
      return;
    }
    path = join(root, 'index.html');
  }
  const type = TYPES[extname(path)] ?? 'application/octet-stream';
  send(res, req, 200, type, readFileSync(path));
}

function send(res: ServerResponse, req: IncomingMessage, status: number, type: string, body: Buffer): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': body.byteLength,
    'x-content-type-options': 'nosniff',
    // The page URL may carry ?token=: never pass it on in a Referer.
    'referrer-policy': 'no-referrer',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
