/**
 * Small tmpfs mounts for disk-full and read-only tests. Mounting needs root
 * (CI runs as root, and there a refused mount fails the run); elsewhere the
 * tests that need one are ignored.
 */
import { requiredInCi } from "./ci.ts";

function mountWorks(): boolean {
  if (Deno.build.os !== "linux" || Deno.uid() !== 0) return false;
  const dir = Deno.makeTempDirSync();
  try {
    const ok = new Deno.Command("mount", { args: ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir] })
      .outputSync().success;
    if (ok) new Deno.Command("umount", { args: [dir] }).outputSync();
    return ok;
  } catch {
    return false;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** True where {@linkcode withSmallFs} can mount (root on Linux); required in CI. */
export const CAN_MOUNT = requiredInCi(mountWorks(), "mounting a small tmpfs (root, CAP_SYS_ADMIN)");

/**
 * Runs `body` with a fresh tmpfs of `kib` KiB mounted at a temp folder;
 * `prepare` fills it first, then `readOnly` remounts it read-only.
 */
export async function withSmallFs(
  kib: number,
  body: (dir: string) => Promise<void>,
  options: { readOnly?: boolean; prepare?: (dir: string) => Promise<void> } = {},
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const mount = (...args: string[]) => {
    const r = new Deno.Command("mount", { args }).outputSync();
    if (!r.success) {
      throw new Error(`mount ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
    }
  };
  mount("-t", "tmpfs", "-o", `size=${kib}k`, "tmpfs", dir);
  try {
    await options.prepare?.(dir);
    if (options.readOnly) mount("-o", "remount,ro", dir);
    await body(dir);
  } finally {
    new Deno.Command("umount", { args: [dir] }).outputSync();
    await Deno.remove(dir, { recursive: true });
  }
}
