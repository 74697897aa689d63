/**
 * A training run in its own process, for kill/resume and Ctrl-C tests:
 * `train_child.ts <checkpointDir> <maxSteps> [backend]`; prints "step N" after each step.
 */
import { useBackend } from "../../lib/backend/mod.ts";
import { fit } from "../../lib/train/fit.ts";
import { tinyData, tinyModel } from "./tiny.ts";

const [dir, maxSteps, backend] = Deno.args;
await useBackend((backend ?? "wasm") as "wasm", { log: () => {} });
const result = await fit(tinyModel(), tinyData(), {
  epochs: 100,
  maxSteps: Number(maxSteps),
  batchSize: 8,
  seed: 3,
  checkpointDir: dir,
  checkpointEvery: 2,
  progress: false,
  log: (l) => console.log(l),
  onStep: (r) => console.log(`step ${r.step} loss ${r.loss}`),
});
console.log(`done interrupted=${result.interrupted} step=${result.step}`);
