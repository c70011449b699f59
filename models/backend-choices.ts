/** What a user may ask for with `--backend` or `GYMLAB_BACKEND` (apart from backend.ts so a CLI can check the
 * flag before it loads TensorFlow.js). */
export const BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export function parseBackendChoice(value: string): BackendChoice {
  if ((BACKEND_CHOICES as readonly string[]).includes(value)) return value as BackendChoice;
  throw new RangeError(`backend must be one of ${BACKEND_CHOICES.join(', ')} (got '${value}')`);
}

/** Threads for the wasm backend as given by `--threads` or `GYMLAB_WASM_THREADS`: 1–8, or 'auto' (the cores). */
export function parseThreads(value: string, field = 'threads'): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 8) {
    throw new RangeError(`${field} must be an integer in [1, 8] or 'auto' (got '${value}')`);
  }
  return n;
}
