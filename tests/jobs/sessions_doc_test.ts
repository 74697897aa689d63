/** docs/sessions.md states what `deno task measure:sessions` measured (docs/sessions.json). */
import assert from "node:assert/strict";
import { SESSION_PRESETS } from "../../lib/jobs/mod.ts";

const doc = await Deno.readTextFile(new URL("../../docs/sessions.md", import.meta.url));
const measured = JSON.parse(
  await Deno.readTextFile(new URL("../../docs/sessions.json", import.meta.url)),
) as { machine: string; runs: { preset: string; wallSeconds: number; testAccuracy: number }[] };

Deno.test("docs/sessions.md: a row per preset; measured rows match docs/sessions.json", () => {
  const rows = doc.split("\n").filter((l) => l.startsWith("| `session-"));
  assert.deepEqual(
    rows.map((r) => /`(session-\d+)`/.exec(r)![1]),
    Object.keys(SESSION_PRESETS),
    "one row per preset, in order",
  );
  assert.ok(measured.runs.length >= 1, "something was measured");
  for (const run of measured.runs) {
    const row = rows.find((r) => r.includes(`\`${run.preset}\``))!;
    const minutes = `${Math.round(run.wallSeconds / 60)} min`;
    const accuracy = `${(run.testAccuracy * 100).toFixed(1)} %`;
    assert.ok(row.includes(minutes), `${run.preset}: '${minutes}' in ${row}`);
    assert.ok(row.includes(accuracy), `${run.preset}: '${accuracy}' in ${row}`);
    assert.ok(run.wallSeconds < 35 * 60, `${run.preset}: ${minutes} is a session`);
  }
  assert.ok(doc.includes(measured.machine), "the machine is named");
});
