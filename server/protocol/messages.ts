// The wire protocol between the training server and its clients (the viewer, tests, scripts): every JSON
// message in both directions, as zod schemas and the types inferred from them. Imports nothing from Node: the
// browser viewer bundles this module. docs/protocol.md describes each message.
import { z } from 'zod';
import { liveParamsSchema } from '../../agents/dqn/live-params.ts';
import { OptionsError, parseWith } from '../../envs/core/options.ts';

/**
 * Bumped on any change a client of the previous version would misread. 2: binary frames carry an agent view
 * (return so far, action, ε, Q-values) between the header and the render state.
 */
export const PROTOCOL_VERSION = 2;
/** Text messages above this many bytes are refused with `too_large` (the connection stays open). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** WebSocket endpoint path on the HTTP port. */
export const WS_PATH = '/ws';

export const CHANNELS = ['metrics', 'frames', 'episodes', 'events'] as const;
export type Channel = (typeof CHANNELS)[number];
export const CONTROL_ACTIONS = ['pause', 'resume', 'step', 'stop', 'checkpoint'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];
/** max: train flat out, frames sampled; realtime: env steps at the env's FPS; replay: recorded episodes. */
export const SPEED_MODES = ['max', 'realtime', 'replay'] as const;
export type SpeedMode = (typeof SPEED_MODES)[number];
export const REPLAY_SOURCES = ['latest', 'best'] as const;
export type ReplaySource = (typeof REPLAY_SOURCES)[number];
/** Kinds of run a server trains; GAN kinds join this list (and `createRunSchema`'s union) later. */
export const RUN_KINDS = ['dqn'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

export const RUN_STATUSES = [
  'queued',
  'starting',
  'running',
  'paused',
  'solved',
  'finished',
  'stopped',
  'failed',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** A live run has a worker thread (or is waiting for one); the others rest on disk and can be resumed. */
export const LIVE_STATUSES: readonly RunStatus[] = ['queued', 'starting', 'running', 'paused'];

export const ERROR_CODES = [
  'bad_json',
  'too_large',
  'binary_refused',
  'unknown_type',
  'invalid_message',
  'invalid_config',
  'invalid_params',
  'unknown_run',
  'bad_state',
  'unsupported_version',
  'rate_limited',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

// ─── Client → server ────────────────────────────────────────────────────────────────────────────────────────

const requestId = z.union([z.string().min(1).max(64), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)]);
export type RequestId = z.infer<typeof requestId>;
/** Run ids are run directory names: letters, digits, '.', '_', '-' (never a path). */
export const runIdSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/, 'a run id (letters, digits, ".", "_", "-")');
const channels = z.array(z.enum(CHANNELS)).min(1).max(CHANNELS.length);

export const helloSchema = z.strictObject({
  type: z.literal('hello'),
  requestId: requestId.optional(),
  protocolVersion: z.number().int().min(1).max(1000),
  client: z.string().max(100).optional(),
});

export const listRunsSchema = z.strictObject({
  type: z.literal('listRuns'),
  requestId: requestId.optional(),
});

/**
 * A DQN run's config: `env`, `seed`, `steps` (env steps to train), `numEnvs`, and any DQN option (see
 * agents/dqn/options.ts) at the same level — `{env: 'CartPole-v1', seed: 1, gamma: 0.9, hiddenSizes: [32]}`.
 * The server validates the options exactly as `gymlab train dqn` does; unknown keys are refused by name.
 */
export const dqnRunConfigSchema = z.looseObject({
  env: z.string().min(1).max(64),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  steps: z.number().int().min(1).max(1_000_000_000).optional(),
  numEnvs: z.number().int().min(1).max(64).optional(),
});
export type DqnRunConfig = z.infer<typeof dqnRunConfigSchema>;

const createRunBase = {
  type: z.literal('createRun'),
  requestId: requestId.optional(),
  /** Speed the run starts in (default max). */
  speed: z.enum(SPEED_MODES).optional(),
  replaySource: z.enum(REPLAY_SOURCES).optional(),
};
export const createDqnRunSchema = z.strictObject({
  ...createRunBase,
  kind: z.literal('dqn'),
  config: dqnRunConfigSchema,
});
/** One branch per run kind, told apart by `kind`. */
export const createRunSchema = z.discriminatedUnion('kind', [createDqnRunSchema]);

export const subscribeSchema = z.strictObject({
  type: z.literal('subscribe'),
  requestId: requestId.optional(),
  runId: runIdSchema,
  /** Default: all channels. */
  channels: channels.optional(),
});
export const unsubscribeSchema = z.strictObject({
  type: z.literal('unsubscribe'),
  requestId: requestId.optional(),
  runId: runIdSchema,
  /** Default: all channels. */
  channels: channels.optional(),
});

export const controlSchema = z.strictObject({
  type: z.literal('control'),
  requestId: requestId.optional(),
  runId: runIdSchema,
  action: z.enum(CONTROL_ACTIONS),
  /** `step`: vector env steps to take while paused (default 1). */
  count: z.number().int().min(1).max(10_000).optional(),
  /** `resume` of a run that rests on disk: its new step budget (default: the run's own). */
  totalSteps: z.number().int().min(1).max(1_000_000_000).optional(),
});

/** Live-tunable values: the DQN agent's (γ, ε and learning-rate overrides, τ, reward weights) and the speed. */
export const paramsSchema = liveParamsSchema
  .extend({
    speed: z.enum(SPEED_MODES).optional(),
    replaySource: z.enum(REPLAY_SOURCES).optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), {
    message: `must set at least one of ${Object.keys(liveParamsSchema.shape).join(', ')}, speed, replaySource`,
  });
export type Params = z.infer<typeof paramsSchema>;

export const setParamsSchema = z.strictObject({
  type: z.literal('setParams'),
  requestId: requestId.optional(),
  runId: runIdSchema,
  params: paramsSchema,
});

export const deleteRunSchema = z.strictObject({
  type: z.literal('deleteRun'),
  requestId: requestId.optional(),
  runId: runIdSchema,
});

export type HelloMessage = z.infer<typeof helloSchema>;
export type ListRunsMessage = z.infer<typeof listRunsSchema>;
export type CreateRunMessage = z.infer<typeof createRunSchema>;
export type SubscribeMessage = z.infer<typeof subscribeSchema>;
export type UnsubscribeMessage = z.infer<typeof unsubscribeSchema>;
export type ControlMessage = z.infer<typeof controlSchema>;
export type SetParamsMessage = z.infer<typeof setParamsSchema>;
export type DeleteRunMessage = z.infer<typeof deleteRunSchema>;
export type ClientMessage =
  | HelloMessage
  | ListRunsMessage
  | CreateRunMessage
  | SubscribeMessage
  | UnsubscribeMessage
  | ControlMessage
  | SetParamsMessage
  | DeleteRunMessage;
export type ClientMessageType = ClientMessage['type'];

const CLIENT_SCHEMAS: Record<ClientMessageType, z.ZodType> = {
  hello: helloSchema,
  listRuns: listRunsSchema,
  createRun: createRunSchema,
  subscribe: subscribeSchema,
  unsubscribe: unsubscribeSchema,
  control: controlSchema,
  setParams: setParamsSchema,
  deleteRun: deleteRunSchema,
};
export const CLIENT_MESSAGE_TYPES = Object.keys(CLIENT_SCHEMAS) as ClientMessageType[];

/** Why a client message was refused, ready to send as an `error`. */
export class ProtocolError extends Error {
  readonly code: ErrorCode;
  readonly requestId: RequestId | undefined;

  constructor(code: ErrorCode, message: string, requestId?: RequestId) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.requestId = requestId;
  }
}

