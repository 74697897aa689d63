/** lib/jobs/trials: grids, trial files, the checks before a sweep starts. */
import assert from "node:assert/strict";
import {
  checkTrials,
  gridTrials,
  readTrialsFile,
  trialArgs,
  trialName,
} from "../../lib/jobs/trials.ts";
import { UsageError } from "../../lib/util/cli.ts";
import { tempDir } from "../helpers/temp.ts";

Deno.test("grid trials are the product of the specs, named by their flags", () => {
  const trials = gridTrials(["lr=0.1,0.01", "trainable=a/b,c"]);
  assert.deepEqual(trials, [
    { lr: "0.1", trainable: "a/b" },
    { lr: "0.1", trainable: "c" },
    { lr: "0.01", trainable: "a/b" },
    { lr: "0.01", trainable: "c" },
  ]);
  assert.equal(trialName(trials[0]), "lr=0.1,trainable=a_b");
  assert.throws(() => gridTrials(["lr"]), /--grid 'lr': expected flag=v1,v2/);
  assert.throws(() => gridTrials(["learning=1"]), /'learning' is not a train flag/);
});

Deno.test("trial keys and base flags must be train flags", () => {
  checkTrials([{ lr: "1" }], ["--model", "vgg_16", "--epochs=2"]);
  assert.throws(
    () => checkTrials([{ lr: "1" }, { speed: "1" }], []),
    /--trials: trial 2: 'speed' is not a train flag/,
  );
  assert.throws(() => checkTrials([{ lr: "1" }], ["--fast"]), /unknown train flag '--fast'/);
  assert.throws(
    () => gridTrials(["lr=1,1"]).length && checkTrials(gridTrials(["lr=1,1"]), [], "--grid"),
    /--grid: trial 2 is the same as trial 1 \(folder 'lr=1'\)/,
  );
});

Deno.test("--trials files: a non-empty JSON list of flag objects, errors name the file and the trial", async () => {
  const dir = await tempDir();
  const cases: [string, RegExp][] = [
    ["{not json", /t\.json: not JSON/],
    ["[]", /t\.json: expected a non-empty JSON list of \{flag: value\} objects, got \[\]/],
    ['{"lr": 1}', /expected a non-empty JSON list .* got \{"lr":1\}/],
    ["[null]", /t\.json: trial 1 is null: expected/],
    ["[1, 2]", /t\.json: trial 1 is 1: expected/],
    [
      '[{"lr": 0.1}, {"lr": [1]}]',
      /t\.json: trial 2: 'lr' is \[1\]: expected a string, number or boolean/,
    ],
    ['[{"lr": 0.1}, {}]', /t\.json: trial 2 sets no flag/],
    ['[{"lr": 0.1}, {"lr": "0.1"}]', /t\.json: trial 2 is the same as trial 1/],
    ['[{"speed": 1}]', /t\.json: trial 1: 'speed' is not a train flag/],
  ];
  for (const [text, re] of cases) {
    await Deno.writeTextFile(`${dir}/t.json`, text);
    await assert.rejects(
      () => readTrialsFile(`${dir}/t.json`),
      (e) => e instanceof UsageError && re.test(e.message),
      text,
    );
  }
  await Deno.writeTextFile(`${dir}/t.json`, '[{"lr": 0.1, "augment": true}, {"lr": "1e-3"}]');
  assert.deepEqual(await readTrialsFile(`${dir}/t.json`), [{ lr: "0.1", augment: "true" }, {
    lr: "1e-3",
  }]);
  await assert.rejects(
    () => readTrialsFile(`${dir}/none.json`),
    /none\.json: cannot read the trials file/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("trialArgs: base flags, the trial's flags (booleans bare), then --out", () => {
  assert.deepEqual(
    trialArgs({ lr: "0.1", augment: "true", staircase: "false" }, ["--model", "vgg_16"], "/s/t"),
    ["--model", "vgg_16", "--lr", "0.1", "--augment", "--out", "/s/t"],
  );
});
