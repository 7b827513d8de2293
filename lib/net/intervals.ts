/**
 * Sorted, merged sets of closed integer intervals [start, end] (BigInt), the
 * arithmetic behind every "is this CIDR wholly inside that union of ranges"
 * question. Built once (O(n log n)), queried by binary search (O(log n)).
 */
export interface Interval {
  start: bigint;
  end: bigint;
}

export class IntervalSet {
  private readonly starts: bigint[];
  private readonly ends: bigint[];

  private constructor(starts: bigint[], ends: bigint[]) {
    this.starts = starts;
    this.ends = ends;
  }

  static readonly EMPTY = new IntervalSet([], []);

  /** Sorts and merges overlapping or adjacent intervals. */
  static from(intervals: Iterable<Interval>): IntervalSet {
    const sorted = [...intervals].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    const starts: bigint[] = [];
    const ends: bigint[] = [];
    for (const { start, end } of sorted) {
      if (end < start) continue;
      const last = ends.length - 1;
      if (last >= 0 && start <= ends[last] + 1n) {
        if (end > ends[last]) ends[last] = end;
      } else {
        starts.push(start);
        ends.push(end);
      }
    }
    return new IntervalSet(starts, ends);
  }

  /** Number of merged intervals. */
  get size(): number {
    return this.starts.length;
  }

  /** The merged intervals, in order. */
  intervals(): Interval[] {
    return this.starts.map((start, i) => ({ start, end: this.ends[i] }));
  }

  /** Index of the last interval whose start is <= value, or -1. */
  private floor(value: bigint): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] <= value) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** True when every value of [start, end] is in the set. */
  contains(start: bigint, end: bigint): boolean {
    const i = this.floor(start);
    return i >= 0 && end <= this.ends[i];
  }

  /** True when some value of [start, end] is in the set. */
  intersects(start: bigint, end: bigint): boolean {
    const i = this.floor(end);
    return i >= 0 && this.ends[i] >= start;
  }
}
