/**
 * "Required in CI", one way: CI sets `CI=true` (`.ci/run` exports it; GitHub
 * and GitLab do too), and there a missing tool or library is an error, not
 * an ignored test. Any other value (`false`, `0`, empty) is not CI.
 *
 * @module
 */

/** True when running in CI (`CI=true` exactly). */
export function inCi(): boolean {
  return Deno.env.get("CI") === "true";
}

/**
 * Returns `ok`; in CI a missing `what` throws, naming it and who installs it
 * (`.ci/run`). Locally it says once on stderr which tests it ignores.
 */
export function requiredInCi(ok: boolean, what: string): boolean {
  if (ok) return true;
  if (inCi()) throw new Error(`${what} must be available in CI (.ci/run installs it)`);
  console.error(`note: ${what} is missing here; the tests that need it are ignored`);
  return false;
}
