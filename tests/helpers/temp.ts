/**
 * Temporary folders and files for tests, removed when the test process ends
 * even where a test failed before its own cleanup (tests still remove what
 * they make as they go; this catches what a failure skips).
 *
 * @module
 */

const made = new Set<string>();
let hooked = false;

function track(path: string): string {
  made.add(path);
  if (!hooked) {
    hooked = true;
    globalThis.addEventListener("unload", () => {
      for (const p of made) {
        try {
          Deno.removeSync(p, { recursive: true });
        } catch { /* already removed, or a mount still in use */ }
      }
    });
  }
  return path;
}

/** `Deno.makeTempDir`, removed at exit if the test did not. */
export async function tempDir(options: Deno.MakeTempOptions = {}): Promise<string> {
  return track(await Deno.makeTempDir({ prefix: "tl-test-", ...options }));
}

/** `Deno.makeTempDirSync`, removed at exit if the test did not. */
export function tempDirSync(options: Deno.MakeTempOptions = {}): string {
  return track(Deno.makeTempDirSync({ prefix: "tl-test-", ...options }));
}

/** `Deno.makeTempFile`, removed at exit if the test did not. */
export async function tempFile(options: Deno.MakeTempOptions = {}): Promise<string> {
  return track(await Deno.makeTempFile({ prefix: "tl-test-", ...options }));
}
