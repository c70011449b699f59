// The "start a run" form as data: which fields exist (read from the same zod schemas the server validates
// with, so a new DQN or env option shows up here by itself), their defaults for the chosen env's preset, and
// validation exactly as the server does it (the protocol's createRun schema, resolveDqnOptions, the env's
// options schema) with each problem attached to the field it names.
import { z } from 'zod';
import { dqnOptionsSchema, PRESETS, resolveDqnOptions } from '../../../agents/dqn/options.ts';
import { OptionsError, parseWith } from '../../../envs/core/options.ts';
import { envSpec } from '../../../envs/registry.ts';
import {
  type DqnRunConfig,
  ProtocolError,
  validateClientMessage,
} from '../../../server/protocol/messages.ts';

export type FieldKind =
  | 'number'
  | 'integer'
  | 'boolean'
  | 'enum'
  | 'intList'
  | 'numberList'
  | 'nullableNumber';

export interface FormField {
  /** DQN option name, 'steps' / 'seed' / 'numEnvs', or 'env.<path>' for env options. */
  key: string;
  label: string;
  group: string;
  kind: FieldKind;
  defaultValue: unknown;
  options?: string[];
  /** Shown under "All options" rather than up front. */
  advanced: boolean;
  hint?: string;
  min?: number;
  max?: number;
}

interface Meta {
  label: string;
  group: string;
  hint?: string;
  main?: boolean;
}

/** Labels and grouping; options not listed still appear (under Advanced) with their own name. */
const META: Record<string, Meta> = {
  hiddenSizes: { label: 'Hidden layers', group: 'Network', hint: 'units per layer, e.g. 64, 64', main: true },
  activation: { label: 'Activation', group: 'Network' },
  gamma: { label: 'Discount γ', group: 'Learning', main: true },
  learningRate: { label: 'Learning rate', group: 'Learning', main: true },
  learningRateSchedule: { label: 'LR schedule', group: 'Learning' },
  learningRateFinal: { label: 'Final LR', group: 'Learning' },
  learningRateDecaySteps: { label: 'LR decay steps', group: 'Learning' },
  optimizer: { label: 'Optimizer', group: 'Learning' },
  loss: { label: 'Loss', group: 'Learning', main: true },
  huberDelta: { label: 'Huber δ', group: 'Learning' },
  maxGradNorm: { label: 'Clip grad norm', group: 'Learning', hint: 'empty: no clipping' },
  doubleDqn: { label: 'Double DQN', group: 'Learning', main: true },
  batchSize: { label: 'Batch size', group: 'Learning', main: true },
  trainFrequency: { label: 'Learn every', group: 'Learning', hint: 'env steps', main: true },
  gradientSteps: { label: 'Gradient steps', group: 'Learning' },
  learningStarts: { label: 'Learning starts', group: 'Learning', hint: 'transitions' },
  targetUpdate: { label: 'Target update', group: 'Target network' },
  tau: { label: 'Soft update τ', group: 'Target network', main: true },
  targetUpdateInterval: { label: 'Hard copy every', group: 'Target network' },
  bufferSize: { label: 'Replay buffer', group: 'Replay', main: true },
  prioritizedReplay: { label: 'Prioritized replay', group: 'Replay' },
  epsilonSchedule: { label: 'ε schedule', group: 'Exploration', main: true },
  epsilonStart: { label: 'ε start', group: 'Exploration', main: true },
  epsilonEnd: { label: 'ε end', group: 'Exploration', main: true },
  epsilonDecay: { label: 'ε decay / episode', group: 'Exploration', main: true },
  epsilonDecaySteps: { label: 'ε decay steps', group: 'Exploration', main: true },
  stopWhenSolved: { label: 'Stop when solved', group: 'Advanced' },
  checkpointEvery: { label: 'Checkpoint every', group: 'Advanced', hint: 'env steps' },
};

interface JsonProp {
  type?: string;
  default?: unknown;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: JsonProp;
  anyOf?: JsonProp[];
  properties?: Record<string, JsonProp>;
}

function kindOf(p: JsonProp): FieldKind | null {
  if (p.enum) return 'enum';
  if (p.type === 'boolean') return 'boolean';
  if (p.type === 'integer') return 'integer';
  if (p.type === 'number') return 'number';
  if (p.type === 'array' && p.items?.type === 'integer') return 'intList';
  if (p.type === 'array' && p.items?.type === 'number') return 'numberList';
  if (p.anyOf?.some((a) => a.type === 'null') && p.anyOf.some((a) => a.type === 'number'))
    return 'nullableNumber';
  return null;
}

function bounds(p: JsonProp): { min?: number; max?: number } {
  const inner = p.anyOf?.find((a) => a.type === 'number') ?? p;
  return { min: inner.minimum ?? inner.exclusiveMinimum, max: inner.maximum ?? inner.exclusiveMaximum };
}

function propsOf(schema: z.ZodType): Record<string, JsonProp> {
  const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonProp>;
  };
  return js.properties ?? {};
}

/** Run-level fields (the protocol's createRun config) plus every DQN option, with the env preset's defaults. */
export function dqnFields(envId: string): FormField[] {
  const defaults = resolveDqnOptions(envId) as unknown as Record<string, unknown>;
  const run: FormField[] = [
    {
      key: 'steps',
      label: 'Env steps',
      group: 'Run',
      kind: 'integer',
      defaultValue: PRESETS[envId]?.steps ?? 100_000,
      advanced: false,
      min: 1,
    },
    { key: 'seed', label: 'Seed', group: 'Run', kind: 'integer', defaultValue: 0, advanced: false, min: 0 },
    {
      key: 'numEnvs',
      label: 'Parallel envs',
      group: 'Run',
      kind: 'integer',
      defaultValue: 1,
      advanced: false,
      min: 1,
      max: 64,
    },
  ];
  const props = propsOf(dqnOptionsSchema);
  const fields: FormField[] = [];
  for (const [key, p] of Object.entries(props)) {
    if (key === 'envOptions') continue;
    const kind = kindOf(p);
    if (!kind) continue;
    const meta = META[key];
    fields.push({
      key,
      label: meta?.label ?? key,
      group: meta?.group ?? 'Advanced',
      kind,
      defaultValue: defaults[key],
      options: p.enum,
      advanced: !meta?.main,
      hint: meta?.hint,
      ...bounds(p),
    });
  }
  return [...run, ...fields];
}

