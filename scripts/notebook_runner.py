"""Executes a notebook through the project's kernel with nbclient and saves it.

The project's kernel (lib/jupyter/kernel_proxy.ts) publishes a cell's idle
only after that cell's late outputs, so nbclient, which stops reading a
cell's outputs at idle, gets all of them: this runner has no wait of its own.

usage: notebook_runner.py IN.ipynb OUT.ipynb KERNEL_NAME [TIMEOUT_PER_CELL] [--run-all]

Without --run-all, nbclient runs one cell after another and stops at the
first error (exit 1). --run-all sends every cell's execute request at once,
as the UI's Run All does, and nbclient's own message handling files each
output under the request the kernel labelled it with: output that reached
the wrong cell in the browser reaches the wrong cell here too.
"""
import os
import queue
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, CellExecutionError
from nbclient.util import run_sync


async def run_all(client, cells, timeout):
    """Every cell submitted at once; outputs filed by parent msg_id; the first error or None."""
    async with client.async_setup_kernel():
        return await collect(client, cells, timeout)


async def collect(client, cells, timeout):
    kc = client.kc
    client.reset_execution_trackers()
    client.clear_before_next_output = False  # set per cell by nbclient's own cell loop
    for cell in cells:
        cell.metadata["execution"] = {}
    # nbclient's display updates address cells by their index in the notebook.
    index = {id(cell): i for i, cell in enumerate(client.nb.cells)}
    by_id = {kc.execute(cell.source): (index[id(cell)], cell) for cell in cells}
    idle = set()
    deadline = time.time() + timeout * len(cells)
    while len(idle) < len(by_id):
        left = deadline - time.time()
        if left <= 0:
            raise TimeoutError(f"Run All did not finish: {len(idle)} of {len(by_id)} cells idle")
        try:
            msg = await kc.get_iopub_msg(timeout=min(left, 1))
        except queue.Empty:
            continue
        target = by_id.get(msg["parent_header"].get("msg_id"))
        if target is None:
            continue
        i, cell = target
        try:
            client.process_message(msg, cell, i)
        except CellExecutionComplete:
            idle.add(msg["parent_header"]["msg_id"])
    for count, cell in enumerate(cells, start=1):
        cell.execution_count = count
        for out in cell.outputs:
            if out.output_type == "error":
                return f"cell {count} raised {out.ename}: {out.evalue}"
    return None


def execute(src, kernel, timeout, all_at_once=False):
    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=timeout,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}},
    )
    if not all_at_once:
        try:
            client.execute()
        except CellExecutionError as err:
            return nb, f"{str(err).strip().splitlines()[-1]}"
        return nb, None
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        cell.outputs = []
    return nb, run_sync(run_all)(client, code, timeout)


def main():
    flags = [a for a in sys.argv[1:] if a.startswith("--")]
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    src, dst, kernel = args[0], args[1], args[2]
    timeout = int(float(args[3])) if len(args) > 3 else 600
    all_at_once = "--run-all" in flags
    try:
        nb, failed = execute(src, kernel, timeout, all_at_once)
    except ValueError as err:
        # Seen once under heavy load: a corrupted iopub frame from the Deno
        # kernel ("Invalid Signature"). Run the notebook again from scratch, once.
        if "Signature" not in str(err):
            raise
        print(f"note: {err}; running the notebook again", file=sys.stderr)
        nb, failed = execute(src, kernel, timeout, all_at_once)
    tmp = f"{dst}.tmp-{os.getpid()}"
    nbformat.write(nb, tmp)
    os.replace(tmp, dst)
    if failed:
        print(failed, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
