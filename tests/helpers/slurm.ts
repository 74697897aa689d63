/**
 * Whether a Slurm cluster answers here (CI starts a private one with
 * `.ci/slurm.sh` and sets SLURM_CONF); in CI it must.
 */
import { slurmAvailable } from "../../lib/jobs/slurm_engine.ts";
import { requiredInCi } from "./ci.ts";

/** {@linkcode slurmAvailable}, required in CI. */
export function slurmOr(): boolean {
  return requiredInCi(slurmAvailable(), "a Slurm cluster (.ci/slurm.sh starts one)");
}
