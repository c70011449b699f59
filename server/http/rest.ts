import { createReadStream, existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { z } from 'zod';
import { OptionsError, parseWith } from '../../envs/core/options.ts';
import {
  CONTROL_ACTIONS,
  createRunSchema,
  type ErrorCode,
  MAX_MESSAGE_BYTES,
  ProtocolError,
  paramsSchema,
  runIdSchema,
} from '../protocol/messages.ts';
import { latestCheckpoint, metricsToCsv, readMetricsLines, readRunConfig } from '../training/run-dir.ts';
import type { RunManager } from '../training/run-manager.ts';

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  bad_json: 400,
  invalid_message: 400,
  invalid_config: 400,
  invalid_params: 400,
  unknown_run: 404,
  not_found: 404,
  bad_state: 409,
  too_large: 413,
  unauthorized: 401,
  forbidden: 403,
  method_not_allowed: 405,
  rate_limited: 429,
};

/** REST bodies reuse the WebSocket messages' schemas, without `type` and `requestId`. */
const createBodySchema = createRunSchema.options[0].omit({ type: true, requestId: true });
const controlBodySchema = z.strictObject({
  action: z.enum(CONTROL_ACTIONS),
  count: z.number().int().min(1).max(10_000).optional(),
  totalSteps: z.number().int().min(1).max(1_000_000_000).optional(),
});
const paramsBodySchema = z.strictObject({ params: paramsSchema });
/** Files of a checkpoint a browser may fetch: the two layers models (not the optimizer or replay data). */
const MODEL_FILES = /^(target-)?(model\.json|weights\.bin)$/;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

export function sendError(res: ServerResponse, code: ErrorCode, message: string): void {
  sendJson(res, STATUS_OF[code] ?? 500, { type: 'error', code, message });
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) {
    throw new ProtocolError(
      'invalid_message',
      `send a JSON body (content-type: application/json, got '${type}')`,
    );
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_MESSAGE_BYTES) {
    throw new ProtocolError(
      'too_large',
      `body of ${declared} bytes is over the ${MAX_MESSAGE_BYTES}-byte limit`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_MESSAGE_BYTES) {
      throw new ProtocolError('too_large', `body is over the ${MAX_MESSAGE_BYTES}-byte limit`);
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new ProtocolError('bad_json', `body is not valid JSON: ${(err as Error).message}`);
  }
}

function validate<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  try {
    return parseWith(schema, body, what);
  } catch (err) {
    if (err instanceof OptionsError) throw new ProtocolError('invalid_message', err.message);
    throw err;
  }
}

function runIdOf(segment: string): string {
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    throw new ProtocolError('invalid_message', `bad run id in the path`);
  }
  validate(runIdSchema, id, 'run id');
  return id;
}

/**
 * Whether a path is the REST API's (`/api`, `/api/…`): the token guards these; every other HTTP path is the
 * built viewer's static files, which hold no secrets. handleApi routes by the same test, so nothing the API
 * answers can slip past the token.
 */
export function isApiPath(url: URL): boolean {
  return url.pathname.split('/').filter(Boolean)[0] === 'api';
}

/**
 * /api/… routes. Returns false when the path is not an API path (the static handler serves it then).
 */
export async function handleApi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  manager: RunManager,
  health: () => Record<string, unknown>,
): Promise<boolean> {
  if (!isApiPath(url)) return false;
  const parts = url.pathname.split('/').filter(Boolean);
  const method = req.method ?? 'GET';
  const allow = (methods: string[]) => {
    if (methods.includes(method)) return true;
    res.setHeader('allow', methods.join(', '));
    sendError(res, 'method_not_allowed', `${method} is not allowed here; use ${methods.join(' or ')}`);
    return false;
  };
  try {
    if (parts.length === 2 && parts[1] === 'health') {
      if (allow(['GET'])) sendJson(res, 200, health());
      return true;
    }
    if (parts[1] !== 'runs') throw new ProtocolError('not_found', `no API route ${url.pathname}`);
    if (parts.length === 2) {
      if (!allow(['GET', 'POST'])) return true;
      if (method === 'GET') {
        sendJson(res, 200, { runs: manager.list() });
        return true;
      }
      const body = validate(createBodySchema, await readBody(req), 'createRun body');
      const run = manager.create(body.config, { speed: body.speed, replaySource: body.replaySource });
      sendJson(res, 201, { run });
      return true;
    }
    const runId = runIdOf(parts[2]!);
    const rest = parts.slice(3);
    if (rest.length === 0) {
      if (!allow(['GET', 'DELETE'])) return true;
      if (method === 'GET') {
        const run = manager.get(runId);
        sendJson(res, 200, { run, config: readRunConfig(manager.runDir(runId)) });
      } else {
        await manager.remove(runId);
        sendJson(res, 200, { deleted: runId });
      }
      return true;
    }
    if (rest.length === 1 && rest[0] === 'control') {
      if (!allow(['POST'])) return true;
      const body = validate(controlBodySchema, await readBody(req), 'control body');
      const { step } = await manager.control(runId, body.action, body);
      sendJson(res, 200, { step, run: manager.get(runId) });
      return true;
    }
    if (rest.length === 1 && rest[0] === 'params') {
      if (!allow(['POST'])) return true;
      const body = validate(paramsBodySchema, await readBody(req), 'params body');
      sendJson(res, 200, await manager.setParams(runId, body.params));
      return true;
    }
    if (rest.length === 1 && rest[0] === 'metrics') {
      if (!allow(['GET'])) return true;
      metrics(res, url, manager.runDir(runId));
      return true;
    }
    if (
      (rest.length === 3 && rest[0] === 'checkpoints' && rest[1] === 'latest') ||
      (rest.length === 2 && rest[0] === 'best')
    ) {
      if (!allow(['GET'])) return true;
      const file = rest.at(-1)!;
      const dir = manager.runDir(runId);
      if (!MODEL_FILES.test(file))
        throw new ProtocolError('not_found', `no file '${file}' here; try model.json`);
      const base = rest[0] === 'best' ? join(dir, 'best') : latestCheckpoint(dir)?.dir;
      if (!base) throw new ProtocolError('not_found', `run ${runId} has no checkpoint yet`);
      const path = join(base, file);
      if (!existsSync(path)) throw new ProtocolError('not_found', `run ${runId} has no ${rest.join('/')}`);
      const type = file.endsWith('.json') ? 'application/json' : 'application/octet-stream';
      // Read whole (small files): a checkpoint rotation cannot cut the response short.
      const data = readFileSync(path);
      res.writeHead(200, {
        'content-type': type,
        'content-length': data.byteLength,
        'cache-control': 'no-store',
      });
      res.end(data);
      return true;
    }
    throw new ProtocolError('not_found', `no API route ${url.pathname}`);
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
      return true;
    }
    if (err instanceof ProtocolError) sendError(res, err.code, err.message);
    else sendError(res, 'internal', `internal error: ${(err as Error).message}`);
    return true;
  }
}

function metrics(res: ServerResponse, url: URL, dir: string): void {
  const format = url.searchParams.get('format') ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') {
    throw new ProtocolError(
      'invalid_message',
      `'format' must be one of "jsonl", "csv" (got ${JSON.stringify(format)})`,
    );
  }
  const path = join(dir, 'metrics.jsonl');
  if (format === 'csv') {
    const csv = metricsToCsv(readMetricsLines(dir));
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'inline; filename="metrics.csv"',
      'cache-control': 'no-store',
    });
    res.end(csv);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
  if (!existsSync(path)) {
    res.end();
    return;
  }
  createReadStream(path)
    .on('error', () => res.destroy())
    .pipe(res);
}
