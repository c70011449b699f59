/**
 * Gymnasium's demo controller (`heuristic` in lunar_lander.py) as a policy on the observation: tilt towards the
 * pad, hover at a height proportional to the horizontal offset, and after touchdown only brake the descent.
 * Returns an action for Discrete(4), or a Float32Array [main, lateral] when `continuous`.
 */
export function heuristicPolicy(obs: Float32Array, continuous = false): number | Float32Array {
  const x = obs[0]!;
  const y = obs[1]!;
  const vx = obs[2]!;
  const vy = obs[3]!;
  // Angle should point towards the centre; more than 0.4 rad (22°) is bad.
  const angleTarget = Math.max(-0.4, Math.min(0.4, x * 0.5 + vx * 1.0));
  // Target height is proportional to the horizontal offset.
  const hoverTarget = 0.55 * Math.abs(x);
  let angleTodo = (angleTarget - obs[4]!) * 0.5 - obs[5]! * 1.0;
  let hoverTodo = (hoverTarget - y) * 0.5 - vy * 0.5;
  if (obs[6] || obs[7]) {
    // After touchdown only reduce the fall speed.
    angleTodo = 0;
    hoverTodo = -vy * 0.5;
  }
  if (continuous) {
    const clip = (v: number) => Math.max(-1, Math.min(1, v));
    return Float32Array.of(clip(hoverTodo * 20 - 1), clip(-angleTodo * 20));
  }
  if (hoverTodo > Math.abs(angleTodo) && hoverTodo > 0.05) return 2;
  if (angleTodo < -0.05) return 3;
  if (angleTodo > 0.05) return 1;
  return 0;
}
