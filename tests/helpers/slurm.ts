/**
 * Whether a Slurm cluster answers here (CI starts a private one with
 * `.ci/slurm.sh` and sets SLURM_CONF); in CI it must.
 */
import { slurmAvailable } from "../../lib/jobs/slurm_engine.ts";

/** {@linkcode slurmAvailable}, required in CI. */
export function slurmOr(): boolean {
  const ok = slurmAvailable();
  if (!ok && Deno.env.get("CI")) {
    throw new Error("a Slurm cluster must answer in CI (.ci/run starts one with .ci/slurm.sh)");
  }
  return ok;
}
