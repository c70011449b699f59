import cliProgress from 'cli-progress';

/** The one JSON object a `--json` command prints: nothing else goes to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export interface Progress {
  update(value: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

/**
 * Runs `work` with a progress bar that is always stopped afterwards, even when `work` throws: a bar left running
 * keeps its timer alive and the process would never exit.
 */
export async function withProgress<T>(bar: Progress, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    bar.stop();
  }
}

/**
 * A progress bar on stderr for people (stdout stays clean for pipes). Off when `enabled` is false (--json):
 * machines read the one JSON object instead. On a non-TTY stderr it prints a line every few seconds.
 */
export function progressBar(
  enabled: boolean,
  total: number,
  format: string,
  initialPayload: Record<string, string | number> = {},
): Progress {
  if (!enabled) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `{bar} {percentage}% | ${format}`,
      stream: process.stderr,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, initialPayload);
  let stopped = false;
  return {
    update: (value, payload) => bar.update(value, payload),
    stop: () => {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}

/** Readable key/value table for the default (non-JSON) output. */
export function printTable(title: string, rows: [string, string | number][]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [
    title,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${typeof v === 'number' ? fmtNum(v) : v}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function fmtNum(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3);
}
