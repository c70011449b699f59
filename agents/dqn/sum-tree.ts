/**
 * Binary segment trees over `capacity` leaves (rounded up to a power of two) holding priorities, with the sum
 * and the minimum of every subtree: proportional sampling by prefix sum in O(log n), and the smallest
 * priority for the importance-weight normaliser, as in Schaul et al. 2016.
 */
export class SumMinTree {
  readonly capacity: number;
  private readonly leaves: number;
  private readonly sums: Float64Array;
  private readonly mins: Float64Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    let leaves = 1;
    while (leaves < capacity) leaves *= 2;
    this.leaves = leaves;
    this.sums = new Float64Array(2 * leaves);
    this.mins = new Float64Array(2 * leaves).fill(Number.POSITIVE_INFINITY);
  }

  get total(): number {
    return this.sums[1]!;
  }

  get min(): number {
    return this.mins[1]!;
  }

  get(index: number): number {
    return this.sums[this.leaves + index]!;
  }

  set(index: number, priority: number): void {
    let node = this.leaves + index;
    this.sums[node] = priority;
    this.mins[node] = priority;
    node >>= 1;
    while (node >= 1) {
      const l = 2 * node;
      this.sums[node] = this.sums[l]! + this.sums[l + 1]!;
      this.mins[node] = Math.min(this.mins[l]!, this.mins[l + 1]!);
      node >>= 1;
    }
  }

  /** The leaf whose cumulative range contains `prefix` (0 ≤ prefix < total). */
  find(prefix: number): number {
    let node = 1;
    while (node < this.leaves) {
      const left = 2 * node;
      if (prefix < this.sums[left]! || this.sums[left + 1] === 0) {
        node = left;
      } else {
        prefix -= this.sums[left]!;
        node = left + 1;
      }
    }
    return Math.min(node - this.leaves, this.capacity - 1);
  }

  /** Leaf priorities 0..count−1, for checkpoints. */
  leafValues(count: number): Float64Array {
    return this.sums.slice(this.leaves, this.leaves + count);
  }
}
