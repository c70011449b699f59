import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../run-store/atomic-write.ts';

interface LockFile {
  pid: number;
  startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One server per runs directory: two would train the same run in two workers and overwrite each other's
 * checkpoints. The lock names the holder's pid; a lock whose process is gone (a crash) is taken over.
 * Returns the release function.
 */
export function lockRunsDir(runsDir: string): () => void {
  const path = join(runsDir, '.gymlab-server.lock');
  try {
    const held = JSON.parse(readFileSync(path, 'utf8')) as LockFile;
    if (held.pid !== process.pid && alive(held.pid)) {
      throw new RangeError(
        `${runsDir} is in use by another gymlab server (pid ${held.pid}, since ${held.startedAt}); stop it or pass --runs <another dir>`,
      );
    }
  } catch (err) {
    if (err instanceof RangeError) throw err;
    // No lock, or an unreadable one: ours now.
  }
  writeJsonAtomic(path, { pid: process.pid, startedAt: new Date().toISOString() } satisfies LockFile);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    rmSync(path, { force: true });
  };
}
