/**
 * Whether oneDNN loads here; in CI (`.ci/run` installs libdnnl2) it must.
 *
 * @module
 */
import { loadOneDnn } from "../../lib/backend/onednn/library.ts";
import { requiredInCi } from "./ci.ts";

/** True when oneDNN loads; throws in CI when it does not. */
export function oneDnnOr(): boolean {
  const lib = loadOneDnn();
  if (typeof lib !== "string") return true;
  return requiredInCi(false, `oneDNN (libdnnl2; here: ${lib})`);
}
