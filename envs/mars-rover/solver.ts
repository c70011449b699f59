import { isTerminal, LEFT, NUM_STATES, RIGHT } from './mars-rover.ts';

export interface RoverSolution {
  /** q[s − 1] = [Q*(s, left), Q*(s, right)] for s = 1..6. */
  q: [number, number][];
  /** v[s − 1] = max_a Q*(s, a). */
  v: number[];
  /** π*(s) for s = 1..6: 'left', 'right', or 'terminal'. Ties go left. */
  policy: ('left' | 'right' | 'terminal')[];
  iterations: number;
}

export interface RoverProblem {
  gamma: number;
  misstepProbability?: number;
  rewards?: readonly number[];
}

/**
 * Exact Q*(s, a) of the rover by value iteration on the Bellman optimality equation
 *   Q(s, a) = R(s) + γ·[(1 − p)·V(s + d(a)) + p·V(s − d(a))],  Q(terminal, a) = R(terminal),
 * iterated until no value moves by more than 1e-12.
 */
export function solveMarsRover(problem: RoverProblem): RoverSolution {
  const { gamma } = problem;
  const p = problem.misstepProbability ?? 0;
  const rewards = problem.rewards ?? [100, 0, 0, 0, 0, 40];
  if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`gamma must be in [0, 1] (got ${gamma})`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`misstepProbability must be in [0, 1] (got ${p})`);
  if (rewards.length !== NUM_STATES) throw new RangeError(`rewards must have ${NUM_STATES} entries`);
  if (gamma === 1 && p === 1)
    throw new RangeError('gamma = 1 with misstepProbability = 1 has no finite solution');

  let v = new Float64Array(NUM_STATES);
  const q: [number, number][] = Array.from({ length: NUM_STATES }, () => [0, 0]);
  let iterations = 0;
  for (; iterations < 100_000; iterations++) {
    const next = new Float64Array(NUM_STATES);
    let delta = 0;
    for (let s = 1; s <= NUM_STATES; s++) {
      const r = rewards[s - 1]!;
      for (const a of [LEFT, RIGHT]) {
        const d = a === RIGHT ? 1 : -1;
        q[s - 1]![a] = isTerminal(s) ? r : r + gamma * ((1 - p) * v[s - 1 + d]! + p * v[s - 1 - d]!);
      }
      next[s - 1] = Math.max(q[s - 1]![0], q[s - 1]![1]);
      delta = Math.max(delta, Math.abs(next[s - 1]! - v[s - 1]!));
    }
    v = next;
    if (delta < 1e-12) break;
  }
  const policy = q.map(([l, r], i) => (isTerminal(i + 1) ? 'terminal' : r > l ? 'right' : 'left'));
  return { q, v: Array.from(v), policy, iterations: iterations + 1 };
}
