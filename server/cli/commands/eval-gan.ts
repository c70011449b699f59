import { initBackend } from '../../../models/backend.ts';
import { evaluateGanRun } from '../../../models/gan/eval.ts';
import { printJson, printTable } from '../output.ts';

/** The keys of the one JSON object `gymlab eval <GAN run> --json` prints. */
export interface EvalGanResultJson {
  runDir: string;
  step: number;
  variant: string;
  data: string;
  modesCovered: number | null;
  highQualityRate: number | null;
  energyDistance: number;
  slicedWasserstein: number;
  backend: string;
}

/** `gymlab eval` for a `train gan` run: the latest generator's toy metrics (seed defaults to the run's). */
export async function evalGanCommand(
  runDir: string,
  opts: { seed: number | undefined; json: boolean },
): Promise<number> {
  const backend = await initBackend();
  const r = await evaluateGanRun(runDir, opts.seed);
  const result: EvalGanResultJson = {
    runDir,
    step: r.step,
    variant: r.variant,
    data: r.data,
    modesCovered: r.modesCovered,
    highQualityRate: r.highQualityRate,
    energyDistance: r.energyDistance,
    slicedWasserstein: r.slicedWasserstein,
    backend: backend.name,
  };
  if (opts.json) {
    printJson(result);
  } else {
    printTable(`${r.data} · ${r.variant} · generator at step ${r.step} · seed ${r.seed}`, [
      ['run directory', runDir],
      ['modes covered', result.modesCovered ?? '–'],
      ['high-quality rate', result.highQualityRate ?? '–'],
      ['energy distance', result.energyDistance],
      ['sliced Wasserstein', result.slicedWasserstein],
      ['backend', result.backend],
    ]);
  }
  return 0;
}
