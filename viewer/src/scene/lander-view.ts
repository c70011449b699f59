import { Container, FillGradient, Graphics, GraphicsContext } from 'pixi.js';
import { H, SCALE, W } from '../../../envs/lunar-lander/constants.ts';
import { HULL_VERTICES, LEG_HALF_H, LEG_HALF_W } from '../../../envs/lunar-lander/mass.ts';
import type { LanderRenderState } from '../../../envs/lunar-lander/render-state.ts';
import type { EnvView } from './env-view.ts';
import { landerScene } from './lander-mapping.ts';
import { SCENE } from './palette.ts';

const PX_W = W * SCALE;
const PX_H = H * SCALE;
const MAX_PARTICLES = 64;

/** Geometry every lander view shares: built once per page, never per frame. */
interface SharedContexts {
  sky: GraphicsContext;
  hull: GraphicsContext;
  leg: GraphicsContext;
  contactGlow: GraphicsContext;
  mainFlame: GraphicsContext;
  sideFlame: GraphicsContext;
  particle: GraphicsContext;
  flag: GraphicsContext;
}

let shared: SharedContexts | null = null;

function contexts(): SharedContexts {
  if (shared) return shared;
  const sky = new GraphicsContext().rect(0, 0, PX_W, PX_H).fill(
    new FillGradient({
      type: 'linear',
      start: { x: 0, y: 0 },
      end: { x: 0, y: 1 },
      colorStops: [
        { offset: 0, color: SCENE.skyTop },
        { offset: 1, color: SCENE.skyBottom },
      ],
    }),
  );
  // A fixed star field (deterministic, so every view and every reload looks the same).
  let seed = 7;
  const rand = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (let i = 0; i < 70; i++) {
    sky
      .circle(rand() * PX_W, rand() * PX_H * 0.75, 0.4 + rand() * 0.9)
      .fill({ color: SCENE.star, alpha: 0.25 + rand() * 0.5 });
  }
  const hullPts = HULL_VERTICES.flat();
  const hull = new GraphicsContext()
    .poly(hullPts)
    .fill({ color: SCENE.hull })
    .stroke({ width: 0.06, color: SCENE.hullEdge, join: 'round' })
    // A window: reads as "the top" at a glance, so the lander's tilt is obvious even when small.
    .circle(0, 0.22, 0.1)
    .fill({ color: 0x1b1440 })
    .stroke({ width: 0.03, color: SCENE.hullEdge });
  // White, tinted per frame: violet in flight, green in contact.
  const leg = new GraphicsContext()
    .rect(-LEG_HALF_W, -LEG_HALF_H, 2 * LEG_HALF_W, 2 * LEG_HALF_H)
    .fill({ color: 0xffffff })
    .stroke({ width: 0.03, color: 0xffffff, alpha: 0.6 });
  const contactGlow = new GraphicsContext()
    .circle(0, 0, 0.28)
    .fill({ color: SCENE.legContact, alpha: 0.18 })
    .circle(0, 0, 0.13)
    .fill({ color: SCENE.legContact, alpha: 0.55 });
  // Flames point along −y (main) or +x (side) from their nozzle and are scaled by the firing level.
  const mainFlame = new GraphicsContext()
    .poly([-0.2, 0, 0.2, 0, 0.07, -0.55, 0, -1.0, -0.07, -0.55])
    .fill({ color: SCENE.flameOuter, alpha: 0.9 })
    .poly([-0.1, 0, 0.1, 0, 0, -0.6])
    .fill({ color: SCENE.flameInner, alpha: 0.95 });
  const sideFlame = new GraphicsContext()
    .poly([0, -0.09, 0, 0.09, 0.3, 0.04, 0.55, 0, 0.3, -0.04])
    .fill({ color: SCENE.flameOuter, alpha: 0.9 })
    .poly([0, -0.045, 0, 0.045, 0.32, 0])
    .fill({ color: SCENE.flameInner, alpha: 0.95 });
  const particle = new GraphicsContext().circle(0, 0, 2.2 / SCALE).fill({ color: 0xffffff });
  const poleH = 50 / SCALE;
  const flag = new GraphicsContext()
    .moveTo(0, 0)
    .lineTo(0, poleH)
    .stroke({ width: 0.05, color: 0xe6e9ef })
    .poly([0, poleH, 0, poleH - 10 / SCALE, 25 / SCALE, poleH - 5 / SCALE])
    .fill({ color: SCENE.pad });
  shared = { sky, hull, leg, contactGlow, mainFlame, sideFlame, particle, flag };
  return shared;
}

/**
 * The lander world as Gymnasium draws it (sky, moon surface, helipad flags, hull and legs, flames, exhaust),
 * in a 600×400 design frame. All shapes come from the shared contexts above; per frame only transforms,
 * tints, alphas and visibility change.
 */
export class LanderView implements EnvView<LanderRenderState> {
  readonly root = new Container();
  readonly width = PX_W;
  readonly height = PX_H;
  private readonly world = new Container();
  private readonly terrain = new Graphics();
  private readonly flags: Graphics[];
  private readonly lander = new Container();
  private readonly mainFlame: Graphics;
  private readonly leftFlame: Graphics;
  private readonly rightFlame: Graphics;
  private readonly legs: { body: Graphics; glow: Graphics; holder: Container }[];
  private readonly particles: Graphics[] = [];
  private terrainKey = '';
  private readonly sky: Graphics;

