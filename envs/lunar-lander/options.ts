import { z } from 'zod';
import { parseWith } from '../core/options.ts';

/** Each term of the reward; see reward.ts for what each weight multiplies. (A type, not an interface, so it
 * satisfies RewardWeighted's Record<string, number>.) */
export type LanderRewardWeights = {
  distance: number;
  speed: number;
  angle: number;
  legContact: number;
  mainEngine: number;
  sideEngine: number;
  crash: number;
  landed: number;
};

/** Gymnasium's own reward. */
export const DEFAULT_REWARD_WEIGHTS: Readonly<LanderRewardWeights> = Object.freeze({
  distance: 100,
  speed: 100,
  angle: 100,
  legContact: 10,
  mainEngine: 0.3,
  sideEngine: 0.03,
  crash: -100,
  landed: 100,
});

export const REWARD_WEIGHT_NAMES = Object.keys(DEFAULT_REWARD_WEIGHTS) as (keyof LanderRewardWeights)[];

/** zod 4's number() already rejects NaN and ±Infinity. */
export const landerRewardWeightsSchema = z
  .strictObject({
    distance: z.number(),
    speed: z.number(),
    angle: z.number(),
    legContact: z.number(),
    mainEngine: z.number(),
    sideEngine: z.number(),
    crash: z.number(),
    landed: z.number(),
  })
  .partial();

/** Gymnasium's constructor arguments (camelCase), strict: unknown keys are rejected. */
export const lunarLanderOptionsSchema = z.strictObject({
  continuous: z.boolean().default(false),
  /** Gymnasium asserts −12 < gravity < 0 (m/s²). */
  gravity: z.number().gt(-12).lt(0).default(-10),
  enableWind: z.boolean().default(false),
  /** Gymnasium only warns outside 0..20 and 0..2; here those ranges are enforced. */
  windPower: z.number().min(0).max(20).default(15),
  turbulencePower: z.number().min(0).max(2).default(1.5),
  rewardWeights: landerRewardWeightsSchema.default({}),
});

export type LunarLanderOptions = z.input<typeof lunarLanderOptionsSchema>;
export type ResolvedLunarLanderOptions = z.output<typeof lunarLanderOptionsSchema>;

/** Validates options; throws an Error whose message names each offending field. */
export function parseLunarLanderOptions(options: unknown): ResolvedLunarLanderOptions {
  return parseWith(lunarLanderOptionsSchema, options ?? {}, 'LunarLander options');
}

/**
 * Validates a partial set of reward weights against the known names; throws (naming the field and listing the
 * valid names) on an unknown name or a non-finite value. Returns the merged weights without touching `current`.
 */
export function mergeRewardWeights(current: LanderRewardWeights, update: unknown): LanderRewardWeights {
  const valid = REWARD_WEIGHT_NAMES.join(', ');
  if (typeof update !== 'object' || update === null || Array.isArray(update)) {
    throw new Error(`LunarLander reward weights must be an object with some of: ${valid}`);
  }
  const merged = { ...current };
  for (const [name, value] of Object.entries(update)) {
    if (!REWARD_WEIGHT_NAMES.includes(name as keyof LanderRewardWeights)) {
      throw new Error(`LunarLander: unknown reward weight "${name}"; valid names: ${valid}`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(
        `LunarLander: reward weight "${name}" must be a finite number (got ${String(value)}); valid names: ${valid}`,
      );
    }
    merged[name as keyof LanderRewardWeights] = value;
  }
  return merged;
}
