import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { ErrorCode } from '../protocol/messages.ts';

/** Who may talk to the server: the bind address, the token (if any) and extra browser origins. */
export interface AccessPolicy {
  host: string;
  token: string | null;
  allowedOrigins: readonly string[];
}

export interface Denial {
  status: number;
  code: ErrorCode;
  message: string;
}

/** Subprotocol prefix a browser uses to pass the token: `new WebSocket(url, ['gymlab', 'gymlab.token.' + t])`. */
export const TOKEN_PROTOCOL_PREFIX = 'gymlab.token.';

/**
 * The addresses served without a token: the standard loopback names. Any other bind address — including other
 * 127.x addresses, which containers and VPN tools sometimes route elsewhere — needs a token.
 */
export function isTrustedHost(host: string): boolean {
  return ['127.0.0.1', '::1', 'localhost'].includes(stripBrackets(host).toLowerCase());
}

/** 127.0.0.0/8, ::1, ::ffff:127.x and localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = stripBrackets(host).toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

export function generateToken(): string {
  return randomBytes(18).toString('base64url');
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** The hostname of a Host header value (`127.0.0.1:8080`, `[::1]:8080`, `localhost`). */
function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(1, hostHeader.indexOf(']'));
  const colon = hostHeader.lastIndexOf(':');
  return colon >= 0 ? hostHeader.slice(0, colon) : hostHeader;
}

function sameSecret(a: string, b: string): boolean {
  // Hash first: timingSafeEqual needs equal lengths and the length itself must not leak.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** The token a request carries: `Authorization: Bearer …`, `?token=…`, or (WebSocket) a `gymlab.token.…` subprotocol. */
function presentedToken(req: IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const q = url.searchParams.get('token');
  if (q) return q;
  const protocols = req.headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') {
    for (const p of protocols.split(',')) {
      const t = p.trim();
      if (t.startsWith(TOKEN_PROTOCOL_PREFIX)) return t.slice(TOKEN_PROTOCOL_PREFIX.length);
    }
  }
  return null;
}

/**
 * Checks a request before it is served or upgraded. On a loopback bind the Host header must name a loopback
 * address (DNS-rebinding defence); with a token, the request must carry it (unless `needsToken` is false: the
 * viewer's static files, which a browser loads without a way to add the token); a browser's Origin (sent with
 * WebSocket upgrades and state-changing requests) must be this server's own, a loopback page when the server
 * is loopback-bound, or one of `allowedOrigins`.
 */
export function checkAccess(
  req: IncomingMessage,
  url: URL,
  policy: AccessPolicy,
  kind: { checkOrigin: boolean; needsToken?: boolean },
): Denial | null {
  const hostHeader = req.headers.host ?? '';
  const loopbackBind = isLoopbackHost(policy.host);
  if (loopbackBind && !isLoopbackHost(hostnameOf(hostHeader))) {
    return {
      status: 403,
      code: 'forbidden',
      message: `Host '${hostHeader.slice(0, 100)}' is not this server (it serves loopback addresses only)`,
    };
  }
  if (policy.token !== null && kind.needsToken !== false) {
    const given = presentedToken(req, url);
    if (given === null) {
      return {
        status: 401,
        code: 'unauthorized',
        message:
          'a token is required: Authorization: Bearer <token>, ?token=<token>, or the gymlab.token.<token> subprotocol',
      };
    }
    if (!sameSecret(given, policy.token))
      return { status: 401, code: 'unauthorized', message: 'wrong token' };
  }
  const origin = req.headers.origin;
  if (kind.checkOrigin && origin !== undefined && !originAllowed(origin, hostHeader, loopbackBind, policy)) {
    return {
      status: 403,
      code: 'forbidden',
      message: `Origin '${origin.slice(0, 100)}' may not use this server`,
    };
  }
  return null;
}

function originAllowed(
  origin: string,
  hostHeader: string,
  loopbackBind: boolean,
  policy: AccessPolicy,
): boolean {
  if (policy.allowedOrigins.includes(origin)) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (parsed.host === hostHeader) return true;
  // A page served from another loopback port (the viewer's dev server) may connect to a loopback server.
  return loopbackBind && isLoopbackHost(parsed.hostname);
}
