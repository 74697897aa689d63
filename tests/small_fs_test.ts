/**
 * tests/helpers/small_fs: where this process may not mount, a small-fs test
 * re-runs itself in a user and mount namespace and really runs there.
 */
import assert from "node:assert/strict";

Deno.test("a small-fs test forced into a user and mount namespace runs there and passes", async () => {
  const file = new URL("./util/files_test.ts", import.meta.url).pathname;
  const name =
    "checkWritableFolder: a read-only folder, and one without room, are refused up front";
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--no-check", `--filter=${name}`, file],
    env: { TL_SMALL_FS: "namespace", NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.ok(out.success, text.slice(-3000));
  assert.match(text, new RegExp(`${name.replace(/[()]/g, "\\$&")} \\.\\.\\. ok`));
  assert.match(text, /ok \| 1 passed \| 0 failed/);
});
