import { describe, expect, it } from 'vitest';
import { FrameTrack, type TimedFrame } from '../../viewer/src/scene/frame-track.ts';

const f = (at: number, episode: number, frame: number, start = false): TimedFrame<number> => ({
  state: frame,
  at,
  episode,
  frame,
  start,
  info: null,
});

describe('frame track (interpolation between received states)', () => {
  it('draws one interval behind the newest frame, between the two frames around that moment', () => {
    const t = new FrameTrack<number>(33);
    for (let k = 0; k < 5; k++) t.push(f(k * 33, 1, k));
    const delay = t.delayMs;
    expect(delay).toBeGreaterThan(33);
    const s = t.sample(4 * 33 + delay - 16.5)!;
    expect(s.a.frame).toBe(3);
    expect(s.b.frame).toBe(4);
    expect(s.t).toBeCloseTo(0.5, 2);
  });

  it('shows the newest frame when nothing newer comes (a paused run)', () => {
    const t = new FrameTrack<number>();
    t.push(f(0, 1, 0));
    t.push(f(33, 1, 1));
    const s = t.sample(10_000)!;
    expect([s.a.frame, s.b.frame, s.t]).toEqual([1, 1, 0]);
  });

  it('never interpolates across an episode boundary', () => {
    const t = new FrameTrack<number>(33);
    t.push(f(0, 1, 50));
    t.push(f(33, 2, 0, true));
    const s = t.sample(33 + t.delayMs - 10)!;
    expect(s.a.frame).toBe(50);
    expect(s.b).toBe(s.a);
    expect(s.t).toBe(0);
  });

  it('learns the arrival interval, ignoring pauses', () => {
    const t = new FrameTrack<number>(33);
    let at = 0;
    for (let k = 0; k < 60; k++) {
      at += 20;
      t.push(f(at, 1, k));
    }
    expect(t.interval).toBeCloseTo(20, 0);
    t.push(f(at + 5000, 1, 61));
    expect(t.interval).toBeCloseTo(20, 0);
  });

  it('is empty until the first frame', () => {
    expect(new FrameTrack<number>().sample(0)).toBeNull();
  });
});
