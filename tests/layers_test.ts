/** The codebase's shape as tests: layers import only downwards, the root API is curated. */
import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname;

/** Folders of lib/, bottom first: each may import only from folders before it. */
const LAYERS = [
  "util",
  "io",
  "backend",
  "data",
  "models",
  "weights",
  "train",
  "report",
  "lab",
  "jobs",
];

async function* tsFiles(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* tsFiles(p);
    else if (e.name.endsWith(".ts")) yield p;
  }
}

function imports(source: string): string[] {
  // JSDoc examples import too: skip comment lines.
  const src = source.split("\n").filter((l) => !/^\s*(\*|\/\/)/.test(l)).join("\n");
  return [...src.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((m) => m[1]);
}

function layerOf(path: string): string {
  return path.slice(`${ROOT}lib/`.length).split("/")[0];
}

Deno.test("lib/ folders import only from layers below them; io has no tfjs and no models", async () => {
  const bad: string[] = [];
  for await (const file of tsFiles(`${ROOT}lib`)) {
    const from = layerOf(file);
    assert.ok(LAYERS.includes(from), `lib/${from} is not in the layer list: add it`);
    for (const spec of imports(await Deno.readTextFile(file))) {
      if (from === "io" && /tfjs/.test(spec)) bad.push(`${file}: ${spec}`);
      if (!spec.startsWith(".")) continue;
      const to = layerOf(new URL(spec, `file://${file}`).pathname);
      if (LAYERS.indexOf(to) > LAYERS.indexOf(from)) bad.push(`${file} (${from}) → ${to}`);
    }
  }
  assert.deepEqual(bad, []);
});

Deno.test("no import cycles between lib/ files", async () => {
  const graph = new Map<string, string[]>();
  for await (const file of tsFiles(`${ROOT}lib`)) {
    const deps = imports(await Deno.readTextFile(file)).filter((s) => s.startsWith("."))
      .map((s) => new URL(s, `file://${file}`).pathname);
    graph.set(file, deps);
  }
  const state = new Map<string, 1 | 2>();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === 2) return;
    if (state.get(f) === 1) {
      cycles.push([...path.slice(path.indexOf(f)), f].map((p) => p.slice(ROOT.length)).join(" → "));
      return;
    }
    state.set(f, 1);
    for (const d of graph.get(f) ?? []) visit(d, [...path, f]);
    state.set(f, 2);
  };
  for (const f of graph.keys()) visit(f, []);
  assert.deepEqual(cycles, []);
});

Deno.test("the root API is the lab level: named exports, no internals", async () => {
  const root = await import("../mod.ts");
  const names = Object.keys(root);
  for (
    const internal of [
      "TABLE_MAGIC",
      "parseBlock",
      "lengthsCrc",
      "wasmTrainingKernel",
      "useUnfusedConvForTests",
      "crc32c",
    ]
  ) {
    assert.ok(!names.includes(internal), `${internal} is exported from mod.ts`);
  }
  for (
    const call of [
      "useBackend",
      "buildModel",
      "restore",
      "fit",
      "fineTune",
      "lrFind",
      "evaluate",
      "loadCifar",
      "openWeights",
      "saveModel",
      "trainingCurves",
    ]
  ) {
    assert.equal(typeof (root as Record<string, unknown>)[call], "function", call);
  }
  assert.ok(names.length < 70, `${names.length} root exports`);
  const src = await Deno.readTextFile(`${ROOT}mod.ts`);
  assert.ok(!/export \*/.test(src), "mod.ts names what it exports");
});

Deno.test("deno.json exports one entry point per layer, each loadable", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const entries = config.exports as Record<string, string>;
  assert.equal(entries["."], "./mod.ts");
  for (
    const layer of ["train", "data", "models", "weights", "io", "backend", "report", "lab", "jobs"]
  ) {
    assert.equal(entries[`./${layer}`], `./lib/${layer}/mod.ts`);
    const m = await import(`../lib/${layer}/mod.ts`);
    assert.ok(Object.keys(m).length > 0, layer);
  }
});
