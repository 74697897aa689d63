/**
 * Writes image folders the way real producers do: PNG and JPEG files from
 * PIL (Debian's python3-pil), of varied sizes, one sub-folder per class;
 * optionally a corrupt file, a dangling symlink and a non-image file.
 */
const PY = `
import sys, json, random
from PIL import Image, ImageDraw
spec = json.loads(sys.argv[1])
random.seed(spec["seed"])
for c, (name, count) in enumerate(spec["classes"]):
    for i in range(count):
        w, h = random.randint(spec["min"], spec["max"]), random.randint(spec["min"], spec["max"])
        img = Image.new("RGB", (w, h), ((c * 80) % 256, (i * 7) % 256, 255 - (c * 80) % 256))
        d = ImageDraw.Draw(img)
        for _ in range(6):
            x0, y0 = random.randint(0, w - 1), random.randint(0, h - 1)
            d.rectangle([x0, y0, min(w - 1, x0 + w // 4), min(h - 1, y0 + h // 4)],
                        fill=(random.randint(0, 255), random.randint(0, 255), random.randint(0, 255)))
        ext = "png" if (i % 2 == 0 and spec["png"]) else "jpg"
        img.save(f"{spec['root']}/{name}/img_{i:05d}.{ext}", quality=90)
`;
import { toolPath } from "../../lib/util/tools.ts";

/** What to write. */
export interface FolderSpec {
  /** [class name, image count] per class. */
  classes: [string, number][];
  /** Pixel size range of each side; default 40–90. */
  min?: number;
  max?: number;
  /** Every other image a PNG (default true). */
  png?: boolean;
  /** Add `<first class>/broken.jpg` (truncated JPEG bytes). */
  corrupt?: boolean;
  /** Add `<first class>/gone.png` → a missing target. */
  danglingLink?: boolean;
  /** Add `<first class>/notes.txt`. */
  nonImage?: boolean;
  seed?: number;
}

/** Writes the folder under `root` (created). */
export async function writeImageFolder(root: string, spec: FolderSpec): Promise<void> {
  for (const [name] of spec.classes) await Deno.mkdir(`${root}/${name}`, { recursive: true });
  const res = await new Deno.Command(toolPath("python"), {
    args: [
      "-c",
      PY,
      JSON.stringify({
        root,
        seed: spec.seed ?? 1,
        min: spec.min ?? 40,
        max: spec.max ?? 90,
        png: spec.png ?? true,
        classes: spec.classes,
      }),
    ],
  }).output();
  if (!res.success) {
    throw new Error(`PIL image writer failed: ${new TextDecoder().decode(res.stderr)}`);
  }
  const first = `${root}/${spec.classes[0][0]}`;
  if (spec.corrupt) {
    const good = await Deno.readFile(`${first}/img_00001.jpg`);
    await Deno.writeFile(`${first}/broken.jpg`, good.subarray(0, Math.floor(good.length / 3)));
  }
  if (spec.danglingLink) await Deno.symlink(`${root}/nowhere.png`, `${first}/gone.png`);
  if (spec.nonImage) await Deno.writeTextFile(`${first}/notes.txt`, "not an image");
}

/** True when python3-pil can write images here (CI installs it). */
export function havePil(): boolean {
  try {
    return new Deno.Command(toolPath("python"), { args: ["-c", "import PIL"], stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}