/**
 * Parses one text message from a client. Throws a ProtocolError whose message names the offending field and
 * what is allowed; its requestId is the message's own when that one is readable, so the error can echo it.
 */
export function parseClientMessage(text: string): ClientMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ProtocolError('bad_json', `message is not valid JSON: ${(err as Error).message}`);
  }
  return validateClientMessage(raw);
}

export function validateClientMessage(raw: unknown): ClientMessage {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ProtocolError('bad_json', 'message must be a JSON object with a "type" string');
  }
  const record = raw as Record<string, unknown>;
  const id = requestId.safeParse(record['requestId']);
  const rid = id.success ? id.data : undefined;
  const type = record['type'];
  if (typeof type !== 'string') {
    const what = type === undefined ? 'is required' : `must be a string (got ${JSON.stringify(type)})`;
    throw new ProtocolError(
      'invalid_message',
      `'type' ${what}: one of ${CLIENT_MESSAGE_TYPES.join(', ')}`,
      rid,
    );
  }
  const schema = Object.hasOwn(CLIENT_SCHEMAS, type) ? CLIENT_SCHEMAS[type as ClientMessageType] : undefined;
  if (!schema) {
    throw new ProtocolError(
      'unknown_type',
      `unknown message type ${JSON.stringify(type.slice(0, 40))}; valid: ${CLIENT_MESSAGE_TYPES.join(', ')}`,
      rid,
    );
  }
  if (type === 'createRun' && !RUN_KINDS.includes(record['kind'] as RunKind)) {
    throw new ProtocolError(
      'invalid_message',
      `'kind' must be one of ${RUN_KINDS.map((k) => JSON.stringify(k)).join(', ')}`,
      rid,
    );
  }
  try {
    return parseWith(schema, raw, `'${type}' message`) as ClientMessage;
  } catch (err) {
    if (err instanceof OptionsError) throw new ProtocolError('invalid_message', err.message, rid);
    throw err;
  }
}

