/** `deno task kernel --system`: one kernel for every user of a shared server, with a seat's share. */
import assert from "node:assert/strict";
import { available, PYTHON } from "../helpers/tools.ts";
import { requiredInCi } from "../helpers/ci.ts";
import { tempDir } from "../helpers/temp.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const haveJupyter = requiredInCi(
  available(PYTHON, ["-c", "import nbclient, jupyter_client, nbformat"]),
  "python3-nbclient",
);

function kernelTask(...args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/kernel.ts`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
}

Deno.test({
  name: "a system-wide kernel carries the room's data folder, threads and memory into notebooks",
  ignore: !haveJupyter,
  sanitizeResources: false,
}, async () => {
  const prefix = await tempDir();
  try {
    const r = await kernelTask(
      "--system",
      "--prefix",
      prefix,
      "--data-dir",
      "/srv/tl-lab",
      "--threads",
      "3",
      "--memory-mib",
      "6000",
    );
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    const dir = `${prefix}/share/jupyter/kernels/tl-lab-deno`;
    // Readable and runnable by every user: the kernel's own copy of Deno, not root's npx cache.
    assert.equal((await Deno.stat(`${dir}/deno`)).mode! & 0o755, 0o755);
    assert.equal((await Deno.stat(`${dir}/kernel.json`)).mode! & 0o777, 0o644);
    const spec = JSON.parse(await Deno.readTextFile(`${dir}/kernel.json`));
    assert.equal(spec.argv[0], `${dir}/deno`);
    // A real kernel started from that spec sees the seat's settings.
    const nb = `${prefix}/probe.ipynb`;
    await Deno.writeTextFile(
      nb,
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [{
          cell_type: "code",
          id: "probe",
          metadata: {},
          execution_count: null,
          outputs: [],
          source: 'console.log(["TL_DATA_DIR", "OMP_NUM_THREADS", "TL_MEMORY_AVAILABLE_MIB"]' +
            '.map((k) => `${k}=${Deno.env.get(k)}`).join(" "))',
        }],
      }),
    );
    const run = await new Deno.Command(PYTHON, {
      args: [`${ROOT}scripts/notebook_runner.py`, nb, `${prefix}/out.ipynb`, "tl-lab-deno", "120"],
      env: { JUPYTER_PATH: `${prefix}/share/jupyter`, NO_COLOR: "1" },
    }).output();
    assert.ok(run.success, new TextDecoder().decode(run.stderr).slice(-2000));
    const out = JSON.parse(await Deno.readTextFile(`${prefix}/out.ipynb`));
    const text = out.cells[0].outputs.map((o: { text?: string | string[] }) =>
      [o.text ?? ""].flat().join("")
    ).join("");
    assert.equal(
      text.trim(),
      "TL_DATA_DIR=/srv/tl-lab OMP_NUM_THREADS=3 TL_MEMORY_AVAILABLE_MIB=6000",
    );
  } finally {
    await Deno.remove(prefix, { recursive: true });
  }
});

Deno.test("kernel flags: a bad seat share or two places at once exit 2 naming the flag", async () => {
  const bad = await kernelTask("--threads", "0");
  assert.equal(bad.code, 2);
  assert.match(new TextDecoder().decode(bad.stderr), /--threads: expected at least 1, got 0/);
  const both = await kernelTask("--user", "--system", "--prefix", "/nonexistent-prefix");
  assert.equal(both.code, 2);
  assert.match(new TextDecoder().decode(both.stderr), /--user and --system exclude each other/);
});
