/** The lab's files in one shared data folder: fetch, unpack, manifest, checks, offline help. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { openCheckpoint } from "../../lib/io/checkpoint/checkpoint.ts";
import { writeCheckpoint } from "../../lib/io/checkpoint/writer.ts";
import { readManifest } from "../../lib/data/manifest.ts";
import {
  checkLabFile,
  fetchLabFile,
  LAB_FILES,
  labFilePath,
  offlineInstructions,
} from "../../lib/lab/lab_files.ts";
import { requireFile } from "../../lib/lab/require_file.ts";
import { PRETRAINED } from "../../lib/models/pretrained.ts";
import { tarGz } from "../helpers/cifar_files.ts";
import { tempDir } from "../helpers/temp.ts";

/** A loopback mirror: archive name → bytes; counts requests per name. */
function mirror(files: Record<string, Uint8Array>) {
  const hits: Record<string, number> = {};
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const name = new URL(req.url).pathname.slice(1);
    hits[name] = (hits[name] ?? 0) + 1;
    const body = files[name];
    return body
      ? new Response(body as Uint8Array<ArrayBuffer>, {
        headers: { "content-length": String(body.length) },
      })
      : new Response("not here", { status: 404 });
  });
  const url = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`;
  return { url, hits, close: () => server.shutdown() };
}

/** A TF-Slim-like archive: `<folder>/<checkpoint files>` (V1 file, or V2 index + data + meta). */
async function checkpointArchive(folder: string, prefix: string, v2: boolean): Promise<Uint8Array> {
  const src = await tempDir();
  try {
    await Deno.mkdir(`${src}/${folder}`, { recursive: true });
    await writeCheckpoint(`${src}/${folder}/${prefix}`, [
      { name: "net/w", dtype: "float32", shape: [3], data: Float32Array.from([1, 2, 3]) },
    ], { format: v2 ? "v2" : "v1", updateState: false });
    if (v2) await Deno.writeTextFile(`${src}/${folder}/${prefix}.meta`, "graph");
    return await Deno.readFile(await tarGz(src, folder, folder));
  } finally {
    await Deno.remove(src, { recursive: true });
  }
}

async function read(path: string): Promise<number[]> {
  const ckpt = await openCheckpoint(path);
  try {
    return Array.from((await ckpt.read("net/w")).data as Float32Array);
  } finally {
    ckpt.close();
  }
}

Deno.test("every zoo checkpoint of TF-Slim's table and every CIFAR archive has a lab file", () => {
  for (const [name, p] of Object.entries(PRETRAINED)) {
    const f = LAB_FILES[name];
    assert.equal(f?.kind, "checkpoint", name);
    assert.equal(f.use, `checkpoints/${p.checkpoint}`);
    assert.ok(f.download.url.endsWith(`/${p.archive}`), f.download.url);
  }
  for (const n of ["cifar10", "cifar10-python", "cifar100", "cifar100-python"]) {
    assert.match(LAB_FILES[n].download.md5 ?? "", /^[0-9a-f]{32}$/, n);
  }
  assert.match(
    LAB_FILES.mobilenet_v1.download.url,
    /mobilenet_v1_2018_08_02\/mobilenet_v1_1\.0_224\.tgz$/,
  );
});

Deno.test("a V1 checkpoint is fetched once, unpacked, recorded; damage is caught on later use", async () => {
  const dir = await tempDir();
  const m = mirror({
    "vgg_16_2016_08_28.tar.gz": await checkpointArchive("vgg", "vgg_16.ckpt", false),
  });
  try {
    const logs: string[] = [];
    const path = await fetchLabFile("vgg_16", {
      dir,
      mirror: m.url,
      progress: false,
      log: (l) => logs.push(l),
    });
    assert.equal(path, `${dir}/checkpoints/vgg_16.ckpt`);
    assert.equal(path, labFilePath("vgg_16", dir));
    assert.deepEqual(await read(path), [1, 2, 3]);
    assert.ok(logs.some((l) => /unpacked vgg_16\.ckpt/.test(l)), logs.join("\n"));
    // The archive is gone once unpacked; the manifest has the file's size and SHA-256.
    assert.deepEqual([...Deno.readDirSync(`${dir}/checkpoints`)].map((e) => e.name), [
      "vgg_16.ckpt",
    ]);
    const entry = (await readManifest(dir))["checkpoints/vgg_16.ckpt"];
    const bytes = await Deno.readFile(path);
    assert.equal(entry.size, bytes.length);
    assert.equal(entry.sha256, createHash("sha256").update(bytes).digest("hex"));
    assert.equal(entry.name, "vgg_16");
    assert.equal(entry.source, `${m.url}/vgg_16_2016_08_28.tar.gz`);
    // Present and verified: no second request.
    assert.equal(await fetchLabFile("vgg_16", { dir, mirror: m.url, progress: false }), path);
    assert.equal(m.hits["vgg_16_2016_08_28.tar.gz"], 1);
    // Damaged in place (same size) and truncated: both refused, naming the file.
    bytes[bytes.length - 1] ^= 1;
    await Deno.writeFile(path, bytes);
    await assert.rejects(
      () => fetchLabFile("vgg_16", { dir, mirror: m.url }),
      /vgg_16: .*vgg_16\.ckpt: SHA-256 [0-9a-f]{64}, the manifest records [0-9a-f]{64} \(damaged or replaced\)\. Delete it and run 'deno task download vgg_16' --to /,
    );
    await Deno.writeFile(path, bytes.subarray(0, 10));
    assert.match(
      await checkLabFile("vgg_16", dir),
      /has 10 bytes, the manifest records \d+ \(truncated/,
    );
  } finally {
    await m.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a V2 checkpoint (index + data) is unpacked without the .meta graph; requireFile takes names", async () => {
  const dir = await tempDir();
  const name = "mobilenet_v1_1.0_224";
  const m = mirror({ [`${name}.tgz`]: await checkpointArchive(".", `${name}.ckpt`, true) });
  const env = { TL_DATA_DIR: dir, TL_DOWNLOAD_MIRROR: m.url };
  for (const [k, v] of Object.entries(env)) Deno.env.set(k, v);
  try {
    const path = await requireFile("mobilenet_v1");
    assert.equal(path, `${dir}/checkpoints/${name}.ckpt`);
    assert.deepEqual(await read(path), [1, 2, 3]);
    const files = [...Deno.readDirSync(`${dir}/checkpoints`)].map((e) => e.name).sort();
    assert.deepEqual(files, [`${name}.ckpt.data-00000-of-00001`, `${name}.ckpt.index`]);
    assert.deepEqual(
      Object.keys(await readManifest(dir)).sort(),
      files.map((f) => `checkpoints/${f}`),
    );
    assert.equal(await checkLabFile("mobilenet_v1", dir), "ok");
  } finally {
    for (const k of Object.keys(env)) Deno.env.delete(k);
    await m.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a dataset is checked against its published MD5; offline, the error says what to fetch and where", async () => {
  const dir = await tempDir();
  const m = mirror({ "cifar-10-binary.tar.gz": new Uint8Array(1000) });
  try {
    await assert.rejects(
      () => fetchLabFile("cifar10", { dir, mirror: m.url, progress: false }),
      /cifar10: checksum mismatch for .*cifar-10-binary\.tar\.gz: got md5 [0-9a-f]{32}, expected c32a1d4ab5d03f1284b67883e8d87530/,
    );
    // Nothing half-written stays under the final name.
    assert.deepEqual([...Deno.readDirSync(`${dir}/datasets`)].map((e) => e.name), []);
    // A dataset placed by hand is checked the same way.
    await Deno.writeFile(`${dir}/datasets/cifar-10-binary.tar.gz`, new Uint8Array(5));
    await assert.rejects(
      () => fetchLabFile("cifar10", { dir }),
      /md5 [0-9a-f]{32}, expected c32a1d4a/,
    );
  } finally {
    await m.close();
  }
  const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const dead = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  listener.close();
  await assert.rejects(
    () => fetchLabFile("resnet_v1_50", { dir, mirror: dead, progress: false }),
    (err: Error) => {
      assert.match(err.message, /^resnet_v1_50: cannot download http:\/\/127\.0\.0\.1/);
      assert.ok(err.message.includes(offlineInstructions("resnet_v1_50", dir)), err.message);
      assert.ok(
        err.message.includes(
          `fetch http://download.tensorflow.org/models/resnet_v1_50_2016_08_28.tar.gz on a machine ` +
            `with internet access, put it at ${dir}/checkpoints/resnet_v1_50_2016_08_28.tar.gz`,
        ),
        err.message,
      );
      return true;
    },
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an archive placed by hand is unpacked without the network", async () => {
  const dir = await tempDir();
  try {
    await Deno.mkdir(`${dir}/checkpoints`);
    await Deno.writeFile(
      `${dir}/checkpoints/resnet_v1_50_2016_08_28.tar.gz`,
      await checkpointArchive("r", "resnet_v1_50.ckpt", false),
    );
    const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
    const dead = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
    listener.close();
    const path = await fetchLabFile("resnet_v1_50", { dir, mirror: dead, log: () => {} });
    assert.deepEqual(await read(path), [1, 2, 3]);
    assert.equal(await checkLabFile("resnet_v1_50", dir), "ok");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("seats starting at once fetch a file once: the others wait for it, then verify it", async () => {
  const dir = await tempDir();
  const archive = await checkpointArchive("vgg", "vgg_16.ckpt", false);
  let hits = 0;
  // Slow enough that the second process starts while the first is still downloading.
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async () => {
    hits++;
    await new Promise((r) => setTimeout(r, 1500));
    return new Response(archive as Uint8Array<ArrayBuffer>, {
      headers: { "content-length": String(archive.length) },
    });
  });
  const url = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`;
  const script = new URL("../../scripts/download.ts", import.meta.url).pathname;
  const seat = () =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, "vgg_16", "--to", dir, "--mirror", url],
      stdout: "piped",
      stderr: "piped",
    }).output();
  try {
    const runs = await Promise.all([seat(), seat(), seat()]);
    const text = runs.map((r) =>
      new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr)
    );
    runs.forEach((r, i) => assert.equal(r.code, 0, text[i]));
    assert.equal(hits, 1, text.join("\n---\n"));
    assert.ok(
      text.some((t) => /waiting for process \d+ .*fetching vgg_16/.test(t)),
      text.join("\n"),
    );
    assert.deepEqual(await read(`${dir}/checkpoints/vgg_16.ckpt`), [1, 2, 3]);
    assert.deepEqual(Object.keys(await readManifest(dir)), ["checkpoints/vgg_16.ckpt"]);
    // No lock or temp left behind.
    assert.deepEqual([...Deno.readDirSync(`${dir}/checkpoints`)].map((e) => e.name), [
      "vgg_16.ckpt",
    ]);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "checkpoints",
      "manifest.json",
    ]);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
