import { z } from 'zod';

/**
 * What users tune while watching, between two env steps. `epsilon` and `learningRate` are overrides: a number
 * replaces the schedule's value until it is set back to null; `gamma` and `tau` replace the option's value.
 * `rewardWeights` go to the env (those that implement RewardWeighted).
 */
export const liveParamsSchema = z.strictObject({
  gamma: z.number().gte(0).lt(1).optional(),
  epsilon: z.number().gte(0).lte(1).nullable().optional(),
  learningRate: z.number().gt(0).lte(1).nullable().optional(),
  tau: z.number().gt(0).lte(1).optional(),
  rewardWeights: z.record(z.string(), z.number()).optional(),
});
export type LiveParams = z.input<typeof liveParamsSchema>;

/** One applied change, as written to metrics.jsonl under `events`. */
export interface ParamChange {
  name: string;
  from: unknown;
  to: unknown;
}
