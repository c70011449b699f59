/** What a user may ask for with `--backend` or `GYMLAB_BACKEND` (apart from backend.ts so a CLI can check the
 * flag before it loads TensorFlow.js). */
export const BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export function parseBackendChoice(value: string): BackendChoice {
  if ((BACKEND_CHOICES as readonly string[]).includes(value)) return value as BackendChoice;
  throw new RangeError(`backend must be one of ${BACKEND_CHOICES.join(', ')} (got '${value}')`);
}
