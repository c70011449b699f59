import { Rng } from '../../envs/core/rng.ts';

/** What `ImagePool.getState` returns: the stored images back to back (count·imageSize floats) and the Rng state. */
export interface ImagePoolState {
  images: Float32Array;
  rng: number[];
}

/**
 * The history of generated images CycleGAN shows its discriminators (Shrivastava et al.; util/image_pool.py in
 * junyanz/pytorch-CycleGAN-and-pix2pix), per image of a batch: until the pool holds `size` images each new one
 * is stored and returned as is; after that, with probability ½ a uniformly chosen stored image is returned and
 * replaced by the new one, otherwise the new one is returned. Size 0 returns every batch unchanged.
 *
 * Images are plain Float32Arrays (copied in, copied out), so the pool holds no tensors and needs no disposal.
 * `getState` / `setState` save and restore the stored images and the Rng, so a resumed run draws the same.
 */
export class ImagePool {
  readonly size: number;
  /** Floats per image (H·W·C). */
  readonly imageSize: number;
  private rng: Rng;
  private readonly stored: Float32Array[] = [];

  constructor(size: number, imageSize: number, rng: Rng) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`ImagePool: size must be an integer ≥ 0`);
    if (!Number.isInteger(imageSize) || imageSize < 1) {
      throw new RangeError(`ImagePool: imageSize must be a positive integer`);
    }
    this.size = size;
    this.imageSize = imageSize;
    this.rng = rng;
  }

  /** Images stored so far (≤ size). */
  get length(): number {
    return this.stored.length;
  }

  /** The batch to show the discriminator in place of `images` (`count` images of `imageSize` floats). */
  query(images: Float32Array, count: number): Float32Array {
    const n = this.imageSize;
    if (images.length !== count * n) {
      throw new RangeError(`ImagePool.query: expected ${count}×${n} floats, got ${images.length}`);
    }
    const out = new Float32Array(count * n);
    for (let i = 0; i < count; i++) {
      const image = images.subarray(i * n, (i + 1) * n);
      if (this.stored.length < this.size) {
        this.stored.push(image.slice());
        out.set(image, i * n);
      } else if (this.size > 0 && this.rng.uniform() > 0.5) {
        const k = this.rng.int(this.size);
        out.set(this.stored[k]!, i * n);
        this.stored[k] = image.slice();
      } else {
        out.set(image, i * n);
      }
    }
    return out;
  }

  /** The stored images (copied, in slot order) and the Rng's state. */
  getState(): ImagePoolState {
    const images = new Float32Array(this.stored.length * this.imageSize);
    this.stored.forEach((image, k) => {
      images.set(image, k * this.imageSize);
    });
    return { images, rng: this.rng.getState() };
  }

  /** Restores what `getState` returned (from a pool of the same size and image size). */
  setState(state: ImagePoolState): void {
    const count = state.images.length / this.imageSize;
    if (!Number.isInteger(count) || count > this.size) {
      throw new RangeError(
        `ImagePool.setState: expected at most ${this.size} images of ${this.imageSize} floats, got ` +
          `${state.images.length} floats`,
      );
    }
    this.stored.length = 0;
    for (let k = 0; k < count; k++) {
      this.stored.push(state.images.slice(k * this.imageSize, (k + 1) * this.imageSize));
    }
    this.rng = Rng.fromState(state.rng);
  }

  clear(): void {
    this.stored.length = 0;
  }
}
