/** lib/jobs/random_search: ranges, reproducibility, errors naming the flag and the forms. */
import assert from "node:assert/strict";
import { parseRange, randomTrials } from "../../lib/jobs/random_search.ts";
import { UsageError } from "../../lib/util/cli.ts";

const SPECS = [
  "lr=loguniform:1e-4:1e-1",
  "batch=choice:32,64,100",
  "weight-decay=uniform:0:1e-3",
  "epochs=int:1:3",
];

Deno.test("random search: the same seed gives the same trials, another seed others", () => {
  const a = randomTrials(SPECS, { count: 20, seed: 7 });
  assert.deepEqual(randomTrials(SPECS, { count: 20, seed: 7 }), a);
  assert.notDeepEqual(randomTrials(SPECS, { count: 20, seed: 8 }), a);
  assert.deepEqual(randomTrials(SPECS, { count: 5, seed: 7 }), a.slice(0, 5), "a prefix");
  assert.equal(new Set(a.map((t) => JSON.stringify(t))).size, 20, "distinct trials");
});

Deno.test("random search: every value within its range; log-uniform covers the decades evenly", () => {
  const trials = randomTrials(SPECS, { count: 400, seed: 1 });
  const decades = [0, 0, 0];
  for (const t of trials) {
    const lr = Number(t.lr), wd = Number(t["weight-decay"]), epochs = Number(t.epochs);
    assert.ok(lr >= 1e-4 && lr <= 1e-1, t.lr);
    decades[Math.min(2, Math.floor(Math.log10(lr) + 4))]++;
    assert.ok(wd >= 0 && wd <= 1e-3, t["weight-decay"]);
    assert.ok(["32", "64", "100"].includes(t.batch), t.batch);
    assert.ok(Number.isInteger(epochs) && epochs >= 1 && epochs <= 3, t.epochs);
  }
  for (const n of decades) assert.ok(n > 90 && n < 180, `decades ${decades}`); // ~133 each
  const seen = new Set(trials.map((t) => t.epochs));
  assert.deepEqual([...seen].sort(), ["1", "2", "3"], "both ends of an int range drawn");
});

Deno.test("bad ranges name the spec and the expected forms", () => {
  const cases: [string, RegExp][] = [
    ["lr", /--range 'lr': not of the form flag=kind:values; expected flag=loguniform:LOW:HIGH/],
    ["lr=normal:0:1", /unknown kind 'normal'/],
    ["lr=uniform:a:1", /LOW and HIGH must be two numbers/],
    ["lr=uniform:1", /LOW and HIGH must be two numbers/],
    ["lr=uniform:2:1", /LOW 2 is above HIGH 1/],
    ["lr=loguniform:0:1", /a log-uniform range needs LOW > 0/],
    ["epochs=int:1.5:3", /an int range needs integer ends/],
    ["speed=uniform:0:1", /'speed' is not a train flag that takes a value/],
    ["augment=choice:true", /'augment' is not a train flag that takes a value/],
  ];
  for (const [spec, re] of cases) {
    assert.throws(
      () => parseRange(spec),
      (e) => e instanceof UsageError && re.test(e.message),
      spec,
    );
  }
  assert.throws(() => randomTrials([], { count: 2 }), /--search random needs --range/);
  assert.throws(
    () => randomTrials(["lr=uniform:0:1", "lr=uniform:0:2"], { count: 2 }),
    /'lr' is given twice/,
  );
  assert.throws(
    () => randomTrials(["batch=choice:32,64"], { count: 3 }),
    /only 2 distinct trials exist in these ranges, 3 asked/,
  );
  assert.deepEqual(parseRange("batch=choice: 32 ,64"), {
    flag: "batch",
    kind: "choice",
    values: ["32", "64"],
  });
});
