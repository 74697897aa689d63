import assert from "node:assert/strict";
import sharp from "sharp";
import { loadImageFolder } from "../../lib/data/image_folder.ts";
import { tempDir } from "../helpers/temp.ts";

async function image(
  path: string,
  w: number,
  h: number,
  rgb: [number, number, number],
  fmt: "png" | "jpeg",
) {
  const img = sharp({
    create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } },
  });
  await (fmt === "png" ? img.png() : img.jpeg({ quality: 100 })).toFile(path);
}

Deno.test("image folder: classes from sub-folders, PNG and JPEG decoded", async () => {
  const root = await tempDir();
  await Deno.mkdir(`${root}/eosinophil`);
  await Deno.mkdir(`${root}/basophil`);
  await image(`${root}/basophil/a.png`, 6, 4, [255, 0, 0], "png");
  await image(`${root}/basophil/b.jpg`, 6, 4, [0, 0, 255], "jpeg");
  await image(`${root}/eosinophil/c.png`, 6, 4, [0, 255, 0], "png");
  await Deno.writeTextFile(`${root}/eosinophil/notes.txt`, "ignored");
  const ds = await loadImageFolder(root);
  assert.deepEqual(ds.classNames, ["basophil", "eosinophil"]);
  assert.deepEqual(Array.from(ds.labels), [0, 0, 1]);
  assert.deepEqual([ds.height, ds.width, ds.channels], [4, 6, 3]);
  assert.deepEqual(Array.from(ds.images.subarray(0, 3)), [255, 0, 0]);
  const blue = Array.from(ds.images.subarray(72, 75));
  assert.ok(blue[2] > 240 && blue[0] < 15, `jpeg blue ${blue}`);
  assert.deepEqual(Array.from(ds.images.subarray(144, 147)), [0, 255, 0]);
  const resized = await loadImageFolder(root, { size: [8, 8], channels: 1 });
  assert.deepEqual([resized.height, resized.width, resized.channels], [8, 8, 1]);
  await Deno.remove(root, { recursive: true });
});

Deno.test("image folder errors: empty class, mixed sizes, undecodable file", async () => {
  const root = await tempDir();
  await Deno.mkdir(`${root}/a`);
  await Deno.mkdir(`${root}/b`);
  await image(`${root}/a/1.png`, 4, 4, [1, 2, 3], "png");
  await assert.rejects(
    () => loadImageFolder(root),
    /\/b: empty class folder: expected PNG or JPEG images/,
  );
  await image(`${root}/b/2.png`, 5, 4, [1, 2, 3], "png");
  await assert.rejects(
    () => loadImageFolder(root),
    /b\/2\.png: 4×5 image among 4×4 ones; pass size/,
  );
  await Deno.writeTextFile(`${root}/b/2.png`, "not a png");
  await assert.rejects(() => loadImageFolder(root), /b\/2\.png: cannot decode image/);
  await assert.rejects(
    () => loadImageFolder(`${root}/missing`),
    /missing: cannot read image folder/,
  );
  await Deno.remove(root, { recursive: true });
});
