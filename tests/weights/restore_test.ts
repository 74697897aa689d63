/** lib/weights/restore: dtype checks and scopes that match nothing. */
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { writeCheckpoint } from "../../lib/io/checkpoint/writer.ts";
import { writeSafetensors } from "../../lib/io/safetensors.ts";
import type { NamedTensor } from "../../lib/io/checkpoint/writer.ts";
import { restore } from "../../lib/weights/restore_model.ts";
import { tinyModel } from "../helpers/tiny.ts";
import { tempDir } from "../helpers/temp.ts";

/** Every variable of the tiny model as a tensor of `dtype` (values 1). */
function tensorsOf(model: ReturnType<typeof tinyModel>, dtype: (name: string) => string) {
  return model.store.list().map((v): NamedTensor => {
    const n = v.variable.size;
    const d = dtype(v.name);
    const data = d === "int32"
      ? new Int32Array(n).fill(1)
      : d === "float64"
      ? new Float64Array(n).fill(1)
      : d === "float16"
      ? new Uint16Array(n).fill(0x3c00) // 1.0 in binary16
      : new Float32Array(n).fill(1);
    return { name: v.name, dtype: d as NamedTensor["dtype"], shape: v.variable.shape, data };
  });
}

Deno.test("restoring an int32 or float64 tensor into a float32 variable is refused, naming both dtypes", async () => {
  await useBackend("wasm");
  const dir = await tempDir();
  const model = tinyModel(1);
  const before = model.store.get("tiny/fc8/weights").dataSync().slice();
  for (const dtype of ["int32", "float64"]) {
    await writeCheckpoint(
      `${dir}/${dtype}`,
      tensorsOf(model, (n) => (n === "tiny/fc8/weights" ? dtype : "float32")),
    );
    await assert.rejects(
      () => restore(model, `${dir}/${dtype}`, { log: false }),
      new RegExp(
        `dtype mismatch restoring from .*${dtype}\\.index .*float16 or bfloat16\\):\\n  tiny/fc8/weights: model float32 vs tiny/fc8/weights ${dtype}`,
      ),
    );
  }
  assert.deepEqual(model.store.get("tiny/fc8/weights").dataSync(), before, "nothing assigned");
  // float16 widens exactly (and is allowed).
  await writeSafetensors(`${dir}/half.safetensors`, tensorsOf(model, () => "float16"));
  const report = await restore(model, `${dir}/half.safetensors`, { log: false });
  assert.equal(report.restored.length, model.store.list().length);
  assert.ok(model.store.get("tiny/fc8/weights").dataSync().every((v) => v === 1));
  model.store.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an exclude scope that matches no variable is reported and warned about", async () => {
  await useBackend("wasm");
  const dir = await tempDir();
  const model = tinyModel(1);
  await writeCheckpoint(`${dir}/c`, tensorsOf(model, () => "float32"));
  const lines: string[] = [];
  const report = await restore(model, `${dir}/c`, {
    exclude: ["tiny/fc_8", "tiny/conv1"],
    log: (l) => lines.push(l),
  });
  assert.deepEqual(report.unmatchedScopes, ["tiny/fc_8"]);
  assert.ok(report.restored.includes("tiny/fc8/weights"), "TF-Slim prefix semantics: fc8 restored");
  assert.ok(
    lines.some((l) =>
      /warning: scope 'tiny\/fc_8' matches no variable of tiny: it excluded/.test(l)
    ),
    lines.join("\n"),
  );
  const quiet = await restore(model, `${dir}/c`, { exclude: ["tiny/fc8"], log: false });
  assert.deepEqual(quiet.unmatchedScopes, []);
  model.store.dispose();
  await Deno.remove(dir, { recursive: true });
});