// ─── Server → client ────────────────────────────────────────────────────────────────────────────────────────

const num = z.number();
const nullableNum = z.number().nullable();

/** A run as the server lists it. `handle` is the run's number in binary frame headers. */
export const runInfoSchema = z.object({
  id: z.string(),
  handle: z.number().int(),
  kind: z.enum(RUN_KINDS),
  env: z.string(),
  seed: z.number().int(),
  numEnvs: z.number().int(),
  status: z.enum(RUN_STATUSES),
  /** Why it failed (status 'failed'), or a note such as 'interrupted by server shutdown'. */
  error: z.string().nullable(),
  note: z.string().nullable(),
  steps: num,
  totalSteps: num,
  episodes: num,
  meanReturn100: nullableNum,
  bestMeanReturn100: nullableNum,
  solvedAtStep: nullableNum,
  stepsPerSecond: num,
  speed: z.enum(SPEED_MODES),
  replaySource: z.enum(REPLAY_SOURCES),
  /** Env frames per second (what realtime means) and the render-state kind the frames carry. */
  renderFps: num,
  learner: z.string().nullable(),
  createdAt: z.string(),
  checkpointStep: nullableNum,
  /** 1-based place in the queue of runs waiting for a worker; null when not queued. */
  queuePosition: z.number().int().nullable(),
  demo: z.boolean(),
});
export type RunInfo = z.infer<typeof runInfoSchema>;

export const envInfoSchema = z.object({
  id: z.string(),
  description: z.string(),
  renderFps: num,
  renderKind: z.string(),
  discreteActions: z.boolean(),
  rewardWeights: z.record(z.string(), num).nullable(),
});
export type EnvInfo = z.infer<typeof envInfoSchema>;

/** Learning statistics (CleanRL names), as the trainer reports them every `metricsEvery` updates. */
export const metricsRecordSchema = z.object({
  step: num,
  updates: num,
  'losses/td_loss': nullableNum,
  'losses/q_values': nullableNum,
  'charts/SPS': num,
  'charts/learning_rate': num,
});
export const episodeRecordSchema = z.object({
  step: num,
  episode: num,
  'charts/episodic_return': num,
  'charts/episodic_length': num,
  'charts/epsilon': num,
  meanReturn100: num,
});
export const paramChangeSchema = z.object({ name: z.string(), from: z.unknown(), to: z.unknown() });

