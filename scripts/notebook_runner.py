"""Executes a notebook through a Jupyter kernel and saves it with outputs.

The Deno kernel can send a cell's execute_result or last update_display_data
after it reports idle; nbclient stops reading at idle and drops them. This
runner keeps reading iopub for LINGER seconds after idle, applies display
updates in place, and fails (exit 1) on the first cell error.

usage: notebook_runner.py IN.ipynb OUT.ipynb KERNEL_NAME [TIMEOUT_PER_CELL] [--run-all]

--run-all sends every cell's execute request at once, as the UI's Run All
does (the kernel queues them, so each cell starts right after the previous
one's reply), and attributes every output by its parent request: output a
kernel sends late, tagged with the next request, lands in the next cell
here exactly as it does in the browser.
"""
import os
import queue
import sys
import time

import nbformat
from jupyter_client.manager import start_new_kernel

LINGER = 0.6


def output_from(msg):
    t, c = msg["msg_type"], msg["content"]
    if t == "stream":
        return nbformat.v4.new_output("stream", name=c["name"], text=c["text"])
    if t in ("display_data", "update_display_data"):
        return nbformat.v4.new_output("display_data", data=c["data"], metadata=c.get("metadata", {}))
    if t == "execute_result":
        return nbformat.v4.new_output("execute_result", data=c["data"], metadata=c.get("metadata", {}),
                                      execution_count=c.get("execution_count"))
    if t == "error":
        return nbformat.v4.new_output("error", ename=c["ename"], evalue=c["evalue"], traceback=c["traceback"])
    return None


def add_output(outputs, by_display, msg):
    """Appends (or updates in place) one iopub message's output; returns it."""
    t = msg["msg_type"]
    out = output_from(msg)
    if out is None:
        return None
    display_id = msg["content"].get("transient", {}).get("display_id")
    if t == "update_display_data" and display_id in by_display:
        outputs[by_display[display_id]] = out
        return out
    if display_id:
        by_display[display_id] = len(outputs)
    if t == "stream" and outputs and outputs[-1].output_type == "stream" and outputs[-1].name == out.name:
        outputs[-1].text += out.text
        return out
    outputs.append(out)
    return out


def run_cell(kc, code, timeout):
    msg_id = kc.execute(code)
    outputs, by_display, idle_at, error = [], {}, None, None
    deadline = time.time() + timeout
    while True:
        if idle_at is not None and time.time() - idle_at > LINGER:
            break
        if time.time() > deadline:
            raise TimeoutError(f"cell did not finish in {timeout}s:\n{code[:200]}")
        try:
            msg = kc.get_iopub_msg(timeout=0.1)
        except queue.Empty:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            idle_at = time.time()
            continue
        out = add_output(outputs, by_display, msg)
        if out is not None and out.output_type == "error":
            error = out
    return outputs, error


def run_all(kc, cells, timeout):
    """Every cell submitted at once; outputs attributed by parent msg_id."""
    ids = [kc.execute(cell.source) for cell in cells]
    state = {i: ([], {}) for i in ids}
    idle = set()
    error = None
    deadline = time.time() + timeout * len(ids)
    last_idle = None
    while True:
        if len(idle) == len(ids) and time.time() - last_idle > LINGER:
            break
        if time.time() > deadline:
            raise TimeoutError("Run All did not finish")
        try:
            msg = kc.get_iopub_msg(timeout=0.1)
        except queue.Empty:
            continue
        parent = msg["parent_header"].get("msg_id")
        if parent not in state:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            idle.add(parent)
            last_idle = time.time()
            continue
        out = add_output(*state[parent], msg)
        if out is not None and out.output_type == "error" and error is None:
            error = out
    return [state[i][0] for i in ids], error


def execute(src, kernel, timeout, all_at_once=False):
    nb = nbformat.read(src, as_version=4)
    km, kc = start_new_kernel(kernel_name=kernel, cwd=os.path.dirname(os.path.abspath(src)))
    failed = None
    try:
        count = 0
        if all_at_once:
            code = [c for c in nb.cells if c.cell_type == "code"]
            results, error = run_all(kc, code, timeout)
            for count, (cell, outputs) in enumerate(zip(code, results), start=1):
                cell.outputs = outputs
                cell.execution_count = count
            if error is not None:
                failed = f"a cell raised {error.ename}: {error.evalue}"
            return nb, failed
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            count += 1
            outputs, error = run_cell(kc, cell.source, timeout)
            cell.outputs = outputs
            cell.execution_count = count
            if error is not None:
                failed = f"cell {count} raised {error.ename}: {error.evalue}"
                break
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return nb, failed


def main():
    flags = [a for a in sys.argv[1:] if a.startswith("--")]
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    src, dst, kernel = args[0], args[1], args[2]
    timeout = float(args[3]) if len(args) > 3 else 600
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
    nbformat.write(nb, dst)
    if failed:
        print(failed, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
