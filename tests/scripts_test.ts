import assert from "node:assert/strict";
import { writeCheckpoint } from "../lib/checkpoint/writer.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function run(script: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/${script}`, ...args],
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("inspect lists a checkpoint, prints a tensor, and emits JSON", async () => {
  const dir = await Deno.makeTempDir();
  await writeCheckpoint(`${dir}/model.ckpt-7`, [
    {
      name: "vgg_16/fc8/weights",
      dtype: "float32",
      shape: [1, 1, 4, 2],
      data: Float32Array.from({ length: 8 }, (_, i) => i),
    },
    {
      name: "vgg_16/fc8/biases",
      dtype: "float32",
      shape: [2],
      data: Float32Array.from([0.5, -0.5]),
    },
  ]);
  const text = await run("inspect.ts", dir, "--tensor", "vgg_16/fc8/biases");
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /vgg_16\/fc8\/weights\s+float32\s+\[1, 1, 4, 2\]/);
  assert.match(text.stdout, /2 tensors, 10 parameters/);
  assert.match(text.stdout, /tensor_name: vgg_16\/fc8\/biases\n\[0\.5, -0\.5\]/);
  const json = await run("inspect.ts", `${dir}/model.ckpt-7.index`, "--json");
  const parsed = JSON.parse(json.stdout);
  assert.equal(parsed.format, "v2");
  assert.equal(parsed.parameters, 10);
  assert.equal(parsed.bytes, 40);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("scripts: unknown flags exit 2 naming the flag; missing files exit 1 naming the file", async () => {
  const bad = await run("inspect.ts", "--frobnicate", "x");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Unknown option '--frobnicate'/);
  const missing = await run("inspect.ts", "/nonexistent/model.ckpt");
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /\/nonexistent\/model\.ckpt: no checkpoint there/);
  const demoBad = await run("demo.ts", "--small", "many");
  assert.equal(demoBad.code, 2);
  assert.match(demoBad.stderr, /--small: expected an integer, got 'many'/);
  const help = await run("demo.ts", "--help");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--pretrain-per-class/);
});
