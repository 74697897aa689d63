/**
 * lib/data/npm_package: a package tarball from a loopback registry, checked
 * against its integrity, unpacked once, refused when damaged.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { type NpmPackage, npmPackageDir } from "../../lib/data/mod.ts";
import { tarGz } from "../helpers/cifar_files.ts";
import { tempDir } from "../helpers/temp.ts";

async function packageTarball(dir: string): Promise<Uint8Array> {
  await Deno.mkdir(`${dir}/package/src/clothes`, { recursive: true });
  await Deno.writeTextFile(`${dir}/package/package.json`, '{"name":"tiny","version":"1.0.0"}');
  await Deno.writeTextFile(`${dir}/package/src/clothes/0.json`, '{"data":[[1,2,3]]}');
  return await Deno.readFile(await tarGz(dir, "package", "tiny-1.0.0"));
}

Deno.test("npm package: fetched once from the registry, integrity checked, unpacked atomically", async () => {
  const tmp = await tempDir();
  const requests: string[] = [];
  let body: Uint8Array = new Uint8Array();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    requests.push(new URL(req.url).pathname);
    return new Response(body as BufferSource);
  });
  try {
    body = await packageTarball(`${tmp}/src`);
    const integrity = `sha512-${createHash("sha512").update(body).digest("base64")}`;
    const pkg: NpmPackage = { name: "tiny", version: "1.0.0", integrity };
    const registry = `http://127.0.0.1:${server.addr.port}/`;
    const opts = { dir: `${tmp}/data`, registry, progress: false };
    await assert.rejects(
      npmPackageDir(pkg, { ...opts, download: false }),
      /the npm package tiny@1\.0\.0 is not in .*data\/npm\/tiny@1\.0\.0/,
    );
    const dir = await npmPackageDir(pkg, opts);
    assert.equal(dir, `${tmp}/data/npm/tiny@1.0.0/`);
    assert.deepEqual(requests, ["/tiny/-/tiny-1.0.0.tgz"]);
    assert.equal(await Deno.readTextFile(`${dir}src/clothes/0.json`), '{"data":[[1,2,3]]}');
    assert.deepEqual([...Deno.readDirSync(`${tmp}/data/npm`)].map((e) => e.name), ["tiny@1.0.0"]);
    assert.equal(await npmPackageDir(pkg, opts), dir, "the second call uses the unpacked copy");
    assert.equal(requests.length, 1);

    // A tarball that does not match the published integrity is refused, and nothing stays.
    const wrong = `sha512-${createHash("sha512").update("another tarball").digest("base64")}`;
    const other: NpmPackage = { ...pkg, version: "2.0.0", integrity: wrong };
    await assert.rejects(
      npmPackageDir(other, { ...opts, dir: `${tmp}/data2` }),
      /checksum mismatch for .*tiny-2\.0\.0\.tgz: got sha512/,
    );
    assert.deepEqual([...Deno.readDirSync(`${tmp}/data2/npm`)], []);
  } finally {
    await server.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
});
