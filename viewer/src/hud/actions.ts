import type { AnyRenderState } from '../../../server/protocol/render-packing.ts';
import { landerActionOf } from '../scene/lander-mapping.ts';

/** Names of each env's discrete actions, as the HUD and the keyboard help show them. */
export const ACTION_NAMES: Record<string, readonly string[]> = {
  'LunarLander-v3': ['no-op', 'left engine', 'main engine', 'right engine'],
  'CartPole-v1': ['push left', 'push right'],
  'MarsRover-v0': ['left', 'right'],
};

const BY_KIND: Record<string, readonly string[]> = {
  'lunar-lander': ACTION_NAMES['LunarLander-v3']!,
  cartpole: ACTION_NAMES['CartPole-v1']!,
  'mars-rover': ACTION_NAMES['MarsRover-v0']!,
};

export function actionNamesFor(kindOrEnv: string): readonly string[] {
  return ACTION_NAMES[kindOrEnv] ?? BY_KIND[kindOrEnv] ?? [];
}

/** The action that led to a state, read from the state itself (frames do not carry the action). */
export function actionOfState(s: AnyRenderState): number | null {
  if (s.kind === 'lunar-lander') return landerActionOf(s);
  return s.lastAction;
}
