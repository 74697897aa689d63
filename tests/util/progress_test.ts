import assert from "node:assert/strict";
import { createProgress, progressText } from "../../lib/util/progress.ts";

Deno.test("progress text: bar, percent, counts, elapsed<eta, fields", () => {
  assert.equal(
    progressText("train", 25, 100, 30, { loss: 0.123456, "img/s": 40 }, { width: 8 }),
    "train [##------]  25.0% 25/100 00:30<01:30 loss 0.1235 img/s 40",
  );
  assert.equal(progressText("idx", 7, undefined, 3725, {}), "idx 7 1:02:05");
  assert.match(progressText("x", 0, 10, 0, {}), /0\/10 00:00<--:--$/);
});

Deno.test("progress lines: throttled by interval, always drawn at the end", () => {
  const out: string[] = [];
  const p = createProgress(3, { kind: "lines", intervalMs: 60_000, write: (t) => out.push(t) });
  p.update(1);
  p.update(2);
  p.finish();
  assert.equal(out.length, 2, "the first update, then the final draw");
  assert.match(out[1], / 2\/3 /, "finish draws the last position");
});

Deno.test("progress text: a caller's remaining time replaces the linear ETA", () => {
  const text = progressText("train", 10, 100, 60, {}, { remainingS: 125 });
  assert.match(text, /01:00<02:05$/, text);
  const out: string[] = [];
  const p = createProgress(4, {
    kind: "lines",
    intervalMs: 0,
    write: (t) => out.push(t),
    remaining: () => 3600,
  });
  p.update(1);
  assert.match(out[0], /<1:00:00/, out[0]);
});
