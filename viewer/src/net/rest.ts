import { ERROR_CODES, type ErrorCode, type RunInfo } from '../../../server/protocol/messages.ts';
import { ServerError } from '../ui/errors.ts';
import type { Endpoint } from './endpoint.ts';

/** REST calls the viewer makes: history and config of runs, checkpoints (through tfjs), and health checks. */
export class Rest {
  readonly endpoint: Endpoint;

  constructor(endpoint: Endpoint) {
    this.endpoint = endpoint;
  }

  url(path: string): string {
    return `${this.endpoint.httpBase}${path}`;
  }

  /** Headers every request carries: the token, when the page was opened with one. */
  headers(): Record<string, string> {
    return this.endpoint.token ? { authorization: `Bearer ${this.endpoint.token}` } : {};
  }

  async text(path: string): Promise<string> {
    let res: Response;
    try {
      res = await fetch(this.url(path), { headers: this.headers(), cache: 'no-store' });
    } catch (err) {
      throw new ServerError('network', (err as Error).message);
    }
    const body = await res.text();
    if (!res.ok) throw errorFromBody(res.status, body);
    return body;
  }

  async json<T>(path: string): Promise<T> {
    return JSON.parse(await this.text(path)) as T;
  }

  /** A run's metrics.jsonl (episodes, learning statistics and live-change events, one JSON object a line). */
  metricsLines(runId: string): Promise<string> {
    return this.text(`/api/runs/${encodeURIComponent(runId)}/metrics`);
  }

  runDetails(runId: string): Promise<{ run: RunInfo; config: RunConfigJson }> {
    return this.json(`/api/runs/${encodeURIComponent(runId)}`);
  }

  /** URL of the latest checkpoint's layers model (tfjs fetches weights.bin next to it). */
  checkpointModelUrl(runId: string, which: 'latest' | 'best' = 'latest'): string {
    const id = encodeURIComponent(runId);
    return this.url(
      which === 'best' ? `/api/runs/${id}/best/model.json` : `/api/runs/${id}/checkpoints/latest/model.json`,
    );
  }

  /** Why the WebSocket keeps failing, when HTTP can tell (a missing or wrong token, a refused origin). */
  async diagnose(): Promise<string | null> {
    try {
      await this.text('/api/health');
      return null;
    } catch (err) {
      if (err instanceof ServerError && err.code !== 'network') return err.message;
      return 'Cannot reach the server: is `gymlab serve` (or `npm start`) still running?';
    }
  }
}

/** The part of a run's config.json the viewer reads. */
export interface RunConfigJson {
  env: string;
  seed: number;
  steps: number;
  numEnvs: number;
  options: Record<string, unknown>;
  presetNote?: string | null;
  command?: string[];
  createdAt?: string;
}

export function errorFromBody(status: number, body: string): ServerError {
  try {
    const parsed = JSON.parse(body) as { code?: unknown; message?: unknown };
    if (typeof parsed.code === 'string' && ERROR_CODES.includes(parsed.code as ErrorCode)) {
      return new ServerError(parsed.code as ErrorCode, String(parsed.message ?? ''));
    }
  } catch {
    // Not a JSON error body: fall through to the status.
  }
  return new ServerError(status === 404 ? 'not_found' : 'internal', `HTTP ${status}`);
}
