import assert from "node:assert/strict";
import { classCounts } from "../../lib/data/dataset.ts";
import { decodeImageFile, indexImageFolder } from "../../lib/data/image_files.ts";
import { havePil, writeImageFolder } from "../helpers/image_folder.ts";
import { requiredInCi } from "../helpers/ci.ts";
import { tempDir } from "../helpers/temp.ts";

const ignore = !requiredInCi(havePil(), "python3-pil");

Deno.test({
  name: "indexing keeps only paths and labels; reports counts, ignored files and dangling links",
  ignore,
}, async () => {
  const root = await tempDir();
  await writeImageFolder(root, {
    classes: [["b_cells", 3], ["a_cells", 5]],
    danglingLink: true,
    nonImage: true,
  });
  const lines: string[] = [];
  const ds = await indexImageFolder(root, { size: 16, log: (l) => lines.push(l), progress: false });
  assert.deepEqual(ds.classNames, ["a_cells", "b_cells"]);
  assert.deepEqual(classCounts(ds), [5, 3]);
  assert.equal(ds.files[0], `${root}/a_cells/img_00000.png`);
  assert.equal(ds.files.length, 8);
  assert.ok(
    lines.some((l) => l.includes(`${root}/b_cells/gone.png: symlink to nothing readable`)),
    lines.join("\n"),
  );
  assert.ok(
    lines.some((l) =>
      /8 images in 2 classes \(a_cells 5, b_cells 3\); 1 non-image files ignored/.test(l)
    ),
    lines.join("\n"),
  );
  await Deno.mkdir(`${root}/c_empty`);
  await assert.rejects(
    indexImageFolder(root, { size: 16, log: () => {}, progress: false }),
    new RegExp(`${root}/c_empty: empty class folder`),
  );
  await Deno.remove(root, { recursive: true });
});

Deno.test({
  name: "decoding: stretch, centre and random crops to the size; a corrupt file is named",
  ignore,
}, async () => {
  const root = await tempDir();
  await writeImageFolder(root, { classes: [["x", 4]], corrupt: true, min: 30, max: 120 });
  const ds = await indexImageFolder(root, { size: 24, log: () => {}, progress: false });
  for (const resize of ["stretch", "center-crop", "random-crop"] as const) {
    for (let i = 0; i < ds.files.length; i++) {
      if (ds.files[i].endsWith("broken.jpg")) continue;
      const img = await decodeImageFile({ ...ds, resize }, i, { fy: 0.9, fx: 0.1 });
      assert.equal(img.length, 24 * 24 * 3, `${resize} ${ds.files[i]}`);
    }
  }
  const j = ds.files.findIndex((f) => f.endsWith("broken.jpg"));
  await assert.rejects(
    decodeImageFile(ds, j),
    new RegExp(`${root}/x/broken\\.jpg: cannot decode image`),
  );
  // Random crops move with the offsets; centre crops do not.
  const k = ds.files.findIndex((f) => f.endsWith("img_00001.jpg"));
  const a = await decodeImageFile({ ...ds, resize: "random-crop" }, k, { fy: 0, fx: 0 });
  const b = await decodeImageFile({ ...ds, resize: "random-crop" }, k, { fy: 0.99, fx: 0.99 });
  assert.notDeepEqual(a, b);
  const c1 = await decodeImageFile({ ...ds, resize: "center-crop" }, k, { fy: 0, fx: 0 });
  const c2 = await decodeImageFile({ ...ds, resize: "center-crop" }, k, { fy: 0.99, fx: 0.99 });
  assert.deepEqual(c1, c2);
  await Deno.remove(root, { recursive: true });
});
