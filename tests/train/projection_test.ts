import assert from "node:assert/strict";
import type { Learner } from "../../lib/train/learner.ts";
import { formatDuration, project } from "../../lib/train/projection.ts";
import { projectionCallback } from "../../lib/train/callbacks/projection.ts";

/** A learner 10 s into a run of 3 epochs × 10 steps of 100 images, at `step`. */
function learnerAt(step: number, features?: { seconds: number; rows: number; missing: number }) {
  const lines: string[] = [];
  const l = {
    step,
    startStep: 0,
    startTime: performance.now() - 10_000,
    totalSteps: 30,
    stepsPerEpoch: 10,
    batchSize: 100,
    features: features && {
      timing: { seconds: features.seconds, rows: features.rows },
      missing: features.missing,
    },
    log: (line: string) => lines.push(line),
  } as unknown as Learner;
  return { l, lines };
}

Deno.test("projection: a cached run's epoch 1 is projected slow, its later epochs fast", () => {
  // 2 steps in 10 s, 8 of them computing 200 images' features: 1 s per step after that.
  const { l } = learnerAt(2, { seconds: 8, rows: 200, missing: 800 });
  const p = project(l);
  assert.ok(Math.abs(p.features - 32) < 0.1, `800 rows at 0.04 s: ${p.features}`);
  assert.ok(Math.abs(p.laterEpoch - 10) < 0.1, `${p.laterEpoch}`);
  assert.ok(Math.abs(p.remaining - (28 + 32)) < 0.2, `${p.remaining}`);
  // Without a cache it is the plain pace: 5 s per step.
  const plain = project(learnerAt(2).l);
  assert.ok(Math.abs(plain.remaining - 140) < 0.5, `${plain.remaining}`);
  assert.ok(Number.isNaN(project(learnerAt(0).l).remaining));
});

Deno.test("projection callback: one line after the third step, naming the feature time", () => {
  const cb = projectionCallback();
  const { l, lines } = learnerAt(2, { seconds: 8, rows: 200, missing: 700 });
  cb.afterStep!(l);
  assert.equal(lines.length, 0, "not before three steps");
  l.step = 3;
  cb.afterStep!(l);
  l.step = 4;
  cb.afterStep!(l);
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0], /^projected: about 46 s more for this run \(30 steps, 3 epochs\)/);
  assert.match(lines[0], /computing the frozen features takes about 28 s, then an epoch takes/);
  assert.equal(formatDuration(4500), "1 h 15 min");
  assert.equal(formatDuration(25 * 60), "25 min");
});
