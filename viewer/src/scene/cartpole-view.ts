import { Container, FillGradient, Graphics, GraphicsContext } from 'pixi.js';
import type { CartPoleRenderState } from '../../../envs/cartpole/cartpole.ts';
import { cartPoleScene } from './cartpole-mapping.ts';
import type { EnvView } from './env-view.ts';
import { SCENE } from './palette.ts';

const PX_W = 600;
const PX_H = 400;
/** Gymnasium's render scale: the ±2.4 m track fills the 600 px width. */
const PX_PER_M = PX_W / 4.8;
const TRACK_Y = 300;
const CART_W = 50;
const CART_H = 30;

interface Shared {
  backdrop: GraphicsContext;
  cart: GraphicsContext;
  pole: GraphicsContext;
  arrow: GraphicsContext;
}

let shared: Shared | null = null;

function contexts(): Shared {
  if (shared) return shared;
  const backdrop = new GraphicsContext().rect(0, 0, PX_W, PX_H).fill(
    new FillGradient({
      type: 'linear',
      start: { x: 0, y: 0 },
      end: { x: 0, y: 1 },
      colorStops: [
        { offset: 0, color: 0x0e1322 },
        { offset: 1, color: 0x161d30 },
      ],
    }),
  );
  for (let x = 0; x <= PX_W; x += 50) backdrop.moveTo(x, 0).lineTo(x, PX_H);
  backdrop.stroke({ width: 1, color: 0xffffff, alpha: 0.03 });
  backdrop.moveTo(0, TRACK_Y).lineTo(PX_W, TRACK_Y).stroke({ width: 2, color: SCENE.track });
  // The failure limits at ±2.4 m.
  for (const x of [PX_W / 2 - 2.4 * PX_PER_M + 2, PX_W / 2 + 2.4 * PX_PER_M - 2]) {
    backdrop
      .moveTo(x, TRACK_Y - 40)
      .lineTo(x, TRACK_Y + 14)
      .stroke({ width: 3, color: SCENE.poleDanger, alpha: 0.6 });
  }
  const cart = new GraphicsContext()
    .roundRect(-CART_W / 2, -CART_H / 2, CART_W, CART_H, 5)
    .fill({ color: SCENE.cart })
    .stroke({ width: 1.5, color: 0xcfe0ff, alpha: 0.8 })
    .circle(-CART_W / 3, CART_H / 2, 5)
    .circle(CART_W / 3, CART_H / 2, 5)
    .fill({ color: 0x0b0f1a })
    .stroke({ width: 1.5, color: 0x8fa1b8 });
  // Drawn white and tinted per frame (amber when safe, red near failing); pivot at its base.
  const pole = new GraphicsContext().rect(-5, -1, 10, 1).fill({ color: 0xffffff });
  const arrow = new GraphicsContext()
    .poly([0, -4, 22, -4, 22, -10, 36, 0, 22, 10, 22, 4, 0, 4])
    .fill({ color: 0xffffff, alpha: 0.85 });
  shared = { backdrop, cart, pole, arrow };
  return shared;
}

/** CartPole in Gymnasium's 600×400 frame: track, limits, cart, pole (tinted by danger) and the last push. */
export class CartPoleView implements EnvView<CartPoleRenderState> {
  readonly root = new Container();
  readonly width = PX_W;
  readonly height = PX_H;
  private readonly cart = new Container();
  private readonly pole: Graphics;
  private readonly arrow: Graphics;
  private poleLengthPx = 0;
  private readonly backdrop: Graphics;

  constructor() {
    const c = contexts();
    this.backdrop = new Graphics(c.backdrop);
    this.root.addChild(this.backdrop);
    this.pole = new Graphics(c.pole);
    this.pole.position.set(0, -CART_H / 4);
    const axle = new Graphics(new GraphicsContext().circle(0, -CART_H / 4, 4).fill({ color: 0xb49a6a }));
    this.arrow = new Graphics(c.arrow);
    this.arrow.y = 0;
    this.cart.addChild(new Graphics(c.cart), this.pole, axle, this.arrow);
    this.cart.y = TRACK_Y - CART_H / 2 - 5;
    this.root.addChild(this.cart);
  }

  update(a: CartPoleRenderState, b: CartPoleRenderState, t: number): void {
    const s = cartPoleScene(a, b, t);
    const len = s.poleLength * PX_PER_M;
    if (len !== this.poleLengthPx) {
      // The pole's height is a scale, not new geometry: its length is fixed per env anyway.
      this.poleLengthPx = len;
      this.pole.scale.set(1, len);
    }
    this.cart.x = PX_W / 2 + s.cartX * PX_PER_M;
    // Screen y points down: a pole leaning right (θ > 0) turns clockwise.
    this.pole.rotation = s.poleAngle;
    this.pole.tint = mix(SCENE.pole, SCENE.poleDanger, s.danger * s.danger);
    this.arrow.visible = s.push !== 0;
    this.arrow.scale.set(s.push >= 0 ? 1 : -1, 1);
    this.arrow.x = s.push >= 0 ? CART_W / 2 + 4 : -CART_W / 2 - 4;
  }

  setGhost(ghost: boolean): void {
    this.backdrop.visible = !ghost;
  }

  destroy(): void {
    this.root.destroy({ children: true });
  }
}

function mix(c1: number, c2: number, t: number): number {
  const ch = (c: number, s: number) => (c >> s) & 0xff;
  const m = (s: number) => Math.round(ch(c1, s) + (ch(c2, s) - ch(c1, s)) * t);
  return (m(16) << 16) | (m(8) << 8) | m(0);
}
