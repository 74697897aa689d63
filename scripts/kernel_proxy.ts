/**
 * The project's Jupyter kernel: Deno's own kernel behind the proxy of
 * `lib/jupyter/kernel_proxy.ts`, which hands it one cell at a time.
 *
 * usage (from the kernelspec): deno run -A scripts/kernel_proxy.ts CONNECTION_FILE
 *
 * @module
 */
import { type ConnectionInfo, startKernelProxy } from "../lib/jupyter/mod.ts";

if (import.meta.main) {
  if (Deno.args.length !== 1) {
    console.error("usage: kernel_proxy.ts CONNECTION_FILE");
    Deno.exit(2);
  }
  const info: ConnectionInfo = JSON.parse(await Deno.readTextFile(Deno.args[0]));
  const proxy = await startKernelProxy(info);
  Deno.exit(await proxy.done);
}
