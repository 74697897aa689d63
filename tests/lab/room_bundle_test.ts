/** The offline room bundle: unpacked elsewhere, it runs the toolkit with no registry and no Deno. */
import assert from "node:assert/strict";
import { recordFile } from "../../lib/data/manifest.ts";
import { packRoom } from "../../lib/lab/room_bundle.ts";
import { tempDir } from "../helpers/temp.ts";

Deno.test({
  name: "a room bundle runs the toolkit offline with its own Deno, packages and verified data",
  sanitizeResources: false,
}, async () => {
  const tmp = await tempDir();
  try {
    const data = `${tmp}/data`;
    await Deno.mkdir(`${data}/checkpoints`, { recursive: true });
    await Deno.writeTextFile(`${data}/checkpoints/vgg_16.ckpt`, "stand-in bytes");
    await recordFile(data, "checkpoints/vgg_16.ckpt", { name: "vgg_16" });
    const logs: string[] = [];
    const b = await packRoom(`${tmp}/room.tar`, {
      data: true,
      dataDir: data,
      log: (l) => logs.push(l),
    });
    assert.deepEqual(b.dataFiles, ["checkpoints/vgg_16.ckpt"]);
    assert.ok(b.files > 100, `${b.files} checkout files`);
    assert.deepEqual([...Deno.readDirSync(tmp)].map((e) => e.name).sort(), ["data", "room.tar"]);
    const seat = `${tmp}/seat`;
    await Deno.mkdir(seat);
    const x = await new Deno.Command("tar", { args: ["-xf", b.path, "-C", seat] }).output();
    assert.ok(x.success, new TextDecoder().decode(x.stderr));
    const home = `${seat}/tl-lab`;
    assert.match(await Deno.readTextFile(`${home}/ROOM.md`), /export TL_DATA_DIR=\$PWD\/data/);
    // No registry (a closed port), an empty Deno cache, no deno on PATH: only what is packed.
    const env = {
      PATH: "/usr/bin:/bin",
      HOME: `${tmp}/home`,
      DENO_DIR: `${tmp}/deno-dir`,
      NPM_CONFIG_REGISTRY: "http://127.0.0.1:9/",
      TL_DATA_DIR: `${home}/data`,
      NO_COLOR: "1",
    };
    const check = await new Deno.Command(`${home}/bin/deno`, {
      args: ["task", "download", "--check", "vgg_16"],
      cwd: home,
      env,
      clearEnv: true,
    }).output();
    const said = new TextDecoder().decode(check.stdout) + new TextDecoder().decode(check.stderr);
    assert.equal(check.code, 0, said);
    assert.match(said, /vgg_16: verified/, said);
    // The npm packages: tfjs, a backend, a model, a training step.
    const train = await new Deno.Command(`${home}/bin/deno`, {
      args: [
        "eval",
        'import { buildModel, useBackend } from "./mod.ts"; await useBackend("cpu");' +
        'const m = buildModel("small_vgg", { numClasses: 3, inputSize: 32 });' +
        'console.log("variables", m.store.list().length);',
      ],
      cwd: home,
      env,
      clearEnv: true,
    }).output();
    const out = new TextDecoder().decode(train.stdout);
    assert.equal(train.code, 0, new TextDecoder().decode(train.stderr));
    assert.match(out, /variables \d+/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a damaged data file is not packed, and nothing is left behind", async () => {
  const tmp = await tempDir();
  try {
    const data = `${tmp}/data`;
    await Deno.mkdir(data);
    await Deno.writeTextFile(`${data}/a.bin`, "good");
    await recordFile(data, "a.bin");
    await Deno.writeTextFile(`${data}/a.bin`, "bad!");
    await assert.rejects(
      () => packRoom(`${tmp}/room.tar.gz`, { data: true, dataDir: data, log: () => {} }),
      /data\/a\.bin: SHA-256 .* \(damaged or replaced\); not packing it/,
    );
    assert.deepEqual([...Deno.readDirSync(tmp)].map((e) => e.name), ["data"]);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
