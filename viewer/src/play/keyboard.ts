/**
 * Arrow keys as engine buttons for human play. Keys are read while held (a lander burns its main engine as
 * long as ↑ is down); `pressed()` also reports single taps since the last read, for envs that move one step per
 * key press (the rover).
 */
export class KeyboardPad {
  private readonly down = new Set<string>();
  private taps: string[] = [];
  private readonly onDown = (ev: KeyboardEvent) => {
    if (!KEYS.has(ev.key)) return;
    const target = ev.target as HTMLElement | null;
    if (
      target &&
      (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')
    )
      return;
    ev.preventDefault();
    if (!ev.repeat) this.taps.push(ev.key);
    this.down.add(ev.key);
  };
  private readonly onUp = (ev: KeyboardEvent) => {
    this.down.delete(ev.key);
  };
  private readonly onBlur = () => this.down.clear();

  constructor() {
    window.addEventListener('keydown', this.onDown);
    window.addEventListener('keyup', this.onUp);
    window.addEventListener('blur', this.onBlur);
  }

  isDown(key: string): boolean {
    return this.down.has(key);
  }

  /** Keys tapped since the last call. */
  takeTaps(): string[] {
    const t = this.taps;
    this.taps = [];
    return t;
  }

  dispose(): void {
    window.removeEventListener('keydown', this.onDown);
    window.removeEventListener('keyup', this.onUp);
    window.removeEventListener('blur', this.onBlur);
  }
}

const KEYS = new Set(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'r', 'R', ' ']);

/** What the keys do per env, for the help line under the scene. */
export const KEY_HELP: Record<string, string> = {
  'LunarLander-v3': '↑ main engine · ← push left (left engine) · → push right (right engine) · R restart',
  'CartPole-v1': '← push left · → push right (neither: alternate) · R restart',
  'MarsRover-v0': '← / → drive one cell · R restart',
};

/**
 * The action the keys ask for now, or null to wait (the rover moves only on a key press). CartPole has no
 * "do nothing": with no key down the pushes alternate, which nets out to none.
 */
export function humanAction(envId: string, pad: KeyboardPad, taps: string[], tick: number): number | null {
  if (envId === 'LunarLander-v3') {
    if (pad.isDown('ArrowUp')) return 2;
    if (pad.isDown('ArrowLeft')) return 1;
    if (pad.isDown('ArrowRight')) return 3;
    return 0;
  }
  if (envId === 'CartPole-v1') {
    if (pad.isDown('ArrowLeft')) return 0;
    if (pad.isDown('ArrowRight')) return 1;
    return tick % 2;
  }
  if (envId === 'MarsRover-v0') {
    const last = taps.filter((k) => k === 'ArrowLeft' || k === 'ArrowRight').at(-1);
    return last === undefined ? null : last === 'ArrowLeft' ? 0 : 1;
  }
  return 0;
}
