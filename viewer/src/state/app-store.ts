import type { EnvInfo, RunInfo, ServerMessage } from '../../../server/protocol/messages.ts';
import type { Connection } from '../net/connection.ts';
import type { Disposer } from '../ui/dom.ts';
import { assignColors, RUN_PALETTE } from './colors.ts';

/**
 * What every page shares: the server's envs and the list of runs with their latest status, kept current
 * from `welcome`, `runList`, `runState`, `runRemoved` and acks that carry a run.
 */
export class AppStore {
  readonly conn: Connection;
  envs: EnvInfo[] = [];
  serverVersion: string | null = null;
  frameHz = 30;
  private readonly runs = new Map<string, RunInfo>();
  private colors = new Map<string, string>();
  private readonly fns = new Set<() => void>();
  private notifyQueued = false;

  constructor(conn: Connection) {
    this.conn = conn;
    conn.onMessage((m) => this.apply(m));
    conn.onState((s) => {
      if (s.welcome && s.status === 'open') this.apply(s.welcome);
    });
  }

  /** Runs, oldest first. */
  list(): RunInfo[] {
    return [...this.runs.values()].sort(
      (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
    );
  }

  get(runId: string): RunInfo | undefined {
    return this.runs.get(runId);
  }

  env(envId: string): EnvInfo | undefined {
    return this.envs.find((e) => e.id === envId);
  }

  colorOf(runId: string): string {
    return this.colors.get(runId) ?? RUN_PALETTE[RUN_PALETTE.length - 1]!;
  }

  /** Called (batched to one call per microtask) whenever the run list or a run's status changes. */
  onChange(fn: () => void): Disposer {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }

  upsert(run: RunInfo): void {
    const isNew = !this.runs.has(run.id);
    this.runs.set(run.id, run);
    if (isNew) this.recolor();
    this.changed();
  }

  apply(m: ServerMessage): void {
    switch (m.type) {
      case 'welcome':
        this.envs = m.envs;
        this.serverVersion = m.version;
        this.frameHz = m.frameHz;
        this.replaceAll(m.runs);
        break;
      case 'runList':
        this.replaceAll(m.runs);
        break;
      case 'runState':
        this.upsert(m.run);
        break;
      case 'ack':
        if (m.run) this.upsert(m.run);
        break;
      case 'runRemoved':
        if (this.runs.delete(m.runId)) {
          this.recolor();
          this.changed();
        }
        break;
      default:
        break;
    }
  }

  private replaceAll(runs: RunInfo[]): void {
    this.runs.clear();
    for (const r of runs) this.runs.set(r.id, r);
    this.recolor();
    this.changed();
  }

  private recolor(): void {
    this.colors = assignColors(this.list().map((r) => r.id));
  }

  private changed(): void {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      for (const fn of this.fns) fn();
    });
  }
}
