import { appendFileSync } from 'node:fs';

/**
 * metrics.jsonl: one JSON object per line (episodes, learning statistics, live-change events). Lines are
 * buffered and appended whole every `flushMs` and on `flush()`, so a reader never sees half a line and the
 * training loop does not wait on the disk for each episode.
 */
export class MetricsLog {
  readonly path: string;
  private lines: string[] = [];
  private lastFlush = Date.now();
  private readonly flushMs: number;

  constructor(path: string, flushMs = 2000) {
    this.path = path;
    this.flushMs = flushMs;
  }

  write(record: object): void {
    this.lines.push(JSON.stringify(record, finiteOrNull));
    if (Date.now() - this.lastFlush >= this.flushMs) this.flush();
  }

  flush(): void {
    this.lastFlush = Date.now();
    if (this.lines.length === 0) return;
    appendFileSync(this.path, `${this.lines.join('\n')}\n`);
    this.lines = [];
  }
}

/** JSON has no NaN or Infinity: write them as null rather than invalid JSON. */
function finiteOrNull(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
