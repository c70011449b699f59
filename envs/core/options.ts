import type { z } from 'zod';

/** A rejected option, config value or message field: `message` names the field and what is allowed. */
export class OptionsError extends Error {
  readonly issues: string[];

  constructor(what: string, issues: string[]) {
    super(`invalid ${what}: ${issues.join('; ')}`);
    this.name = 'OptionsError';
    this.issues = issues;
  }
}

/**
 * Validates `input` against a zod schema and returns the parsed value, or throws an OptionsError whose message
 * names each bad field with its allowed range (zod's own messages do not name the field).
 */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw new OptionsError(what, describeIssues(result.error.issues, schema));
}

type Issue = z.core.$ZodIssue;

export function describeIssues(issues: readonly Issue[], schema?: z.ZodType): string[] {
  return issues.map((issue) => describeIssue(issue, schema));
}

function describeIssue(issue: Issue, schema?: z.ZodType): string {
  const field = issue.path.length > 0 ? `'${issue.path.map(String).join('.')}'` : 'value';
  switch (issue.code) {
    case 'too_small':
    case 'too_big': {
      const isMin = issue.code === 'too_small';
      const limit = String(isMin ? issue.minimum : issue.maximum);
      const bound = isMin ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
      if (issue.origin === 'array' || issue.origin === 'string' || issue.origin === 'set') {
        return `${field} must have length ${bound} ${limit}${gotHint(issue)}`;
      }
      const range = numberRange(schemaAt(schema, issue.path));
      return `${field} must be ${range ?? `${bound} ${limit}`}${gotHint(issue)}`;
    }
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`;
      const input = (issue as { input?: unknown }).input;
      if (input === undefined) return `${field} is required (${expected})`;
      const range = numberRange(schemaAt(schema, issue.path));
      return `${field} must be ${expected}${range ? ` ${range}` : ''}${gotHint(issue)}`;
    }
    case 'unrecognized_keys': {
      const valid = validKeys(schema, issue.path);
      const where = issue.path.length > 0 ? ` in '${issue.path.join('.')}'` : '';
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}${where}${
        valid ? `; valid: ${valid.join(', ')}` : ''
      }`;
    }
    case 'invalid_value':
      return `${field} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return `${field} matches none of the allowed forms`;
    default:
      return `${field}: ${issue.message}`;
  }
}

function gotHint(issue: Issue): string {
  const input = (issue as { input?: unknown }).input;
  if (input === undefined) return '';
  const text = JSON.stringify(input);
  return text === undefined || text.length > 40 ? '' : ` (got ${text})`;
}

/** Keys of the object schema at `path`, to list the valid choices next to an unknown one. */
function validKeys(schema: z.ZodType | undefined, path: readonly PropertyKey[]): string[] | undefined {
  const shape = (schemaAt(schema, path) as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : undefined;
}

function schemaAt(schema: z.ZodType | undefined, path: readonly PropertyKey[]): unknown {
  let s: unknown = unwrapSchema(schema);
  for (const key of path) {
    const shape = (s as { shape?: Record<string, unknown> } | undefined)?.shape;
    const element = (s as { element?: unknown } | undefined)?.element;
    if (shape) s = unwrapSchema(shape[String(key)]);
    else if (element && typeof key === 'number') s = unwrapSchema(element);
    else return undefined;
  }
  return s;
}

interface BoundCheck {
  check: string;
  value: number;
  inclusive: boolean;
}

/** "in (-12, 0)", "in [0, 20]", "≥ 1": the whole allowed range of a number schema, read from its checks. */
function numberRange(s: unknown): string | undefined {
  const checks = (s as { _zod?: { def?: { checks?: { _zod: { def: BoundCheck } }[] } } } | undefined)?._zod
    ?.def?.checks;
  if (!checks) return undefined;
  let lo: BoundCheck | undefined;
  let hi: BoundCheck | undefined;
  for (const c of checks) {
    const d = c._zod.def;
    if (d.check === 'greater_than') lo = d;
    if (d.check === 'less_than') hi = d;
  }
  if (lo && hi) return `in ${lo.inclusive ? '[' : '('}${lo.value}, ${hi.value}${hi.inclusive ? ']' : ')'}`;
  if (lo) return `${lo.inclusive ? '≥' : '>'} ${lo.value}`;
  if (hi) return `${hi.inclusive ? '≤' : '<'} ${hi.value}`;
  return undefined;
}

function unwrapSchema(s: unknown): unknown {
  let cur = s as { unwrap?: () => unknown; def?: { innerType?: unknown } } | undefined;
  for (let i = 0; i < 8 && cur; i++) {
    if (typeof cur.unwrap === 'function') cur = cur.unwrap() as typeof cur;
    else if (cur.def?.innerType) cur = cur.def.innerType as typeof cur;
    else break;
  }
  return cur;
}