  constructor() {
    const c = contexts();
    this.sky = new Graphics(c.sky);
    this.root.addChild(this.sky);
    // World metres, y up: one flip here, so everything below uses the env's own coordinates.
    this.world.scale.set(SCALE, -SCALE);
    this.world.position.set(0, PX_H);
    this.root.addChild(this.world);
    this.world.addChild(this.terrain);
    this.flags = [new Graphics(c.flag), new Graphics(c.flag)];
    for (const f of this.flags) this.world.addChild(f);
    const particleLayer = new Container();
    for (let i = 0; i < MAX_PARTICLES; i++) {
      const p = new Graphics(c.particle);
      p.visible = false;
      particleLayer.addChild(p);
      this.particles.push(p);
    }
    this.world.addChild(particleLayer);
    this.legs = [0, 1].map(() => {
      const holder = new Container();
      const glow = new Graphics(c.contactGlow);
      glow.y = -LEG_HALF_H;
      glow.visible = false;
      const body = new Graphics(c.leg);
      holder.addChild(glow, body);
      this.world.addChild(holder);
      return { body, glow, holder };
    });
    this.mainFlame = new Graphics(c.mainFlame);
    this.mainFlame.position.set(0, -10 / SCALE);
    // engines.left (action 1) fires the nozzle on the lander's right side, pushing it left (Gymnasium's
    // geometry, see envs/lunar-lander/engines.ts); engines.right mirrors it.
    this.leftFlame = new Graphics(c.sideFlame);
    this.leftFlame.position.set(15 / SCALE, 13 / SCALE);
    this.rightFlame = new Graphics(c.sideFlame);
    this.rightFlame.position.set(-15 / SCALE, 13 / SCALE);
    this.lander.addChild(this.mainFlame, this.leftFlame, this.rightFlame, new Graphics(c.hull));
    this.world.addChild(this.lander);
  }

  update(a: LanderRenderState, b: LanderRenderState, t: number, now: number): void {
    const s = landerScene(a, b, t);
    if (s.terrainKey !== this.terrainKey) {
      this.terrainKey = s.terrainKey;
      this.drawTerrain(t < 0.5 ? a : b);
    }
    this.lander.position.set(s.hull.x, s.hull.y);
    this.lander.rotation = s.hull.rotation;
    // A little flicker (time-based, not random): a steady flame looks painted on.
    const flicker = 0.88 + 0.12 * Math.sin(now * 0.045);
    setFlame(this.mainFlame, s.flames.main, 'down', flicker);
    setFlame(this.leftFlame, s.flames.left, 'right', flicker);
    setFlame(this.rightFlame, s.flames.right, 'left', flicker);
    s.legs.forEach((leg, i) => {
      const v = this.legs[i];
      if (!v) return;
      v.holder.position.set(leg.x, leg.y);
      v.holder.rotation = leg.rotation;
      v.body.tint = leg.contact ? SCENE.legContact : SCENE.leg;
      v.glow.visible = leg.contact;
    });
    for (let i = 0; i < this.particles.length; i++) {
      const g = this.particles[i]!;
      const p = s.particles[i];
      if (!p) {
        g.visible = false;
        continue;
      }
      g.visible = true;
      g.position.set(p.x, p.y);
      g.alpha = p.alpha;
      g.tint = p.tint;
    }
  }

  /** Once per terrain (per episode): the surface polygon and the pad, and the flags moved to the pad. */
  private drawTerrain(s: LanderRenderState): void {
    const pts = s.terrain.flatMap((p) => [p.x, p.y]);
    const g = this.terrain;
    g.clear();
    g.poly([0, -1, ...pts, W, -1]).fill({ color: SCENE.ground });
    g.moveTo(s.terrain[0]!.x, s.terrain[0]!.y);
    for (const p of s.terrain.slice(1)) g.lineTo(p.x, p.y);
    g.stroke({ width: 0.07, color: SCENE.groundEdge, join: 'round' });
    g.moveTo(s.helipad.x1, s.helipad.y)
      .lineTo(s.helipad.x2, s.helipad.y)
      .stroke({ width: 0.14, color: SCENE.pad, alpha: 0.9 });
    s.flags.forEach((f, i) => {
      const flag = this.flags[i];
      if (flag) flag.position.set(f.x, f.y1);
    });
  }

  setGhost(ghost: boolean): void {
    this.sky.visible = !ghost;
    this.terrain.visible = !ghost;
    for (const f of this.flags) f.visible = !ghost;
  }

  destroy(): void {
    this.root.destroy({ children: true });
  }
}

/** Shows a flame scaled along its direction by the firing level (geometry untouched). */
function setFlame(g: Graphics, level: number, dir: 'down' | 'left' | 'right', flicker: number): void {
  g.visible = level > 0.01;
  if (!g.visible) return;
  // Grows with the level but starts visible: even a 50 % side burn must be seen.
  const len = (0.35 + 0.65 * level) * flicker;
  if (dir === 'down') g.scale.set(1, len);
  else g.scale.set(dir === 'right' ? len : -len, 1);
}
