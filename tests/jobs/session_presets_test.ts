/** lib/jobs/session_presets: `--preset` expands first, the user's flags override, bad names exit 2. */
import assert from "node:assert/strict";
import { expandPreset, SESSION_PRESETS, trainJobFromArgs } from "../../lib/jobs/mod.ts";
import { buildModel } from "../../lib/models/mod.ts";
import { UsageError } from "../../lib/util/mod.ts";

Deno.test("--preset sets the exercise's flags; flags beside it override; --checkpoint none", () => {
  const job = trainJobFromArgs(["--preset", "session-03", "--epochs=2"]);
  assert.equal(job.preset, "session-03");
  assert.equal(job.model, "vgg_16");
  assert.equal(job.imageSize, 224);
  assert.equal(job.batch, 100);
  assert.deepEqual(job.trainable, ["vgg_16/fc8"]);
  assert.equal(job.checkpoint, "vgg_16");
  assert.deepEqual(job.exclude, ["vgg_16/fc8"]);
  assert.equal(job.epochs, 2, "the user's --epochs wins over the preset's");
  assert.equal(job.perClass, 400);
  const offline = trainJobFromArgs(["--checkpoint", "none", "--preset=session-05"]);
  assert.equal(offline.model, "resnet_v1_50");
  assert.equal(offline.checkpoint, undefined, "--checkpoint none: no restore");
  assert.equal(offline.exclude, undefined, "and nothing to exclude");
  assert.deepEqual(expandPreset(["--lr", "0.1"]), { args: ["--lr", "0.1"] }, "no preset: as given");
  assert.throws(
    () => trainJobFromArgs(["--preset", "session-99"]),
    (e: Error) =>
      e instanceof UsageError &&
      /--preset: expected one of session-02, .*got 'session-99'/.test(e.message),
  );
  assert.throws(() => trainJobFromArgs(["--preset"]), UsageError);
});

Deno.test("every preset parses into a job whose model has its trainable and excluded scopes", () => {
  assert.deepEqual(Object.keys(SESSION_PRESETS), [
    "session-02",
    "session-03",
    "session-04",
    "session-05",
  ]);
  for (const [name, p] of Object.entries(SESSION_PRESETS)) {
    assert.equal(name, `session-${p.exercise}`);
    const job = trainJobFromArgs(["--preset", name]);
    // Scope names do not depend on the input size: build small.
    const model = buildModel(job.model, { numClasses: 10, inputSize: 64 });
    try {
      const vars = model.store.list().map((v) => v.name);
      for (const scope of [...(job.trainable ?? []), ...(job.exclude ?? [])]) {
        assert.ok(vars.some((v) => v.startsWith(`${scope}/`)), `${name}: ${scope}`);
      }
    } finally {
      model.store.dispose();
    }
  }
});
