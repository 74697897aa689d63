/** What the README claims, kept equal to its sources: CI's packages, the benchmark, tasks, links. */
import assert from "node:assert/strict";
import { benchFigures, featureCacheFigures } from "../lib/lab/bench_figures.ts";

const ROOT = new URL("..", import.meta.url);
const README = await Deno.readTextFile(new URL("README.md", ROOT));

function between(text: string, marker: string): string {
  const i = text.indexOf(`<!-- ${marker} -->`);
  const j = text.indexOf(`<!-- /${marker} -->`);
  assert.ok(i >= 0 && j > i, `README has <!-- ${marker} --> … <!-- /${marker} -->`);
  return text.slice(i, j);
}

Deno.test("the README's package list is the one .ci/run installs", async () => {
  const ci = await Deno.readTextFile(new URL(".ci/run", ROOT));
  const block = ci.match(/apt_packages=\(\n([\s\S]*?)\n\)\n/);
  assert.ok(block, ".ci/run declares apt_packages=( … )");
  const installed = [...block[1].matchAll(/^\s*([a-z0-9][\w.+-]*)/gm)].map((m) => m[1]);
  assert.ok(installed.length > 10, installed.join(" "));
  const listed = [...between(README, "CI-PACKAGES").matchAll(/^- `([^`]+)`/gm)].map((m) => m[1]);
  assert.deepEqual(listed, installed);
});

Deno.test("the README's exercise rates are the committed benchmark's", async () => {
  const f = benchFigures(
    JSON.parse(await Deno.readTextFile(new URL("docs/bench-baseline.json", ROOT))),
  );
  const row = (n: number) => {
    const r = README.split("\n").find((l) => l.startsWith(`| ${n}. `));
    assert.ok(r, `the exercise table has a row for exercise ${n}`);
    return r;
  };
  const rate = (key: string, batch: number) =>
    `${f[key]} img/s at batch ${batch}, ~${f[`${key}.epoch`]}`;
  assert.ok(row(2).includes(rate("all8", 8)), `${row(2)} vs ${rate("all8", 8)}`);
  assert.ok(row(3).includes(rate("fc100", 100)), `${row(3)} vs ${rate("fc100", 100)}`);
  assert.ok(row(4).includes(rate("all8", 8)), `${row(4)} vs ${rate("all8", 8)}`);
  assert.ok(row(5).includes(rate("resnet32", 32)), `${row(5)} vs ${rate("resnet32", 32)}`);
  const cache = featureCacheFigures(
    JSON.parse(await Deno.readTextFile(new URL("docs/feature-cache.json", ROOT))),
  );
  const later = `a later epoch of exercise 3's \`fc6\`–\`fc8\` takes ${cache["cache.ratio"]} of`;
  assert.ok(README.replace(/\n/g, " ").includes(later), `the README quotes: ${later}`);
  // Each exercise's notebook exists under the name the table gives.
  for (let n = 1; n <= 8; n++) {
    const nb = row(n).match(/`(0\d_\w+)\.ipynb`/)?.[1];
    assert.ok(nb, row(n));
    await Deno.stat(new URL(`notebooks/${nb}.ts`, ROOT));
  }
});

Deno.test("the README starts with the demo and the test commands; its tasks and links exist", async () => {
  const first = README.match(/```sh\n([\s\S]*?)```/)![1].split("\n").filter(Boolean);
  assert.match(first[0], /^npx --yes deno@2\.9\.6 task demo\s/);
  assert.match(first[1], /^npx --yes deno@2\.9\.6 task test\s/);
  const ci = await Deno.readTextFile(new URL(".ci/run", ROOT));
  assert.match(ci, /DENO_VERSION=2\.9\.6/, "the README's Deno is the one CI uses");
  const tasks = Object.keys(
    JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))).tasks,
  );
  const docs = [
    "README.md",
    ...[...Deno.readDirSync(new URL("docs", ROOT))].map((e) => `docs/${e.name}`).filter((p) =>
      p.endsWith(".md")
    ),
  ];
  for (const doc of docs) {
    const text = await Deno.readTextFile(new URL(doc, ROOT));
    for (const m of text.matchAll(/deno(?:@[\d.]+)? task ([\w:-]+)/g)) {
      assert.ok(tasks.includes(m[1]), `${doc}: 'deno task ${m[1]}' is not a task`);
    }
    for (const m of text.matchAll(/\]\(([^)#]+)\)/g)) {
      if (/^https?:/.test(m[1])) continue;
      const target = new URL(m[1], new URL(doc, ROOT));
      await Deno.stat(target).catch(() => assert.fail(`${doc}: link ${m[1]} leads nowhere`));
    }
  }
});
