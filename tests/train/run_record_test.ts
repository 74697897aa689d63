/** A checkpoint folder's run record: a rerun with other settings stops instead of resuming. */
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { fit } from "../../lib/train/fit.ts";
import { RunMismatchError, settingsDiff } from "../../lib/train/run_record.ts";
import { exponentialDecay } from "../../lib/train/schedules.ts";
import { tinyData, tinyModel } from "../helpers/tiny.ts";
import { tempDir } from "../helpers/temp.ts";

const quiet = { progress: false as const, log: () => {} };

Deno.test("a rerun with other scopes, rate or data stops and lists them; the same settings resume", async () => {
  await useBackend("wasm");
  const dir = await tempDir();
  try {
    const first = await fit(tinyModel(1), tinyData(40), {
      ...quiet,
      batchSize: 10,
      trainableScopes: ["tiny/fc7", "tiny/fc8"],
      checkpointDir: dir,
    });
    assert.equal(first.step, 4);
    const record = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
    assert.deepEqual(record.settings.trainable, ["tiny/fc7", "tiny/fc8"]);
    assert.equal(record.settings.learningRate, 0.001);
    // Fewer scopes and another rate: refused, both named, nothing trained, the run untouched.
    const before = await Deno.readTextFile(`${dir}/checkpoint`);
    await assert.rejects(
      () =>
        fit(tinyModel(1), tinyData(40), {
          ...quiet,
          batchSize: 10,
          trainableScopes: ["tiny/fc8"],
          learningRate: 1e-4,
          checkpointDir: dir,
        }),
      (err: Error) => {
        assert.ok(err instanceof RunMismatchError);
        assert.match(err.message, /holds a run with other settings/);
        assert.match(err.message, /trainable: "tiny\/fc7", "tiny\/fc8" → "tiny\/fc8"/);
        assert.match(err.message, /learningRate: 0\.001 → 0\.0001\n/);
        assert.match(
          err.message,
          /a new folder \(--out, or checkpointDir\).*--restart, or restart: true/s,
        );
        return true;
      },
    );
    assert.equal(await Deno.readTextFile(`${dir}/checkpoint`), before);
    // Other data (fewer images) and another schedule are differences too.
    await assert.rejects(
      () =>
        fit(tinyModel(1), tinyData(30), {
          ...quiet,
          batchSize: 10,
          trainableScopes: ["tiny/fc7", "tiny/fc8"],
          learningRate: exponentialDecay(0.001, { decaySteps: 10, decayRate: 0.5 }),
          checkpointDir: dir,
        }),
      (err: Error) =>
        /data images: 40 → 30/.test(err.message) &&
        /learningRate: 0\.001 → \{"step 0":0\.001,"step 1":0\.000933033,"step 10":0\.0005,/.test(
          err.message,
        ),
    );
    // The same settings with more epochs: resumes and goes on.
    const lines: string[] = [];
    const again = await fit(tinyModel(1), tinyData(40), {
      progress: false,
      log: (l) => lines.push(l),
      batchSize: 10,
      epochs: 2,
      trainableScopes: ["tiny/fc7", "tiny/fc8"],
      checkpointDir: dir,
    });
    assert.equal(again.resumedFrom, 4);
    assert.equal(again.step, 8);
    // restart: the old checkpoints go, the new run starts at 0 with its own record.
    const restarted = await fit(tinyModel(1), tinyData(40), {
      ...quiet,
      batchSize: 10,
      trainableScopes: ["tiny/fc8"],
      checkpointDir: dir,
      restart: true,
    });
    assert.equal(restarted.resumedFrom, 0);
    assert.equal(restarted.step, 4);
    const after = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
    assert.deepEqual(after.settings.trainable, ["tiny/fc8"]);
    assert.ok(!(await Deno.readTextFile(`${dir}/checkpoint`)).includes("model.ckpt-8"));
    assert.ok(!Deno.readDirSync(dir).some((e) => e.name === ".lock"), "the lock goes with the run");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a folder in use by another live process is refused, naming its PID; a dead owner's lock is taken over", async () => {
  await useBackend("wasm");
  const dir = await tempDir();
  const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    const lock = { pid: child.pid, host: Deno.hostname(), started: new Date().toISOString() };
    await Deno.writeTextFile(`${dir}/.lock`, JSON.stringify(lock));
    await assert.rejects(
      () => fit(tinyModel(1), tinyData(20), { ...quiet, batchSize: 10, checkpointDir: dir }),
      new RegExp(`in use by process ${child.pid} on ${Deno.hostname()}`),
    );
    assert.ok(!Deno.readDirSync(dir).some((e) => e.name.startsWith("model.ckpt")));
    child.kill();
    await child.status;
    const r = await fit(tinyModel(1), tinyData(20), {
      ...quiet,
      batchSize: 10,
      checkpointDir: dir,
    });
    assert.equal(r.step, 2);
  } finally {
    try {
      child.kill();
    } catch { /* already ended */ }
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("settingsDiff names nested keys, added and removed ones", () => {
  assert.deepEqual(
    settingsDiff({ a: 1, b: { c: [1, 2] }, gone: true }, { a: 1, b: { c: [1, 3] }, added: "x" }),
    ["b c: 1, 2 → 1, 3", "gone: true → (not set)", 'added: (not recorded) → "x"'],
  );
});
