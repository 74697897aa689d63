/** lib/util's small file helpers: atomic writes, gzip, exists, the cache folder, HTML escaping. */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { tempSibling, writeFileAtomic } from "../../lib/util/atomic.ts";
import { cacheDir } from "../../lib/util/cache.ts";
import {
  checkWritableFolder,
  exists,
  formatBytes,
  freeBytes,
  readRegularFile,
  regularFile,
} from "../../lib/util/fs.ts";
import { smallFsTest, withSmallFs } from "../helpers/small_fs.ts";
import { gunzip, isGzip, readMaybeGzip } from "../../lib/util/gzip.ts";
import { escapeHtml } from "../../lib/util/html.ts";
import { tempDir } from "../helpers/temp.ts";

Deno.test("writeFileAtomic replaces whole files and leaves nothing half-written on failure", async () => {
  const dir = await tempDir();
  const path = `${dir}/a.json`;
  await writeFileAtomic(path, "first");
  await writeFileAtomic(path, new TextEncoder().encode("second"));
  assert.equal(await Deno.readTextFile(path), "second");
  await Deno.mkdir(`${dir}/taken`); // renaming a file onto a folder fails
  await assert.rejects(writeFileAtomic(`${dir}/taken`, "x"));
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.deepEqual(names, ["a.json", "taken"], "no temp file left behind");
  assert.match(tempSibling(path), new RegExp(`^${path}\\.tmp-${Deno.pid}-`));
  assert.ok(await exists(path));
  assert.ok(!(await exists(`${dir}/none`)));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("gzip: detected by magic, decompressed, corrupt data named by source", async () => {
  const raw = new TextEncoder().encode("hello ".repeat(100));
  const gz = new Uint8Array(gzipSync(raw));
  assert.ok(isGzip(gz) && !isGzip(raw));
  assert.deepEqual(await gunzip(gz, "x.gz"), raw);
  await assert.rejects(gunzip(gz.subarray(0, 20), "cut.gz"), /cut\.gz: corrupt or truncated gzip/);
  const dir = await tempDir();
  await Deno.writeFile(`${dir}/a.gz`, gz);
  await Deno.writeFile(`${dir}/a`, raw);
  assert.deepEqual(await readMaybeGzip(`${dir}/a.gz`), raw);
  assert.deepEqual(await readMaybeGzip(`${dir}/a`), raw);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cacheDir: TL_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache", () => {
  const saved = ["TL_CACHE_DIR", "XDG_CACHE_HOME", "HOME"].map((k) =>
    [k, Deno.env.get(k)] as const
  );
  try {
    Deno.env.set("TL_CACHE_DIR", "/c/explicit");
    assert.equal(cacheDir(), "/c/explicit");
    Deno.env.delete("TL_CACHE_DIR");
    Deno.env.set("XDG_CACHE_HOME", "/c/xdg");
    assert.equal(cacheDir(), "/c/xdg/tl-lab");
    Deno.env.delete("XDG_CACHE_HOME");
    Deno.env.set("HOME", "/home/u");
    assert.equal(cacheDir(), "/home/u/.cache/tl-lab");
  } finally {
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  }
});

Deno.test("escapeHtml escapes the characters that break markup", () => {
  assert.equal(escapeHtml(`<a href="x">&</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
});

Deno.test("regularFile refuses FIFOs, folders and missing paths, naming the path, without opening", async () => {
  const dir = await tempDir();
  const fifo = `${dir}/pipe`;
  assert.ok(new Deno.Command("mkfifo", { args: [fifo] }).outputSync().success);
  await Deno.symlink(fifo, `${dir}/link-to-pipe`);
  await Deno.writeTextFile(`${dir}/ok.txt`, "x");
  // A FIFO opened for reading would block this test forever: each call must return.
  await assert.rejects(regularFile(fifo, "weight file"), {
    message: `${fifo}: is a FIFO (named pipe), expected a weight file (a regular file)`,
  });
  await assert.rejects(readRegularFile(`${dir}/link-to-pipe`), /link-to-pipe: is a FIFO/);
  await assert.rejects(regularFile(dir, "data shard"), /: is a directory, expected a data shard/);
  await assert.rejects(
    readRegularFile(`${dir}/none`, "CIFAR file"),
    /none: cannot read the CIFAR file: not found/,
  );
  await assert.rejects(readMaybeGzip(fifo), /pipe: is a FIFO/);
  assert.equal(new TextDecoder().decode(await readRegularFile(`${dir}/ok.txt`)), "x");
  assert.ok((await regularFile(`${dir}/ok.txt`)).isFile);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("formatBytes and freeBytes", () => {
  assert.equal(formatBytes(512), "512 bytes");
  assert.equal(formatBytes(1_500_000), "1.5 MB");
  const free = freeBytes(Deno.cwd());
  assert.ok(free !== undefined && free > 0, `free bytes of the working folder: ${free}`);
  assert.equal(freeBytes("/no/such/folder"), undefined);
});

Deno.test(
  smallFsTest(
    import.meta.url,
    "checkWritableFolder: a read-only folder, and one without room, are refused up front",
    async () => {
      await withSmallFs(256, async (dir) => {
        await assert.rejects(
          checkWritableFolder(dir, 10, "checkpoint folder"),
          new RegExp(`${dir}: the checkpoint folder is not writable \\(Read-only file system`),
        );
      }, { readOnly: true });
      await withSmallFs(256, async (dir) => {
        await checkWritableFolder(`${dir}/sub`, 1000, "checkpoint folder"); // created, fits
        await assert.rejects(
          checkWritableFolder(dir, 10_000_000, "checkpoint folder"),
          new RegExp(
            `${dir}: the checkpoint folder has .* free, and one checkpoint needs 10\\.0 MB`,
          ),
        );
        assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["sub"], "no probe left");
      });
    },
  ),
);
