import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { download } from "../../lib/data/download.ts";
import { tempDir } from "../helpers/temp.ts";

interface Server {
  url: string;
  requests: { range: string | null }[];
  close(): Promise<void>;
}

/** A loopback server for one payload; `cutFirstAt` truncates the first response. */
function serve(payload: Uint8Array, opts: { cutFirstAt?: number; corrupt?: boolean } = {}): Server {
  const requests: { range: string | null }[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const range = req.headers.get("range");
    requests.push({ range });
    let body = payload;
    if (opts.corrupt) {
      body = payload.slice();
      body[10] ^= 0xff;
    }
    let status = 200;
    const headers: Record<string, string> = { "accept-ranges": "bytes" };
    if (range) {
      const start = Number(/bytes=(\d+)-/.exec(range)![1]);
      body = body.subarray(start);
      status = 206;
      headers["content-range"] = `bytes ${start}-${payload.length - 1}/${payload.length}`;
    }
    if (requests.length === 1 && opts.cutFirstAt !== undefined) {
      // Send part of the body, then break the connection.
      const part = body.subarray(0, opts.cutFirstAt);
      const stream = new ReadableStream({
        start(c) {
          c.enqueue(part);
          setTimeout(() => c.error(new Error("connection reset")), 20);
        },
      });
      headers["content-length"] = String(body.length);
      return new Response(stream, { status, headers });
    }
    headers["content-length"] = String(body.length);
    return new Response(body as Uint8Array<ArrayBuffer>, { status, headers });
  });
  const addr = server.addr as Deno.NetAddr;
  return {
    url: `http://127.0.0.1:${addr.port}/data/archive.tar.gz`,
    requests,
    close: () => server.shutdown(),
  };
}

const payload = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31) % 256);
const md5 = createHash("md5").update(payload).digest("hex");
const sha256 = createHash("sha256").update(payload).digest("hex");

Deno.test("download verifies the checksum, caches, and does not fetch a cached file again", async () => {
  const dir = await tempDir();
  const s = serve(payload);
  const path = await download({ url: s.url, md5, sha256 }, { dir, progress: false });
  assert.equal(path, `${dir}/archive.tar.gz`);
  assert.deepEqual(await Deno.readFile(path), payload);
  assert.equal(s.requests.length, 1);
  await download({ url: s.url, md5 }, { dir, progress: false });
  assert.equal(s.requests.length, 1, "cache hit makes no request");
  await s.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an interrupted download resumes with a Range request", async () => {
  const dir = await tempDir();
  const s = serve(payload, { cutFirstAt: 100_000 });
  const path = await download({ url: s.url, sha256 }, { dir, progress: false });
  assert.deepEqual(await Deno.readFile(path), payload);
  assert.equal(s.requests.length, 2);
  assert.match(s.requests[1].range ?? "", /^bytes=\d+-$/);
  assert.ok(Number(/\d+/.exec(s.requests[1].range!)![0]) > 0);
  await s.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a corrupted download is retried cleanly, then fails with nothing left behind", async () => {
  const dir = await tempDir();
  const s = serve(payload, { corrupt: true });
  await assert.rejects(
    () => download({ url: s.url, md5 }, { dir, progress: false, retries: 1 }),
    new RegExp(
      `checksum mismatch for ${
        s.url.replace(/[.]/g, "\\.")
      }: got md5 [0-9a-f]{32}, expected ${md5}`,
    ),
  );
  assert.equal(s.requests.length, 2, "one clean retry");
  assert.equal(s.requests[1].range, null, "retry starts from scratch");
  assert.deepEqual([...Deno.readDirSync(dir)], [], "no partial or corrupt file left");
  await s.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("offline: a clear error says where to put the file", async () => {
  const dir = await tempDir();
  const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // nothing listens there now
  await assert.rejects(
    () =>
      download({ url: `http://127.0.0.1:${port}/cifar-10-binary.tar.gz` }, {
        dir,
        progress: false,
        retries: 0,
      }),
    new RegExp(
      `cannot download http://127\\.0\\.0\\.1:${port}/cifar-10-binary\\.tar\\.gz: .*put it at ${dir}/cifar-10-binary\\.tar\\.gz`,
    ),
  );
  await assert.rejects(
    () => download("imagenet-full", { dir }),
    /unknown download 'imagenet-full'/,
  );
  await Deno.remove(dir, { recursive: true });
});
