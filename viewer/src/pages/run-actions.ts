import type { ControlAction, RunInfo } from '../../../server/protocol/messages.ts';
import { LIVE_STATUSES } from '../../../server/protocol/messages.ts';
import type { AppContext } from '../app/context.ts';
import { describeError } from '../ui/errors.ts';
import { fmtNum } from '../ui/format.ts';

/** Sends a control action; reports failure as a notice, in words. Returns whether it worked. */
export async function control(
  ctx: AppContext,
  run: RunInfo,
  action: ControlAction,
  extra: { count?: number; totalSteps?: number } = {},
): Promise<boolean> {
  try {
    await ctx.conn.request({ type: 'control', runId: run.id, action, ...extra });
    return true;
  } catch (err) {
    ctx.notices.show(`${verb(action)} ${run.id}: ${describeError(err)}`);
    return false;
  }
}

export async function deleteRun(ctx: AppContext, run: RunInfo): Promise<boolean> {
  try {
    await ctx.conn.request({ type: 'deleteRun', runId: run.id });
    ctx.notices.show(`Deleted ${run.id}`, 'info');
    return true;
  } catch (err) {
    ctx.notices.show(`Delete ${run.id}: ${describeError(err)}`);
    return false;
  }
}

export function isLive(run: RunInfo): boolean {
  return LIVE_STATUSES.includes(run.status);
}

/** A run at rest whose budget is used up needs a larger one to resume. */
export function needsNewBudget(run: RunInfo): boolean {
  return !isLive(run) && run.steps >= run.totalSteps;
}

export function suggestedBudget(run: RunInfo): number {
  return Math.max(run.totalSteps * 2, run.steps + 10_000);
}

function verb(action: ControlAction): string {
  return { pause: 'Pause', resume: 'Resume', step: 'Step', stop: 'Stop', checkpoint: 'Checkpoint' }[action];
}

/** "LunarLander-v3 · seed 1" from a run. */
export function runTitle(run: RunInfo): string {
  return `${run.env} · seed ${run.seed}${run.numEnvs > 1 ? ` · ${run.numEnvs} envs` : ''}`;
}

export function progressText(run: RunInfo): string {
  return `${fmtNum(run.steps)} / ${fmtNum(run.totalSteps)}`;
}

/** A short, human name for legends and table headers: "LunarLander · seed 0 · 14:32". */
export function shortName(run: RunInfo, withEnv = true): string {
  const t = new Date(run.createdAt);
  const time = Number.isNaN(t.getTime())
    ? ''
    : ` · ${String(t.getHours()).padStart(2, '0')}:${String(t.getMinutes()).padStart(2, '0')}:${String(t.getSeconds()).padStart(2, '0')}`;
  return `${withEnv ? `${run.env.replace(/-v\d+$/, '')} · ` : ''}seed ${run.seed}${time}`;
}
