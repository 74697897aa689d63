import assert from "node:assert/strict";
import { readTar } from "../../lib/data/tar.ts";
import { tempDir } from "../helpers/temp.ts";

async function systemTar(files: Record<string, string>, gzip: boolean): Promise<Uint8Array> {
  const dir = await tempDir();
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(`${dir}/src/${name}`.replace(/\/[^/]+$/, ""), { recursive: true });
    await Deno.writeTextFile(`${dir}/src/${name}`, text);
  }
  const out = `${dir}/a.tar${gzip ? ".gz" : ""}`;
  const res = await new Deno.Command("tar", {
    args: [gzip ? "-czf" : "-cf", out, "-C", `${dir}/src`, ...Object.keys(files)],
  }).output();
  assert.ok(res.success, new TextDecoder().decode(res.stderr));
  const bytes = await Deno.readFile(out);
  await Deno.remove(dir, { recursive: true });
  return bytes;
}

Deno.test("readTar lists the regular files of GNU tar archives, plain and gzipped, long names too", async () => {
  const long = `${"d".repeat(60)}/${"f".repeat(80)}.bin`;
  const files = { "a/data_batch_1.bin": "x".repeat(1000), "b.txt": "hello", [long]: "long" };
  for (const gz of [false, true]) {
    const entries = await readTar(await systemTar(files, gz), "a.tar");
    const got = Object.fromEntries(entries.map((e) => [e.name, new TextDecoder().decode(e.data)]));
    assert.deepEqual(got, files);
  }
});

Deno.test("a truncated tar names the archive and the member", async () => {
  const bytes = await systemTar({ "big.bin": "y".repeat(5000) }, false);
  await assert.rejects(
    readTar(bytes.subarray(0, 2048), "cut.tar"),
    /cut\.tar: truncated tar archive: 'big\.bin' needs 5000 bytes/,
  );
});
