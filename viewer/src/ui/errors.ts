import type { ErrorCode } from '../../../server/protocol/messages.ts';

/** What each server error code means for the person using the viewer, in their words. */
const HEADLINES: Record<ErrorCode, string> = {
  bad_json: 'The server could not read a request from this page',
  too_large: 'That request was too large for the server',
  binary_refused: 'The server refused a binary message from this page',
  unknown_type: 'The server does not know that request (is it an older version?)',
  invalid_message: 'The server refused the request',
  invalid_config: 'Those run settings are not valid',
  invalid_params: 'The server refused the change',
  unknown_run: 'That run does not exist any more',
  bad_state: 'Not possible right now',
  unsupported_version: 'This page and the server speak different protocol versions; reload the page',
  rate_limited: 'Too many requests at once; the server skipped one',
  unauthorized: 'The server needs its access token: open the link it printed (ending in ?token=…)',
  forbidden: 'The server refused access from this page',
  not_found: 'Not found',
  method_not_allowed: 'The server does not allow that request',
  internal: 'The server hit an internal error',
};

/** An `error` from the server (over the socket or REST), kept with its code. */
export class ServerError extends Error {
  readonly code: ErrorCode | 'network' | 'timeout';
  readonly detail: string;

  constructor(code: ServerError['code'], detail: string) {
    super(plainWords(code, detail));
    this.name = 'ServerError';
    this.code = code;
    this.detail = detail;
  }
}

/**
 * "Those run settings are not valid: 'gamma' must be in [0, 1) (got 1.5)". The server's own message names the
 * field and the allowed values; the headline says what kind of problem it is. Repeated prefixes are trimmed.
 */
export function plainWords(code: ServerError['code'], detail: string): string {
  const headline =
    code === 'network'
      ? 'Cannot reach the server'
      : code === 'timeout'
        ? 'The server did not answer in time'
        : (HEADLINES[code] ?? 'The server reported a problem');
  const d = detail.trim().replace(/^invalid\s+/, '');
  if (d === '' || d.toLowerCase() === headline.toLowerCase()) return `${headline}.`;
  return `${headline}: ${d}`;
}

/** Any thrown value as a sentence for a notice. */
export function describeError(err: unknown): string {
  if (err instanceof ServerError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
