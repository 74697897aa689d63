import assert from "node:assert/strict";
import { folderBenchLines } from "../../scripts/bench_folders.ts";
import { havePil, writeImageFolder } from "../helpers/image_folder.ts";
import { tempDir } from "../helpers/temp.ts";

Deno.test({
  name: "the folder bench measures our stream in a child and prints ratios",
  ignore: !havePil(),
}, async () => {
  const root = await tempDir();
  await writeImageFolder(root, { classes: [["a", 12], ["b", 8]], png: false });
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../../scripts/bench_folders.ts", import.meta.url).pathname,
      "--child",
      root,
      "--measure",
      "10",
      "--size",
      "32",
      "--batch",
      "5",
    ],
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.ok(r.imagesPerSecond > 0 && r.peakRssBytes > 0 && r.indexSeconds >= 0, JSON.stringify(r));
  const lines = folderBenchLines([
    {
      images: 20,
      ours: r,
      torch: { imagesPerSecond: r.imagesPerSecond / 2, peakRssBytes: 2 ** 30, indexSeconds: 0 },
    },
    { images: 40, ours: r, torch: { error: "no torch" } },
  ]);
  assert.match(lines[1], /^20 JPEGs\s+\d+\s+\d+\s+2\.00×\s+\d+ MiB\s+1024 MiB$/);
  assert.match(lines[2], /torch: no torch$/);
  await Deno.remove(root, { recursive: true });
});
