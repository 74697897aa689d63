import assert from "node:assert/strict";
import { openCheckpoint } from "../../lib/io/checkpoint/checkpoint.ts";
import { writeCheckpoint } from "../../lib/io/checkpoint/writer.ts";
import { requireFile } from "../../lib/lab/require_file.ts";
import { tarGz } from "../helpers/cifar_files.ts";
import { tempDir } from "../helpers/temp.ts";

Deno.test("requireFile downloads a checkpoint tarball and extracts the checkpoint; offline it says what to fetch", async () => {
  const src = await tempDir();
  await Deno.mkdir(`${src}/vgg_16_2016_08_28`);
  await writeCheckpoint(`${src}/vgg_16_2016_08_28/vgg_16.ckpt`, [
    { name: "vgg_16/fc8/biases", dtype: "float32", shape: [2], data: Float32Array.from([1, 2]) },
  ], { format: "v1" });
  const archive = await Deno.readFile(await tarGz(src, "vgg_16_2016_08_28", "vgg_16_2016_08_28"));
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    () => new Response(archive),
  );
  const url = `http://127.0.0.1:${
    (server.addr as Deno.NetAddr).port
  }/models/vgg_16_2016_08_28.tar.gz`;
  const dest = await tempDir();
  const path = await requireFile(`${dest}/vgg_16.ckpt`, { url });
  assert.equal(path, `${dest}/vgg_16.ckpt`);
  const ckpt = await openCheckpoint(path);
  assert.deepEqual(Array.from((await ckpt.read("vgg_16/fc8/biases")).data as Float32Array), [1, 2]);
  ckpt.close();
  await server.shutdown();
  const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const closed = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const dead = `http://127.0.0.1:${closed}/models/resnet_v1_50_2016_08_28.tar.gz`;
  await assert.rejects(
    () => requireFile(`${dest}/resnet_v1_50.ckpt`, { url: dead }),
    (err: Error) => {
      assert.match(err.message, /resnet_v1_50\.ckpt is missing and could not be downloaded/);
      assert.ok(err.message.includes(`Download ${dead}`));
      assert.match(
        err.message,
        /put it at .*resnet_v1_50_2016_08_28\.tar\.gz \(then extract it there/,
      );
      return true;
    },
  );
  await Deno.remove(src, { recursive: true });
  await Deno.remove(dest, { recursive: true });
});
