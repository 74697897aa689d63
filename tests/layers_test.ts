/** The codebase's shape as tests: layers import only downwards, the root API is curated. */
import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname;

/**
 * The declared dependency map: what each folder of lib/ may import. Siblings
 * (io ∥ backend, lab beside jobs' other inputs) do not import each other.
 */
const MAY_IMPORT: Record<string, string[]> = {
  util: [],
  jupyter: [],
  io: ["util"],
  backend: ["util"],
  ops: ["util", "backend"],
  data: ["util", "io", "backend"],
  models: ["util", "backend", "ops", "data"],
  weights: ["util", "io", "backend", "models"],
  train: ["util", "io", "backend", "ops", "data", "models", "weights"],
  report: ["util", "data", "models", "train"],
  bench: ["util", "backend", "ops", "models", "train"],
  lab: ["util", "io", "backend", "data", "models", "weights", "train", "report"],
  jobs: ["util", "io", "backend", "data", "models", "weights", "train", "report", "lab"],
};

/** What lib/backend/mod.ts exports for lib/ops alone: the kernels and buffers fused ops use. */
const OPS_ONLY = [
  "adamUpdate",
  "dnn",
  "hostedBackend",
  "oneDnnActive",
  "readableData",
  "scratchTensor",
  "writableData",
  "BATCH_NORM_KERNEL",
  "BATCH_NORM_GRAD_KERNEL",
  "RELU_GRAD_KERNEL",
  "RELU6_GRAD_KERNEL",
  "SUM_OF_SQUARES_KERNEL",
];

async function* tsFiles(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* tsFiles(p);
    else if (e.name.endsWith(".ts")) yield p;
  }
}

/** Comment-free source: JSDoc examples import too. */
function code(source: string): string {
  return source.split("\n").filter((l) => !/^\s*(\*|\/\/)/.test(l)).join("\n");
}

function imports(source: string): string[] {
  return [...code(source).matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((m) => m[1]);
}

function layerOf(path: string): string {
  return path.slice(`${ROOT}lib/`.length).split("/")[0];
}

/** Every cross-folder import of lib/: [file, its folder, target path, target folder, names]. */
async function crossImports(): Promise<[string, string, string, string, string][]> {
  const out: [string, string, string, string, string][] = [];
  for await (const file of tsFiles(`${ROOT}lib`)) {
    const from = layerOf(file);
    const src = code(await Deno.readTextFile(file));
    for (const m of src.matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)) {
      const target = new URL(m[1], `file://${file}`).pathname;
      const to = layerOf(target);
      if (to === from) continue;
      const clause = src.slice(Math.max(0, src.lastIndexOf("import", m.index!)), m.index!);
      out.push([file.slice(ROOT.length), from, target.slice(ROOT.length), to, clause]);
    }
  }
  return out;
}

Deno.test("lib/ folders import only what the declared map allows, and only through mod.ts", async () => {
  const folders = [...Deno.readDirSync(`${ROOT}lib`)].filter((e) => e.isDirectory).map((e) =>
    e.name
  );
  assert.deepEqual(folders.sort(), Object.keys(MAY_IMPORT).sort(), "every folder is declared");
  const bad: string[] = [];
  for (const [file, from, target, to] of await crossImports()) {
    if (!MAY_IMPORT[from].includes(to)) bad.push(`${file} (${from}) → ${to}: not declared`);
    if (target !== `lib/${to}/mod.ts`) {
      bad.push(`${file} → ${target}: not through lib/${to}/mod.ts`);
    }
  }
  assert.deepEqual(bad, []);
});

Deno.test("the declared map has no cycles; io has no tfjs; only lib/ops uses the backend's kernels", async () => {
  const seen = new Map<string, 1 | 2>();
  const walk = (l: string, path: string[]) => {
    assert.notEqual(seen.get(l), 1, `cycle: ${[...path, l].join(" → ")}`);
    if (seen.get(l) === 2) return;
    seen.set(l, 1);
    for (const d of MAY_IMPORT[l]) walk(d, [...path, l]);
    seen.set(l, 2);
  };
  for (const l of Object.keys(MAY_IMPORT)) walk(l, []);
  const bad: string[] = [];
  for await (const file of tsFiles(`${ROOT}lib/io`)) {
    for (const spec of imports(await Deno.readTextFile(file))) {
      if (/tfjs/.test(spec)) bad.push(`${file}: ${spec}`);
    }
  }
  for (const [file, from, target, , clause] of await crossImports()) {
    if (target !== "lib/backend/mod.ts" || from === "ops") continue;
    for (const name of OPS_ONLY) {
      if (new RegExp(`\\b${name}\\b`).test(clause)) bad.push(`${file} uses ${name} (lib/ops only)`);
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
    const layer of [
      "train",
      "data",
      "models",
      "weights",
      "io",
      "backend",
      "report",
      "lab",
      "jobs",
      "ops",
      "util",
      "jupyter",
      "bench",
    ]
  ) {
    assert.equal(entries[`./${layer}`], `./lib/${layer}/mod.ts`);
    const m = await import(`../lib/${layer}/mod.ts`);
    assert.ok(Object.keys(m).length > 0, layer);
  }
});
