import type Matter from 'matter-js';

/**
 * Gymnasium's crash test: any contact between the lander body (not its legs) and the moon sets `game_over`.
 * The hull is the only dynamic body in matter's world (legs.ts solves the legs' own ground contacts), so an
 * active pair involving it after an update is the hull touching the ground.
 */
export function hullTouchesGround(engine: Matter.Engine, hull: Matter.Body): boolean {
  const pairs = engine.pairs.list;
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!;
    if (pair.isActive && (pair.bodyA === hull || pair.bodyB === hull)) return true;
  }
  return false;
}
