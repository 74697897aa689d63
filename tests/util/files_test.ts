/** lib/util's small file helpers: atomic writes, gzip, exists, the cache folder, HTML escaping. */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { tempSibling, writeFileAtomic } from "../../lib/util/atomic.ts";
import { cacheDir } from "../../lib/util/cache.ts";
import { exists } from "../../lib/util/fs.ts";
import { gunzip, isGzip, readMaybeGzip } from "../../lib/util/gzip.ts";
import { escapeHtml } from "../../lib/util/html.ts";

Deno.test("writeFileAtomic replaces whole files and leaves nothing half-written on failure", async () => {
  const dir = await Deno.makeTempDir();
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
  const dir = await Deno.makeTempDir();
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
