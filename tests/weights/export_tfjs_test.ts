/**
 * TF.js export: the exported layers model, loaded by tfjs' own loader, gives
 * our logits — in Deno, and in a real browser (headless Chromium, a page
 * served from a loopback server loading tfjs from node_modules).
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { INFERENCE, type Model } from "../../lib/models/model.ts";
import { buildModel } from "../../lib/models/zoo.ts";
import { exportModel } from "../../lib/weights/export_tfjs.ts";
import { seededRandom } from "../../lib/util/random.ts";
import { requireTool } from "../helpers/tools.ts";
import { randomiseStatistics } from "../helpers/batch_norm.ts";
import { tempDir } from "../helpers/temp.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const haveChromium = requireTool("chromium", ["--version"], "chromium");

/** The zoo's two families at small inputs, BatchNorm statistics randomised. */
function models(): [Model, number][] {
  const resnet = buildModel("resnet_v1_50", { numClasses: 10, inputSize: 64, seed: 2 });
  randomiseStatistics(resnet, 9);
  return [[buildModel("vgg_16", { numClasses: 10, inputSize: 32, seed: 1 }), 32], [resnet, 64]];
}

function input(size: number): Float32Array {
  const random = seededRandom(4);
  return Float32Array.from({ length: 2 * size * size * 3 }, () => (random() - 0.5) * 200);
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return worst / scale;
}

/** Loads an export with tfjs' own loader from the files. */
async function loadFromFiles(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await Deno.readTextFile(`${dir}/model.json`));
  const manifest = json.weightsManifest[0];
  const parts = await Promise.all(
    manifest.paths.map((p: string) => Deno.readFile(`${dir}/${p}`)),
  ) as Uint8Array[];
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (data.set(p, at), at + p.length), 0);
  return await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: manifest.weights,
    weightData: data.buffer,
  }));
}

Deno.test("exported VGG and ResNet-V1 load with tfjs' loader and give our logits (1e-5)", async () => {
  await useBackend("wasm", { log: () => {} });
  for (const [model, size] of models()) {
    const dir = await tempDir();
    const r = await exportModel(model, dir);
    assert.ok(r.shards.every((s) => /^group1-shard\d+of\d+\.bin$/.test(s)));
    assert.ok(r.shards.length > 1, "4 MB shards");
    const json = JSON.parse(await Deno.readTextFile(r.modelJson));
    assert.equal(json.format, "layers-model");
    assert.deepEqual(json.userDefinedMetadata.preprocessing, model.preprocessing);
    assert.equal(json.userDefinedMetadata.inputSize, size);
    const loaded = await loadFromFiles(dir);
    const x = tf.tensor4d(input(size), [2, size, size, 3]);
    const ours = model.logits(x, INFERENCE).dataSync();
    const theirs = (loaded.predict(x) as tf.Tensor).dataSync();
    assert.ok(maxRelDiff(theirs, ours) < 1e-5, `${model.scope}: ${maxRelDiff(theirs, ours)}`);
    tf.dispose([x]);
    loaded.dispose();
    model.store.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "an exported model predicts our logits in a real browser (headless Chromium, tfjs from node_modules)",
  ignore: !haveChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await useBackend("wasm", { log: () => {} });
    for (const [model, size] of models()) {
      const dir = await tempDir();
      await exportModel(model, `${dir}/model`);
      const x = input(size);
      const ours = tf.tidy(() =>
        model.logits(tf.tensor4d(x, [2, size, size, 3]), INFERENCE).dataSync()
      );
      const page = `<!doctype html><script src="/tf.min.js"></script><script>
(async () => {
  let body;
  try {
    await tf.setBackend("cpu");
    const model = await tf.loadLayersModel("/model/model.json");
    const x = new Float32Array(await (await fetch("/input.bin")).arrayBuffer());
    const y = await model.predict(tf.tensor4d(x, [2, ${size}, ${size}, 3])).data();
    body = JSON.stringify({ logits: Array.from(y), backend: tf.getBackend() });
  } catch (e) { body = JSON.stringify({ error: String(e && e.stack || e) }); }
  await fetch("/result", { method: "POST", body });
})();
</script>`;
      let resolve!: (v: { logits?: number[]; error?: string; backend?: string }) => void;
      const result = new Promise<{ logits?: number[]; error?: string; backend?: string }>((r) =>
        resolve = r
      );
      const tfjs = `${ROOT}node_modules/@tensorflow/tfjs/dist/tf.min.js`;
      const server = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen: () => {} },
        async (req) => {
          const path = new URL(req.url).pathname;
          if (path === "/result") {
            resolve(await req.json());
            return new Response("ok");
          }
          if (path === "/index.html") {
            return new Response(page, { headers: { "content-type": "text/html" } });
          }
          if (path === "/tf.min.js") {
            return new Response(await Deno.readFile(tfjs), {
              headers: { "content-type": "text/javascript" },
            });
          }
          if (path === "/input.bin") return new Response(x.slice().buffer);
          if (path.startsWith("/model/")) {
            const file = await Deno.readFile(`${dir}${path}`).catch(() => undefined);
            if (file) return new Response(file);
          }
          return new Response("not found", { status: 404 });
        },
      );
      const profile = await tempDir();
      const browser = new Deno.Command("chromium", {
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--no-first-run",
          "--disable-background-networking",
          `--user-data-dir=${profile}`,
          `http://127.0.0.1:${server.addr.port}/index.html`,
        ],
        stdout: "null",
        stderr: "null",
      }).spawn();
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("the page reported nothing in 120 s")), 120_000)
      );
      try {
        const got = await Promise.race([result, timeout]);
        assert.ok(got.error === undefined, got.error ?? "");
        assert.equal(got.backend, "cpu");
        const diff = maxRelDiff(got.logits!, ours);
        assert.ok(diff < 1e-5, `${model.scope} in Chromium: max relative difference ${diff}`);
      } finally {
        browser.kill();
        await browser.status;
        await server.shutdown();
        await Deno.remove(profile, { recursive: true }).catch(() => {});
        await Deno.remove(dir, { recursive: true });
        model.store.dispose();
      }
    }
  },
});
