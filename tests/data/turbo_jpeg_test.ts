import assert from "node:assert/strict";
import sharp from "sharp";
import { decodeJpeg, turboJpegAvailable } from "../../lib/data/turbo_jpeg.ts";
import { havePil } from "../helpers/image_folder.ts";
import { requiredInCi } from "../helpers/ci.ts";
import { toolPath } from "../../lib/util/tools.ts";
import { tempDir } from "../helpers/temp.ts";

const ignore = !requiredInCi(havePil() && turboJpegAvailable(), "python3-pil and libturbojpeg0");

/** JPEGs as PIL writes them: plain 4:2:0, large, with an EXIF orientation, and a PNG. */
async function files(dir: string) {
  const py = `
from PIL import Image
import sys
d = sys.argv[1]
img = Image.effect_noise((333, 251), 60).convert("RGB")
img.save(f"{d}/plain.jpg", quality=90)
Image.effect_noise((1000, 800), 60).convert("RGB").save(f"{d}/large.jpg", quality=85)
exif = Image.Exif(); exif[0x0112] = 6
img.save(f"{d}/rotated.jpg", quality=90, exif=exif.tobytes())
img.save(f"{d}/image.png")
`;
  const res = await new Deno.Command(toolPath("python"), { args: ["-c", py, dir] }).output();
  assert.ok(res.success, new TextDecoder().decode(res.stderr));
}

Deno.test({
  name:
    "libturbojpeg decodes the same pixels as sharp; EXIF, PNG and damaged files are left to sharp",
  ignore,
}, async () => {
  const dir = await tempDir();
  await files(dir);
  const plain = await Deno.readFile(`${dir}/plain.jpg`);
  const ours = (await decodeJpeg(plain))!;
  const { data, info } = await sharp(plain).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([ours.width, ours.height], [info.width, info.height]);
  assert.deepEqual(ours.data, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  assert.equal(await decodeJpeg(await Deno.readFile(`${dir}/rotated.jpg`)), undefined);
  assert.equal(await decodeJpeg(await Deno.readFile(`${dir}/image.png`)), undefined);
  assert.equal(
    await decodeJpeg(plain.subarray(0, plain.length >> 1)),
    undefined,
    "a warning is not a decode",
  );
  // Shrink on load: the largest DCT scale that keeps both sides at least as asked.
  const large = await Deno.readFile(`${dir}/large.jpg`);
  const half = (await decodeJpeg(large, { width: 224, height: 224 }))!;
  assert.deepEqual([half.width, half.height], [500, 400]);
  const eighth = (await decodeJpeg(large, { shorter: 100 }))!;
  assert.deepEqual([eighth.width, eighth.height], [125, 100]);
  await Deno.remove(dir, { recursive: true });
});
