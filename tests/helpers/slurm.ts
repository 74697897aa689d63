/**
 * Whether a Slurm cluster answers here (CI starts a private one with
 * `.ci/slurm.sh` and sets SLURM_CONF); in CI it must.
 */
export function slurmOr(): boolean {
  let ok = false;
  try {
    const r = new Deno.Command("sinfo", { args: ["-h", "-o", "%t"] }).outputSync();
    ok = r.success && new TextDecoder().decode(r.stdout).trim().length > 0;
  } catch { /* no sinfo */ }
  if (!ok && Deno.env.get("CI")) {
    throw new Error("a Slurm cluster must answer in CI (.ci/run starts one with .ci/slurm.sh)");
  }
  return ok;
}
