import { Container, Graphics, GraphicsContext, Text } from 'pixi.js';
import type { MarsRoverRenderState } from '../../../envs/mars-rover/mars-rover.ts';
import type { EnvView } from './env-view.ts';
import { SCENE } from './palette.ts';
import { roverScene } from './rover-mapping.ts';

// Wide and short, in six equal columns: on the Rover page the cells line up with the Q* cards below.
const CELLS = 6;
const PX_W = 1140;
const PX_H = 200;
const GAP = 10;
const PAD = 0;
const CELL_W = (PX_W - 2 * PAD - (CELLS - 1) * GAP) / CELLS;
const CELL_Y = 70;
const CELL_H = 100;

const cellX = (i: number) => PAD + i * (CELL_W + GAP);

let roverCtx: GraphicsContext | null = null;

function roverContext(): GraphicsContext {
  roverCtx ??= new GraphicsContext()
    .roundRect(-22, -16, 44, 18, 4)
    .fill({ color: 0xffffff })
    .moveTo(8, -16)
    .lineTo(8, -30)
    .stroke({ width: 2, color: 0xffffff })
    .circle(8, -32, 4)
    .fill({ color: 0xffffff })
    .circle(-14, 5, 6)
    .circle(0, 5, 6)
    .circle(14, 5, 6)
    .fill({ color: 0x0b0f1a })
    .stroke({ width: 2, color: 0xcfd8e3 });
  return roverCtx;
}

/** The course's six-cell track: terminal cells and their rewards, and the rover driving between cells. */
export class RoverView implements EnvView<MarsRoverRenderState> {
  readonly root = new Container();
  readonly width = PX_W;
  readonly height = PX_H;
  private readonly cells = new Graphics();
  private readonly labels: Text[] = [];
  private readonly rover = new Container();
  private readonly roverBody: Graphics;
  private rewardsKey = '';
  private readonly backdrop = new Container();

  constructor() {
    this.backdrop.addChild(this.cells);
    this.root.addChild(this.backdrop);
    for (let i = 0; i < CELLS; i++) {
      const state = new Text({
        text: `s${i + 1}`,
        style: { fontFamily: 'system-ui, sans-serif', fontSize: 13, fill: 0x8b93a7 },
      });
      state.position.set(cellX(i) + 8, CELL_Y + 6);
      const reward = new Text({
        text: '',
        style: { fontFamily: 'system-ui, sans-serif', fontSize: 22, fontWeight: '600', fill: 0xe6e9ef },
      });
      reward.anchor.set(0.5, 0.5);
      reward.position.set(cellX(i) + CELL_W / 2, CELL_Y + CELL_H / 2 + 8);
      this.backdrop.addChild(state, reward);
      this.labels.push(reward);
    }
    this.roverBody = new Graphics(roverContext());
    this.roverBody.tint = SCENE.rover;
    this.rover.addChild(this.roverBody);
    this.rover.y = CELL_Y - 8;
    this.root.addChild(this.rover);
  }

  update(a: MarsRoverRenderState, b: MarsRoverRenderState, t: number): void {
    const s = roverScene(a, b, t);
    const key = s.cells.map((c) => `${c.reward}:${c.terminal}`).join(',');
    if (key !== this.rewardsKey) {
      this.rewardsKey = key;
      this.drawCells(s.cells);
    }
    this.rover.x = cellX(0) + CELL_W / 2 + s.cell * (CELL_W + GAP);
    this.roverBody.scale.x = s.lastAction === 0 ? -1 : 1;
    this.roverBody.tint = s.misstep ? SCENE.okReward : SCENE.rover;
  }

  /** Only when the rewards change (a run with other rewards). */
  private drawCells(cells: { reward: number; terminal: boolean }[]): void {
    const g = this.cells;
    g.clear();
    const best = Math.max(...cells.map((c) => c.reward));
    cells.forEach((c, i) => {
      const color = c.terminal ? (c.reward === best ? SCENE.goodReward : SCENE.okReward) : SCENE.cellEdge;
      g.roundRect(cellX(i), CELL_Y, CELL_W, CELL_H, 8)
        .fill({ color: SCENE.cell })
        .stroke({ width: c.terminal ? 2.5 : 1.5, color, alpha: c.terminal ? 0.9 : 0.8 });
      const label = this.labels[i];
      if (label) {
        label.text = c.reward === 0 ? '0' : String(c.reward);
        label.style.fill = c.terminal ? color : 0x6b7387;
      }
    });
    g.moveTo(PAD, CELL_Y + CELL_H + 14)
      .lineTo(PX_W - PAD, CELL_Y + CELL_H + 14)
      .stroke({ width: 1, color: SCENE.cellEdge, alpha: 0.6 });
  }

  setGhost(ghost: boolean): void {
    this.backdrop.visible = !ghost;
  }

  destroy(): void {
    this.root.destroy({ children: true });
  }
}
