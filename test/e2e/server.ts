import { removeDir, startServerProcess } from '../server/helpers.ts';

export interface GymlabServer {
  url: string;
  runsDir: string;
  stop(): Promise<void>;
}

/**
 * The real `gymlab start` (builds the viewer into viewer/dist when its sources are newer, then serves it) on a
 * free loopback port with an empty runs folder and no demo run.
 */
export async function startGymlab(): Promise<GymlabServer> {
  const server = await startServerProcess([], { command: ['start'], startTimeoutMs: 90_000 });
  return {
    url: server.url,
    runsDir: server.runsDir,
    stop: async () => {
      await server.stop('SIGTERM', 20_000);
      removeDir(server.runsDir);
    },
  };
}
