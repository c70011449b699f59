/**
 * Gymnasium LunarLander-v3 constants, in Gymnasium's own units: lengths in "pixels" where noted (divide by
 * SCALE for metres), everything else in Box2D's SI units (metres, seconds, kilograms, y up).
 * The conversion to matter-js units lives in units.ts only.
 */

export const FPS = 50;
/** Pixels per metre in Gymnasium; also the matter-js length unit here (see units.ts). */
export const SCALE = 30;

export const MAIN_ENGINE_POWER = 13;
export const SIDE_ENGINE_POWER = 0.6;
/** Magnitude bound of the random force (N) on each axis at reset. */
export const INITIAL_RANDOM = 1000;

/** Lander hull outline in pixels, body frame (origin = body position, y up), counter-clockwise. */
export const LANDER_POLY: readonly (readonly [number, number])[] = [
  [-14, 17],
  [-17, 0],
  [-17, -10],
  [17, -10],
  [17, 0],
  [14, 17],
];
export const LEG_AWAY = 20;
export const LEG_DOWN = 18;
/** Leg half-width and half-height in pixels (Box2D `polygonShape(box=(LEG_W, LEG_H))` takes half extents). */
export const LEG_W = 2;
export const LEG_H = 8;
/** Maximum torque (N·m) of each leg's joint motor. */
export const LEG_SPRING_TORQUE = 40;
/** Speed (rad/s) at which each leg's motor drives it back towards its extended limit. */
export const LEG_MOTOR_SPEED = 0.3;
/** Joint angle (rad) at which a leg is fully extended and fully folded, measured as a positive fold angle. */
export const LEG_EXTENDED_ANGLE = 0.4;
export const LEG_FOLDED_ANGLE = 0.9;

export const SIDE_ENGINE_HEIGHT = 14;
export const SIDE_ENGINE_AWAY = 12;
/** Gymnasium uses 17 here where SIDE_ENGINE_HEIGHT (14) was presumably meant; kept, as it shapes the torque. */
export const SIDE_ENGINE_TIP_OFFSET = 17;
export const MAIN_ENGINE_Y_LOCATION = 4;

export const VIEWPORT_W = 600;
export const VIEWPORT_H = 400;
/** Viewport in metres. */
export const W = VIEWPORT_W / SCALE;
export const H = VIEWPORT_H / SCALE;

export const CHUNKS = 11;
export const HELIPAD_Y = H / 4;

export const LANDER_DENSITY = 5;
export const LANDER_FRICTION = 0.1;
export const LEG_DENSITY = 1;
/** Box2D's default fixture friction: Gymnasium leaves the legs' friction unset. */
export const LEG_FRICTION = 0.2;
export const GROUND_FRICTION = 0.1;

/** Box2D (b2Settings.h) sleep rule: an island sleeps after resting this long below both tolerances. */
export const LINEAR_SLEEP_TOLERANCE = 0.01;
export const ANGULAR_SLEEP_TOLERANCE = (2 / 180) * Math.PI;
export const TIME_TO_SLEEP = 0.5;

/** Wind: tanh(sin(2k t) + sin(pi k t)) with k = 0.01. */
export const WIND_K = 0.01;
