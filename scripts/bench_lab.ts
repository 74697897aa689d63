/**
 * Measures one of the lab's cases (`LAB_CASES`, lib/bench) in this process
 * and prints its record as JSON: `deno task bench` runs each case this way,
 * in a process of its own.
 *
 * usage: deno run -A --v8-flags=--expose-gc scripts/bench_lab.ts <case> <seconds>
 *
 * @module
 */
import { LAB_CASES, measureLabCase } from "../lib/bench/mod.ts";

if (import.meta.main) {
  const [key, seconds] = Deno.args;
  const c = LAB_CASES.find((l) => l.key === key);
  if (!c) {
    console.error(
      `unknown lab case '${key}': expected one of ${LAB_CASES.map((l) => l.key).join(", ")}`,
    );
    Deno.exit(2);
  }
  console.log(JSON.stringify(await measureLabCase(c, Number(seconds ?? 20))));
}
