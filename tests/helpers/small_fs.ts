/**
 * Small tmpfs mounts for disk-full and read-only tests. Where this process
 * may mount (root with CAP_SYS_ADMIN, as CI runs) the tests mount here;
 * where a mount is refused but user namespaces are allowed (a container, a
 * non-root account), each such test re-runs itself in a child under
 * `unshare --user --map-root-user --mount`, where it may. In CI, having
 * neither fails the run. `TL_SMALL_FS=mount|namespace` picks the way.
 */
import { fileURLToPath } from "node:url";
import { requiredInCi } from "./ci.ts";

/** How this process gets its small filesystems. */
export type SmallFsWay = "mount" | "namespace";

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

function namespaceWorks(): boolean {
  if (Deno.build.os !== "linux") return false;
  try {
    return new Deno.Command("unshare", {
      args: [
        "--user",
        "--map-root-user",
        "--mount",
        "sh",
        "-c",
        'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d"; r=$?; rmdir "$d"; exit $r',
      ],
    }).outputSync().success;
  } catch {
    return false;
  }
}

function chooseWay(): SmallFsWay | undefined {
  const forced = Deno.env.get("TL_SMALL_FS");
  if (forced === "mount" || forced === "namespace") return forced;
  if (forced) throw new Error(`TL_SMALL_FS='${forced}': expected mount or namespace`);
  return mountWorks() ? "mount" : namespaceWorks() ? "namespace" : undefined;
}

/** The way small filesystems are made here, if any. */
export const SMALL_FS_WAY: SmallFsWay | undefined = chooseWay();

/** True where small filesystems can be made (either way); required in CI. */
export const CAN_MOUNT = requiredInCi(
  SMALL_FS_WAY !== undefined,
  "mounting a small tmpfs (root with CAP_SYS_ADMIN, or unprivileged user namespaces)",
);

/**
 * A test that uses {@linkcode withSmallFs}: run in this process where it can
 * mount, else re-run (this test alone, from `file`) in a user and mount
 * namespace, where the child can.
 */
export function smallFsTest(
  file: string,
  name: string,
  fn: () => Promise<void>,
): Deno.TestDefinition {
  return {
    name,
    ignore: !CAN_MOUNT,
    fn: SMALL_FS_WAY === "namespace" ? () => inNamespace(file, name) : fn,
  };
}

async function inNamespace(file: string, name: string): Promise<void> {
  const out = await new Deno.Command("unshare", {
    args: [
      "--user",
      "--map-root-user",
      "--mount",
      Deno.execPath(),
      "test",
      "-A",
      "--no-check",
      "--v8-flags=--expose-gc",
      `--filter=${name}`,
      fileURLToPath(file),
    ],
    env: { TL_SMALL_FS: "mount", NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success || !/ok \| 1 passed \| 0 failed/.test(text)) {
    throw new Error(`in a user and mount namespace (unshare):\n${text.slice(-3000)}`);
  }
}

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
