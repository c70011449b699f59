import type { DqnOptions } from './options.ts';

/**
 * ε of the schedule alone (a live override replaces it while set).
 * - 'exponential-per-episode' (the course lab): ε_e = max(end, start·decay^e) after e finished episodes.
 * - 'linear-per-step' (SB3): from start to end over `epsilonDecaySteps` env steps, then flat.
 */
export function scheduledEpsilon(options: DqnOptions, steps: number, episodes: number): number {
  const { epsilonStart: start, epsilonEnd: end } = options;
  if (options.epsilonSchedule === 'exponential-per-episode') {
    return Math.max(end, start * options.epsilonDecay ** episodes);
  }
  const progress = Math.min(1, steps / options.epsilonDecaySteps);
  return start + (end - start) * progress;
}

/** Learning rate at `steps` env steps from `base` (the option, or a live value that replaced it). */
export function scheduledLearningRate(options: DqnOptions, base: number, steps: number): number {
  const final = options.learningRateFinal;
  const progress = Math.min(1, steps / options.learningRateDecaySteps);
  switch (options.learningRateSchedule) {
    case 'constant':
      return base;
    case 'linear':
      return base + (final - base) * progress;
    case 'exponential':
      return base * (final / base) ** progress;
  }
}
