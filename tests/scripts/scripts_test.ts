import assert from "node:assert/strict";
import { STRATEGIES } from "../../lib/lab/transfer_table.ts";
import { loadOneDnn } from "../../lib/backend/onednn/library.ts";
import { writeCheckpoint } from "../../lib/io/checkpoint/writer.ts";
import { randomTrials } from "../../lib/jobs/random_search.ts";
import { useBackend } from "../../lib/backend/mod.ts";
import { buildModel } from "../../lib/models/zoo.ts";
import { saveModel } from "../../lib/weights/save_model.ts";
import { tempDir } from "../helpers/temp.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

async function run(script: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/${script}`, ...args],
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("inspect lists a checkpoint, prints a tensor, and emits JSON", async () => {
  const dir = await tempDir();
  await writeCheckpoint(`${dir}/model.ckpt-7`, [
    {
      name: "vgg_16/fc8/weights",
      dtype: "float32",
      shape: [1, 1, 4, 2],
      data: Float32Array.from({ length: 8 }, (_, i) => i),
    },
    {
      name: "vgg_16/fc8/biases",
      dtype: "float32",
      shape: [2],
      data: Float32Array.from([0.5, -0.5]),
    },
  ]);
  const text = await run("inspect.ts", dir, "--tensor", "vgg_16/fc8/biases");
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /vgg_16\/fc8\/weights\s+float32\s+\[1, 1, 4, 2\]/);
  assert.match(text.stdout, /2 tensors, 10 parameters/);
  assert.match(text.stdout, /tensor_name: vgg_16\/fc8\/biases\n\[0\.5, -0\.5\]/);
  const json = await run("inspect.ts", `${dir}/model.ckpt-7.index`, "--json");
  const parsed = JSON.parse(json.stdout);
  assert.equal(parsed.format, "v2");
  assert.equal(parsed.parameters, 10);
  assert.equal(parsed.bytes, 40);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("scripts: unknown flags exit 2 naming the flag; missing files exit 1 naming the file", async () => {
  const bad = await run("inspect.ts", "--frobnicate", "x");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Unknown option '--frobnicate'/);
  const missing = await run("inspect.ts", "/nonexistent/model.ckpt");
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /\/nonexistent\/model\.ckpt: no checkpoint there/);
  const demoBad = await run("demo.ts", "--small", "many");
  assert.equal(demoBad.code, 2);
  assert.match(demoBad.stderr, /--small: expected an integer, got 'many'/);
  const help = await run("demo.ts", "--help");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--pretrain-per-class/);
});

Deno.test("train + eval: a short real run writes checkpoints, history, report; eval reads the folder", async () => {
  const out = await tempDir();
  const r = await run(
    "train.ts",
    "--model",
    "small_vgg",
    "--per-class",
    "6",
    "--test-per-class",
    "5",
    "--epochs",
    "2",
    "--batch",
    "20",
    "--backend",
    "wasm",
    "--schedule",
    "exponential",
    "--decay-epochs",
    "1",
    "--decay-rate",
    "0.5",
    "--staircase",
    "--out",
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /test accuracy \d+\.\d+%/);
  const results = JSON.parse(await Deno.readTextFile(`${out}/results.json`));
  assert.equal(results.steps, 6);
  const history = JSON.parse(await Deno.readTextFile(`${out}/history.json`));
  assert.deepEqual(history.steps.map((s: { learningRate: number }) => s.learningRate), [
    0.001,
    0.001,
    0.001,
    0.0005,
    0.0005,
    0.0005,
  ]);
  const html = await Deno.readTextFile(`${out}/report.html`);
  assert.ok(html.includes("window.Plotly") && html.includes("Confusion matrix"));
  assert.ok(!/<script[^>]*\ssrc=/i.test(html), "plotly.js inlined, no external script");
  const ev = await run(
    "eval.ts",
    "--checkpoint",
    `${out}/checkpoints`,
    "--json",
    "--backend",
    "wasm",
  );
  assert.equal(ev.code, 0, ev.stderr);
  const parsed = JSON.parse(ev.stdout);
  assert.equal(parsed.count, 10000);
  assert.equal(parsed.confusion.length, 10);
  await Deno.remove(out, { recursive: true });
});

Deno.test("train rejects bad flags and incompatible options with exit code 2", async () => {
  const cases: [string[], RegExp][] = [
    [["--epochz", "1"], /Unknown option '--epochz'/],
    [["--exclude", "small_vgg/fc8"], /--exclude only applies with --checkpoint/],
    [["--trainable", "vgg_16/fc8"], /scope 'vgg_16\/fc8' matches no variable of small_vgg/],
    [
      ["--optimizer", "lion"],
      /--optimizer: expected one of sgd, momentum, adam, rmsprop, got 'lion'/,
    ],
    [["--schedule", "piecewise"], /--schedule piecewise needs --boundaries/],
    [["--model", "alexnet"], /--model: expected one of/],
    [["--lr", "fast"], /--lr: expected a number, got 'fast'/],
  ];
  for (const [args, re] of cases) {
    const r = await run(
      "train.ts",
      "--backend",
      "wasm",
      "--max-steps",
      "1",
      "--out",
      "/tmp/never",
      ...args,
    );
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  const missing = await run(
    "train.ts",
    "--dataset",
    "cifar10:/nonexistent/cifar.tar.gz",
    "--backend",
    "wasm",
  );
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /\/nonexistent\/cifar\.tar\.gz: not found/);
});

Deno.test("a 3-trial sweep runs end to end; a rerun skips finished trials", async () => {
  const out = await tempDir();
  const args = [
    "--grid",
    "lr=0.001,0.003,0.01",
    "--jobs",
    "2",
    "--out",
    out,
    "--",
    "--model",
    "small_vgg",
    "--per-class",
    "3",
    "--test-per-class",
    "3",
    "--max-steps",
    "2",
    "--batch",
    "10",
    "--backend",
    "wasm",
  ];
  const first = await run("sweep.ts", ...args);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /3 trials: 3 ran, 0 skipped/);
  const csv = (await Deno.readTextFile(`${out}/results.csv`)).trim().split("\n");
  assert.equal(csv.length, 4);
  assert.match(csv[0], /^lr,.*testAccuracy/);
  assert.ok((await Deno.readTextFile(`${out}/report.html`)).includes("Sweep: testAccuracy"));
  if (typeof loadOneDnn() !== "string") {
    // Two trials at once on this machine's cores: each gets its share of threads.
    const share = Math.max(1, Math.floor(navigator.hardwareConcurrency / 2));
    for await (const entry of Deno.readDir(out)) {
      if (!entry.isDirectory) continue;
      const log = await Deno.readTextFile(`${out}/${entry.name}/log.txt`);
      assert.match(log, new RegExp(`oneDNN .* convolutions \\(${share} threads?\\)`));
    }
  }
  const second = await run("sweep.ts", ...args);
  assert.match(second.stdout, /3 trials: 0 ran, 3 skipped/);
  const bad = await run("sweep.ts", "--grid", "learning=1,2");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /'learning' is not a train flag/);
  await Deno.remove(out, { recursive: true });
});

Deno.test("a random search on the local engine: the seed's trials, each lr within its range", async () => {
  const out = await tempDir();
  const r = await run(
    "sweep.ts",
    ...["--search", "random", "--trials", "2", "--seed", "5", "--range", "lr=loguniform:1e-3:1e-1"],
    ...["--out", out, "--", "--per-class", "3", "--test-per-class", "2", "--max-steps", "1"],
    ...["--batch", "10", "--backend", "wasm"],
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /2 trials: 2 ran, 0 skipped/);
  const rows = JSON.parse(await Deno.readTextFile(`${out}/results.json`));
  const want = randomTrials(["lr=loguniform:1e-3:1e-1"], { count: 2, seed: 5 }).map((t) => t.lr);
  assert.deepEqual(rows.map((row: { lr: string }) => row.lr), want);
  for (const lr of want) assert.ok(Number(lr) >= 1e-3 && Number(lr) <= 1e-1, lr);
  for (
    const [args, re] of [
      [
        ["--search", "random", "--trials", "2", "--range", "lr=normal:0:1"],
        /--range 'lr=normal:0:1': unknown kind 'normal'; expected flag=loguniform:LOW:HIGH/,
      ],
      [
        ["--search", "random", "--trials", "x", "--range", "lr=uniform:0:1"],
        /--trials: expected an integer, got 'x'/,
      ],
      [["--grid", "lr=1", "--partition", "gpu"], /--partition needs --engine slurm/],
      [["--grid", "lr=1", "--engine", "pbs"], /--engine: expected one of local, slurm, got 'pbs'/],
    ] as [string[], RegExp][]
  ) {
    const bad = await run("sweep.ts", ...args, "--out", out);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, re);
  }
  await Deno.remove(out, { recursive: true });
});

Deno.test("the demo measures the lecture's 2×2 end to end (small sizes), writes its report, and a rerun gives the same table", async () => {
  const out = await tempDir();
  const demo = (dir: string) =>
    run(
      "demo.ts",
      "--pretrain-per-class",
      "30",
      "--pretrain-epochs",
      "1",
      "--small",
      "4",
      "--large",
      "12",
      "--target-images",
      "32",
      "--test-per-class",
      "6",
      "--seeds",
      "2",
      "--out",
      dir,
    );
  const r = await demo(`${out}/a`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /saved the pretrained network as a TF-Slim-named V2 checkpoint/);
  assert.match(r.stdout, /very similar dataset\s+very different dataset/);
  assert.match(r.stdout, /very little data\s+\S.* \d+\.\d ± \d+\.\d%.* \d+\.\d ± \d+\.\d%/);
  assert.match(r.stdout, /quite a lot\s+\S.* \d+\.\d ± \d+\.\d%.* \d+\.\d ± \d+\.\d%/);
  assert.match(r.stdout, /^machine: .*\d+ cores.*(AVX2|AVX-512|lanes)/m);
  for (const s of STRATEGIES.map((x) => x.name)) {
    const rows = r.stdout.split("\n").filter((l) => new RegExp(`^  ${s}\\s+\\d+\\.\\d ± `).test(l));
    assert.equal(rows.length, 4, `${s}: one row per cell`);
  }
  assert.ok(STRATEGIES.some((s) => s.name === "linear classifier on conv2"));
  assert.match(r.stdout, /The measurement agrees with the lecture|Disagrees with the lecture in/);
  const results = JSON.parse(await Deno.readTextFile(`${out}/a/results.json`));
  assert.equal(results.cells.length, 4);
  for (const cell of results.cells) {
    assert.equal(cell.results.length, STRATEGIES.length);
    const best = Math.max(...cell.results.map((x: { mean: number }) => x.mean));
    const winner = cell.results.find((x: { strategy: string }) => x.strategy === cell.winner);
    assert.equal(winner.mean, best);
    for (const x of cell.results) {
      assert.equal(x.accuracies.length, 2);
      assert.ok(x.accuracies.every((a: number) => a >= 0 && a <= 1));
    }
  }
  const html = await Deno.readTextFile(`${out}/a/report.html`);
  assert.ok(html.includes("Which strategy wins") && html.includes("window.Plotly"));
  // Same machine, same seeds: the same accuracies, winners and table.
  const again = await demo(`${out}/b`);
  assert.equal(again.code, 0, again.stderr);
  const second = JSON.parse(await Deno.readTextFile(`${out}/b/results.json`));
  const table = (t: typeof results) =>
    t.cells.map((c: { winner: string; results: { accuracies: number[] }[] }) => ({
      winner: c.winner,
      accuracies: c.results.map((x) => x.accuracies),
    }));
  assert.deepEqual(table(second), table(results));
  assert.equal(second.sourceAccuracy, results.sourceAccuracy);
  await Deno.remove(out, { recursive: true });
});

Deno.test("export writes a TF.js layers model from a checkpoint; a missing checkpoint is named", async () => {
  const dir = await tempDir();
  await useBackend("wasm", { log: () => {} });
  const model = buildModel("small_vgg", { numClasses: 10, inputSize: 32 });
  await saveModel(model, `${dir}/ckpt/model.ckpt-1`);
  model.store.dispose();
  const r = await run("export.ts", "--checkpoint", `${dir}/ckpt`, "--out", `${dir}/web`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /exported small_vgg \(\d+\.\d MB of weights in 1 shards\) to .*web\/model\.json/,
  );
  const json = JSON.parse(await Deno.readTextFile(`${dir}/web/model.json`));
  assert.equal(json.format, "layers-model");
  assert.deepEqual(json.weightsManifest[0].paths, ["group1-shard1of1.bin"]);
  const missing = await run("export.ts", "--checkpoint", `${dir}/none`);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /none: no checkpoint there/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("download: --list names every lab file and its place; offline it exits 1 with what to fetch", async () => {
  const dir = await tempDir();
  try {
    const list = await run("download.ts", "--list", "--to", dir);
    assert.equal(list.code, 0, list.stderr);
    assert.match(
      list.stdout,
      new RegExp(
        `^vgg_16 +checkpoint +missing +http://download\\.tensorflow\\.org/models/vgg_16_2016_08_28\\.tar\\.gz → ${dir}/checkpoints/vgg_16\\.ckpt$`,
        "m",
      ),
    );
    assert.match(list.stdout, /^cifar10 +dataset +missing /m);
    const bad = await run("download.ts", "nope");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown name 'nope': expected all or cifar10, /);
    const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
    const dead = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
    listener.close();
    const offline = await run("download.ts", "vgg_16", "--to", dir, "--mirror", dead);
    assert.equal(offline.code, 1);
    assert.match(offline.stderr, /1 of 1 not fetched\. Without internet on this machine:/);
    assert.ok(
      offline.stderr.includes(`put it at ${dir}/checkpoints/vgg_16_2016_08_28.tar.gz`),
      offline.stderr,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
