import type { Container } from 'pixi.js';

/**
 * A Pixi drawing of one env. Built once; `update` only moves, rotates, scales, tints and shows/hides display
 * objects whose geometry already exists (terrain is rebuilt only when a new episode brings new terrain).
 */
export interface EnvView<S> {
  readonly root: Container;
  /** Design size in pixels; the stage scales the view to fit its cell. */
  readonly width: number;
  readonly height: number;
  update(a: S, b: S, t: number, now: number): void;
  /** As a ghost over another env's view: only the moving body, no background. */
  setGhost?(ghost: boolean): void;
  destroy(): void;
}
