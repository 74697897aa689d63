import assert from "node:assert/strict";
import { trainJobFromArgs } from "../../lib/jobs/train_flags.ts";
import { scheduleFromSpec } from "../../lib/train/schedules.ts";
import { UsageError } from "../../lib/util/cli.ts";

Deno.test("train flags map onto a job: defaults, lists, the schedule spec", () => {
  const job = trainJobFromArgs([
    "--model",
    "vgg_16",
    "--exclude",
    "vgg_16/fc8",
    "--trainable",
    "vgg_16/fc7, vgg_16/fc8",
    "--schedule",
    "exponential",
    "--decay-epochs",
    "5",
    "--staircase",
    "--class-weights",
    "inverse",
    "--augment",
  ]);
  assert.equal(job.model, "vgg_16");
  assert.equal(job.dataset, "fashion-mnist");
  assert.deepEqual(job.exclude, ["vgg_16/fc8"]);
  assert.deepEqual(job.trainable, ["vgg_16/fc7", "vgg_16/fc8"]);
  assert.deepEqual([job.imageSize, job.batch, job.epochs, job.seed, job.keep], [32, 64, 1, 0, 5]);
  assert.equal(job.classWeights, "inverse");
  assert.equal(job.augment, true);
  assert.equal(job.optimizer, "adam");
  assert.equal(job.numClasses, undefined);
  const s = scheduleFromSpec(job.schedule!, 100);
  assert.deepEqual([s(0), s(499), s(500)].map((x) => +x.toPrecision(6)), [0.001, 0.001, 0.0001]);
  const pw = trainJobFromArgs([
    "--schedule",
    "piecewise",
    "--boundaries",
    "1,2",
    "--values",
    "0.1,0.01,0.001",
  ]);
  assert.deepEqual(pw.schedule!.boundaries, [1, 2]);
  assert.equal(scheduleFromSpec(pw.schedule!, 10)(15), 0.01);
  assert.deepEqual(trainJobFromArgs(["--class-weights", "1,2.5"]).classWeights, [1, 2.5]);
});

Deno.test("bad train flags throw a UsageError naming the flag", () => {
  const cases: [string[], RegExp][] = [
    [["--model", "alexnet"], /--model: expected one of .*got 'alexnet'/],
    [["--schedule", "piecewise"], /--schedule piecewise needs --boundaries/],
    [
      ["--schedule", "piecewise", "--boundaries", "1", "--values", "1"],
      /--values: expected 2 rates for 1 boundaries/,
    ],
    [
      ["--boundaries", "1,x", "--schedule", "piecewise", "--values", "1,2"],
      /--boundaries: expected comma-separated numbers/,
    ],
    [["--class-weights", "1,-2"], /--class-weights: expected 'inverse' or non-negative numbers/],
    [["--batch", "0"], /--batch: expected at least 1, got 0/],
    [["--sampler", "random"], /--sampler: expected one of shuffle, balanced, sequential/],
    [["extra"], /unexpected argument 'extra'/],
    // Negative values reach the range check (node:util alone calls them ambiguous flags).
    [["--lr", "-1"], /--lr: expected at least 0, got -1/],
    [["--momentum", "-1"], /--momentum: expected at least 0, got -1/],
    [["--momentum", "1.5"], /--momentum: expected less than 1, got 1\.5/],
    [["--seed", "-1"], /--seed: expected at least 0, got -1/],
    [["--epochs", "-.5"], /--epochs: expected an integer, got '-\.5'/],
    [["--label-smoothing", "5"], /--label-smoothing: expected less than 1, got 5/],
    [["--label-smoothing", "-0.1"], /--label-smoothing: expected at least 0, got -0\.1/],
    [
      ["--schedule", "piecewise", "--boundaries", "2,1", "--values", "1,2,3"],
      /--boundaries: expected increasing epochs above 0, got '2,1'/,
    ],
    [
      ["--schedule", "piecewise", "--boundaries", "0,1", "--values", "1,2,3"],
      /--boundaries: expected increasing epochs above 0/,
    ],
    [
      ["--schedule", "piecewise", "--boundaries", "1,2", "--values", "1,-2,3"],
      /--values: expected rates ≥ 0/,
    ],
  ];
  for (const [args, re] of cases) {
    assert.throws(
      () => trainJobFromArgs(args),
      (e) => e instanceof UsageError && re.test(e.message),
      args.join(" "),
    );
  }
});
