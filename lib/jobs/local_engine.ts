/**
 * The local sweep engine: each trial a `train` process on this machine, a
 * few at a time, its output in `<trial>/log.txt`.
 *
 * @module
 */
import {
  type EngineContext,
  type EngineResult,
  finished,
  TRAIN_SCRIPT,
  type TrialRun,
} from "./engine.ts";
import { trialArgs, trialName } from "./trials.ts";

/** Runs `runs` as local processes, `ctx.jobs` at once. */
export async function runLocal(runs: TrialRun[], ctx: EngineContext): Promise<EngineResult> {
  const queue = [...runs];
  const counts = { pending: queue.length, running: 0, done: 0, failed: 0 };
  const failed: string[] = [];
  // Trials running side by side share the cores: oneDNN would otherwise
  // start one thread per core in every trial and they would thrash.
  const parallel = Math.max(1, Math.min(ctx.jobs, queue.length));
  const threadEnv: Record<string, string> = parallel > 1 && !Deno.env.get("OMP_NUM_THREADS")
    ? { OMP_NUM_THREADS: String(Math.max(1, Math.floor(navigator.hardwareConcurrency / parallel))) }
    : {};
  const runOne = async ({ trial, dir }: TrialRun) => {
    await Deno.mkdir(dir, { recursive: true });
    counts.pending--, counts.running++;
    ctx.report(counts);
    ctx.log(`run  ${trialName(trial)}`);
    const res = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--v8-flags=--expose-gc",
        TRAIN_SCRIPT,
        ...trialArgs(trial, ctx.base, dir),
      ],
      env: threadEnv,
      stdout: "piped",
      stderr: "piped",
    }).output();
    await Deno.writeFile(`${dir}/log.txt`, new Uint8Array([...res.stdout, ...res.stderr]));
    counts.running--;
    if (res.success && (await finished(dir))) counts.done++;
    else {
      counts.failed++;
      failed.push(dir);
      ctx.log(`fail ${trialName(trial)}: exit ${res.code}; see ${dir}/log.txt`);
    }
    ctx.report(counts);
  };
  ctx.report(counts);
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (queue.length) await runOne(queue.shift()!);
  }));
  return {
    ran: counts.done,
    failed,
    logs: Object.fromEntries(failed.map((d) => [d, `${d}/log.txt`])),
  };
}
