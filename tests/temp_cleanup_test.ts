/** tests/helpers/temp: a test that fails before its own cleanup leaves no temp folder behind. */
import assert from "node:assert/strict";
import { tempDir } from "./helpers/temp.ts";

Deno.test("a failing test's temp folder and file are removed when its process ends", async () => {
  const probe = await tempDir();
  const child = `${probe}/failing_test.ts`;
  const helper = new URL("./helpers/temp.ts", import.meta.url).href;
  await Deno.writeTextFile(
    child,
    `import { tempDir, tempFile } from "${helper}";
Deno.test("fails before cleaning up", async () => {
  const dir = await tempDir({ dir: "${probe}" });
  await Deno.writeTextFile(dir + "/partial.bin", "half");
  await tempFile({ dir: "${probe}" });
  throw new Error("boom");
});
`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--no-check", child],
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.success, false, "the child test fails");
  assert.match(text, /fails before cleaning up \.\.\. FAILED/);
  assert.deepEqual([...Deno.readDirSync(probe)].map((e) => e.name), ["failing_test.ts"]);
  await Deno.remove(probe, { recursive: true });
});