/**
 * The env's own options ('env.gravity', 'env.rewardWeights.mainEngine', …), with the reward weights'
 * defaults from the server's env list (the schema only knows they are numbers).
 */
export function envFields(envId: string, rewardDefaults: Record<string, number> | null): FormField[] {
  const spec = envSpec(envId);
  const props = propsOf(spec.optionsSchema);
  const presetEnv = (resolveDqnOptions(envId).envOptions ?? {}) as Record<string, unknown>;
  const out: FormField[] = [];
  for (const [key, p] of Object.entries(props)) {
    if (key === 'continuous') continue;
    if (key === 'rewardWeights' && p.properties) {
      for (const name of Object.keys(p.properties)) {
        out.push({
          key: `env.rewardWeights.${name}`,
          label: name,
          group: 'Reward weights',
          kind: 'number',
          defaultValue: rewardDefaults?.[name] ?? 0,
          advanced: false,
        });
      }
      continue;
    }
    const kind = kindOf(p);
    if (!kind) continue;
    out.push({
      key: `env.${key}`,
      label: key,
      group: 'Environment',
      kind,
      defaultValue: presetEnv[key] ?? p.default ?? null,
      options: p.enum,
      advanced: false,
      ...bounds(p),
    });
  }
  return out;
}

/** Reads what was typed into a field; an error names what is expected. */
export function parseField(field: FormField, raw: string | boolean): { value: unknown } | { error: string } {
  if (field.kind === 'boolean') return { value: Boolean(raw) };
  const text = String(raw).trim();
  if (field.kind === 'enum') return { value: text };
  if (field.kind === 'nullableNumber' && text === '') return { value: null };
  if (field.kind === 'intList' || field.kind === 'numberList') {
    if (text === '') return { value: [] };
    const parts = text
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    if (parts.some((n) => !Number.isFinite(n))) return { error: 'a list of numbers, e.g. 64, 64' };
    if (field.kind === 'intList' && parts.some((n) => !Number.isInteger(n)))
      return { error: 'whole numbers, e.g. 64, 64' };
    return { value: parts };
  }
  if (text === '') return { error: 'required' };
  const n = Number(text);
  if (!Number.isFinite(n)) return { error: 'a number' };
  if (field.kind === 'integer' && !Number.isInteger(n)) return { error: 'a whole number' };
  return { value: n };
}

/** How a value shows in its input. */
export function formatField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The createRun config for the values given (field key → parsed value): only values that differ from the
 * preset go in, like `--set` flags, so config.json says what the person chose.
 */
export function buildRunConfig(
  envId: string,
  fields: readonly FormField[],
  values: Record<string, unknown>,
): DqnRunConfig {
  const config: DqnRunConfig = { env: envId };
  const envOptions: Record<string, unknown> = {};
  const rewardWeights: Record<string, number> = {};
  for (const f of fields) {
    if (!(f.key in values)) continue;
    const v = values[f.key];
    const isRunField = f.key === 'steps' || f.key === 'seed' || f.key === 'numEnvs';
    if (!isRunField && same(v, f.defaultValue)) continue;
    if (f.key.startsWith('env.rewardWeights.'))
      rewardWeights[f.key.slice('env.rewardWeights.'.length)] = v as number;
    else if (f.key.startsWith('env.')) envOptions[f.key.slice(4)] = v;
    else config[f.key] = v;
  }
  if (Object.keys(rewardWeights).length > 0) envOptions['rewardWeights'] = rewardWeights;
  if (Object.keys(envOptions).length > 0) config['envOptions'] = envOptions;
  return config;
}

/** Problems with a config, keyed by field ('_' for ones that name no field); empty when the server will accept it. */
export function validateRunConfig(config: DqnRunConfig): Record<string, string> {
  const errors: Record<string, string> = {};
  const add = (issue: string, prefix = '') => {
    const m = /^'([^']+)'/.exec(issue);
    let key = m ? m[1]! : '_';
    if (key.startsWith('config.')) key = key.slice(7);
    if (key.startsWith('envOptions.')) key = `env.${key.slice(11)}`;
    if (m && prefix) key = `${prefix}${key}`;
    errors[key] ??= issue.replace(/^'[^']+' /, '');
  };
  try {
    validateClientMessage({ type: 'createRun', kind: 'dqn', config });
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    const detail = err.message.replace(/^invalid [^:]+: /, '');
    for (const issue of detail.split('; ')) add(issue);
    return errors;
  }
  const { env, seed: _s, steps: _t, numEnvs: _n, ...options } = config;
  let envOptions: Record<string, unknown> = {};
  try {
    envOptions = resolveDqnOptions(env, options).envOptions;
  } catch (err) {
    if (err instanceof OptionsError) for (const issue of err.issues) add(issue);
    else errors['_'] = (err as Error).message;
    return errors;
  }
  try {
    parseWith(envSpec(env).optionsSchema, envOptions, `options for ${env}`);
  } catch (err) {
    if (err instanceof OptionsError) for (const issue of err.issues) add(issue, 'env.');
    else errors['_'] = (err as Error).message;
  }
  return errors;
}