/** The run's counters now, sent with every metrics batch. */
export const progressSchema = z.object({
  step: num,
  episodes: num,
  epsilon: num,
  learningRate: num,
  meanReturn100: nullableNum,
  bestMeanReturn100: nullableNum,
  solvedAtStep: nullableNum,
  stepsPerSecond: num,
  wallSeconds: num,
});
/** The live-tunable values in force now: after a setParams, the next metrics batch shows the change. */
export const liveValuesSchema = z.object({
  gamma: num,
  tau: num,
  epsilonOverride: nullableNum,
  learningRateOverride: nullableNum,
  rewardWeights: z.record(z.string(), num).nullable(),
  speed: z.enum(SPEED_MODES),
  replaySource: z.enum(REPLAY_SOURCES),
});

const rid = { requestId: requestId.optional() };
export const welcomeSchema = z.object({
  type: z.literal('welcome'),
  ...rid,
  protocolVersion: z.number().int(),
  server: z.literal('gymlab'),
  version: z.string(),
  frameHz: num,
  maxMessageBytes: num,
  envs: z.array(envInfoSchema),
  runs: z.array(runInfoSchema),
});
export const runListSchema = z.object({ type: z.literal('runList'), ...rid, runs: z.array(runInfoSchema) });
export const runStateSchema = z.object({ type: z.literal('runState'), run: runInfoSchema });
export const runRemovedSchema = z.object({ type: z.literal('runRemoved'), runId: z.string() });
export const metricsMessageSchema = z.object({
  type: z.literal('metrics'),
  runId: z.string(),
  records: z.array(metricsRecordSchema),
  progress: progressSchema,
  params: liveValuesSchema,
  /** Records left out while this client could not keep up (coalescing keeps the newest). */
  dropped: z.number().int().optional(),
});
export const episodeMessageSchema = z.object({
  type: z.literal('episode'),
  runId: z.string(),
  episodes: z.array(episodeRecordSchema),
  dropped: z.number().int().optional(),
});
export const eventMessageSchema = z.object({
  type: z.literal('event'),
  runId: z.string(),
  step: num,
  events: z.array(paramChangeSchema),
});
export const replayMessageSchema = z.object({
  type: z.literal('replay'),
  runId: z.string(),
  source: z.enum(REPLAY_SOURCES),
  episode: num,
  return: num,
  length: num,
  frames: num,
  step: num,
});
export const ackSchema = z.object({
  type: z.literal('ack'),
  ...rid,
  of: z.enum(CLIENT_MESSAGE_TYPES as [ClientMessageType, ...ClientMessageType[]]),
  runId: z.string().optional(),
  run: runInfoSchema.optional(),
  changes: z.array(paramChangeSchema).optional(),
  step: num.optional(),
});
export const errorSchema = z.object({
  type: z.literal('error'),
  ...rid,
  code: z.enum(ERROR_CODES),
  message: z.string(),
});

export const serverMessageSchema = z.discriminatedUnion('type', [
  welcomeSchema,
  runListSchema,
  runStateSchema,
  runRemovedSchema,
  metricsMessageSchema,
  episodeMessageSchema,
  eventMessageSchema,
  replayMessageSchema,
  ackSchema,
  errorSchema,
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;
export type WelcomeMessage = z.infer<typeof welcomeSchema>;
export type MetricsMessage = z.infer<typeof metricsMessageSchema>;
export type EpisodeMessage = z.infer<typeof episodeMessageSchema>;
export type EventMessage = z.infer<typeof eventMessageSchema>;
export type ReplayMessage = z.infer<typeof replayMessageSchema>;
export type AckMessage = z.infer<typeof ackSchema>;
export type ErrorMessage = z.infer<typeof errorSchema>;
export type Progress = z.infer<typeof progressSchema>;
export type LiveValues = z.infer<typeof liveValuesSchema>;
export type MetricsRecordWire = z.infer<typeof metricsRecordSchema>;
export type EpisodeRecordWire = z.infer<typeof episodeRecordSchema>;
