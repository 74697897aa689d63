/**
 * Bad inputs through the real entry points (`inspect`, `train`, `eval`,
 * `sweep`): each exits non-zero in bounded time with one clear line naming
 * the file or flag, and no library noise on stderr.
 */
import assert from "node:assert/strict";
import { tempDir } from "../helpers/temp.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

async function run(script: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/${script}`, ...args],
    env: { NO_COLOR: "1", ...env },
    signal: AbortSignal.timeout(120_000), // a hang fails the test instead of blocking CI
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The `error: ...` line of a run (backend lines go to stdout). */
function errorLine(stderr: string): string {
  const lines = stderr.split("\n").filter((l) => l.startsWith("error: "));
  assert.equal(lines.length, 1, stderr);
  return lines[0];
}

Deno.test("inspect: a FIFO and a damaged h5 file give one line each, no hang, no HDF5-DIAG", async () => {
  const dir = await tempDir();
  assert.ok(new Deno.Command("mkfifo", { args: [`${dir}/weights.h5`] }).outputSync().success);
  const fifo = await run("inspect.ts", [`${dir}/weights.h5`]);
  assert.equal(fifo.code, 1);
  assert.match(errorLine(fifo.stderr), /weights\.h5: is a FIFO \(named pipe\)/);

  const good = await Deno.readFile(`${ROOT}tests/fixtures/keras/keras_layout.h5`);
  await Deno.writeFile(`${dir}/cut.h5`, good.subarray(0, 1500));
  const cut = await run("inspect.ts", [`${dir}/cut.h5`]);
  assert.equal(cut.code, 1);
  assert.ok(!cut.stderr.includes("HDF5-DIAG"), cut.stderr);
  assert.match(
    errorLine(cut.stderr),
    /cut\.h5: damaged or not an HDF5 file: reading the superblock failed \(truncated file/,
  );
  assert.equal(cut.stderr.trim().split("\n").length, 1, cut.stderr);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("train: negative and out-of-range numbers name the flag and the range", async () => {
  for (
    const [args, re] of [
      [["--lr", "-1"], /--lr: expected at least 0, got -1/],
      [["--seed", "-1"], /--seed: expected at least 0, got -1/],
      [["--label-smoothing", "5"], /--label-smoothing: expected less than 1, got 5/],
      [
        ["--schedule", "piecewise", "--boundaries", "2,1", "--values", "1,2,3"],
        /--boundaries: expected increasing/,
      ],
    ] as [string[], RegExp][]
  ) {
    const r = await run("train.ts", args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
  }
});

Deno.test("train: a missing explicit dataset folder, and a batch too large for memory, fail before training", async () => {
  const dir = await tempDir();
  const missing = await run("train.ts", [
    "--dataset",
    `fashion-mnist:${dir}/nothing`,
    "--out",
    `${dir}/o`,
  ]);
  assert.equal(missing.code, 1);
  assert.match(
    errorLine(missing.stderr),
    new RegExp(`${dir}/nothing: the Fashion-MNIST folder given does not exist`),
  );
  const big = await run(
    "train.ts",
    ["--image-size", "512", "--batch", "64", "--per-class", "1", "--out", `${dir}/o`],
    { TL_MEMORY_AVAILABLE_MIB: "1000" },
  );
  assert.equal(big.code, 1, big.stderr);
  assert.match(
    errorLine(big.stderr),
    /a batch of 64 images at 512×512×3 is 192 MiB of float32 input .*use a batch of at most 56 at this size/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sweep: a --trials file that is not a list of flag objects names the file and the trial", async () => {
  const dir = await tempDir();
  await Deno.writeTextFile(`${dir}/t.json`, "[null]");
  const r = await run("sweep.ts", ["--trials", `${dir}/t.json`, "--out", `${dir}/s`]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    new RegExp(`--trials ${dir}/t\\.json: trial 1 is null: expected a non-empty JSON list`),
  );
  assert.ok(!(await Deno.stat(`${dir}/s`).catch(() => undefined)), "nothing started");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("eval: a checkpoint folder whose state file names itself, and a FIFO checkpoint, are named", async () => {
  const dir = await tempDir();
  await Deno.writeTextFile(`${dir}/checkpoint`, 'model_checkpoint_path: "."\n');
  const cycle = await run("eval.ts", ["--checkpoint", dir]);
  assert.equal(cycle.code, 1, cycle.stderr);
  assert.match(errorLine(cycle.stderr), /'checkpoint' state files form a cycle/);
  assert.ok(new Deno.Command("mkfifo", { args: [`${dir}/model.ckpt`] }).outputSync().success);
  const fifo = await run("eval.ts", ["--checkpoint", `${dir}/model.ckpt`]);
  assert.equal(fifo.code, 1, fifo.stderr);
  assert.match(
    errorLine(fifo.stderr),
    /model\.ckpt: is a FIFO \(named pipe\), expected a checkpoint file/,
  );
  await Deno.remove(dir, { recursive: true });
});
