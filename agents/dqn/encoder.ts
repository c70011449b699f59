import { Box, Discrete, type Space, type SpaceJSON } from '../../envs/core/spaces.ts';

/**
 * Turns an env's observation into the Q-network's input row. A Box is copied as its floats; a Discrete state
 * number becomes a one-hot vector — feeding the raw number (1..6 for the rover) would make Q a smooth function
 * of the state's label, which it is not.
 */
export interface ObservationEncoder {
  readonly inputSize: number;
  /** Floats one observation takes in a vector env's flat obs array (1 for Discrete). */
  readonly rawSize: number;
  readonly space: SpaceJSON;
  encode(raw: ArrayLike<number>, rawOffset: number, out: Float32Array, outOffset: number): void;
}

export function makeEncoder(space: Space<unknown>): ObservationEncoder {
  if (space instanceof Discrete) {
    const { n, start } = space;
    return {
      inputSize: n,
      rawSize: 1,
      space: space.toJSON(),
      encode(raw, rawOffset, out, outOffset) {
        const index = raw[rawOffset]! - start;
        if (!(index >= 0 && index < n && Number.isInteger(index))) {
          throw new RangeError(`observation ${raw[rawOffset]} is outside Discrete(${n}, start ${start})`);
        }
        out.fill(0, outOffset, outOffset + n);
        out[outOffset + index] = 1;
      },
    };
  }
  if (space instanceof Box) {
    const size = space.size;
    return {
      inputSize: size,
      rawSize: size,
      space: space.toJSON(),
      encode(raw, rawOffset, out, outOffset) {
        for (let k = 0; k < size; k++) out[outOffset + k] = raw[rawOffset + k]!;
      },
    };
  }
  throw new RangeError(`DQN needs a Discrete or Box observation space (got ${space.constructor.name})`);
}
