/**
 * Element-wise ops on oneDNN: binary (add, mul, div, sub; the second operand
 * may broadcast as a scalar or as one row), unary (sqrt, square, relu) and
 * row sums.
 * Memory-bound work the single wasm thread does at a fraction of the
 * machine's bandwidth (16.7 M floats: add 48 → 6 ms, sqrt 89 → 4 ms here);
 * the optimizer's update is made of these.
 *
 * @module
 */
import { check, DNNL, memoryDesc, type OneDnn, opDesc } from "./library.ts";
import { bindOperation, cachedPrimitives, runBound } from "./primitive_cache.ts";

/** How the second operand of a binary op lines up with the first. */
export type Broadcast = "none" | "scalar" | "row";

/** A binary op over `rows × columns` elements (rows = 1 for flat data). */
export interface BinaryShape {
  /** oneDNN algorithm, e.g. {@linkcode DNNL}.binaryAdd. */
  alg: number;
  rows: number;
  columns: number;
  /** none: same shape; scalar: one value; row: one row of `columns` values. */
  broadcast: Broadcast;
}

function binaryEntry(dnn: OneDnn, shape: BinaryShape) {
  const key = `binary|${shape.alg},${shape.rows},${shape.columns},${shape.broadcast}`;
  return cachedPrimitives(key, () => {
    const full = memoryDesc(dnn, [shape.rows, shape.columns], DNNL.tagAb);
    const second = shape.broadcast === "none"
      ? full
      : memoryDesc(dnn, shape.broadcast === "scalar" ? [1, 1] : [1, shape.columns], DNNL.tagAb);
    const op = opDesc();
    check(dnn.symbols.dnnl_binary_desc_init(op, shape.alg, full, second, full), "binary_desc_init");
    const main = bindOperation(dnn, op, "binary primitive", [
      [DNNL.argSrc, full],
      [DNNL.argSrc1, second],
      [DNNL.argDst, full],
    ]);
    return { main };
  });
}

/** out = a (op) b. */
export function binaryOp(
  dnn: OneDnn,
  shape: BinaryShape,
  io: { a: Deno.PointerValue; b: Deno.PointerValue; out: Deno.PointerValue },
): void {
  runBound(dnn, binaryEntry(dnn, shape).main, [
    [DNNL.argSrc, io.a],
    [DNNL.argSrc1, io.b],
    [DNNL.argDst, io.out],
  ], "binary op");
}

/**
 * out = f(x) over `size` elements; `alg` e.g. {@linkcode DNNL}.eltwiseSqrt,
 * with its `alpha`/`beta` parameters (clip's bounds) where it has them.
 */
export function unaryOp(
  dnn: OneDnn,
  op: { alg: number; size: number; alpha?: number; beta?: number },
  io: { x: Deno.PointerValue; out: Deno.PointerValue },
): void {
  const [alpha, beta] = [op.alpha ?? 0, op.beta ?? 0];
  const entry = cachedPrimitives(`eltwise|${op.alg},${alpha},${beta},${op.size}`, () => {
    const md = memoryDesc(dnn, [op.size], DNNL.tagA);
    const desc = opDesc();
    check(
      dnn.symbols.dnnl_eltwise_forward_desc_init(
        desc,
        DNNL.forwardInference,
        op.alg,
        md,
        alpha,
        beta,
      ),
      "eltwise_forward_desc_init",
    );
    const main = bindOperation(dnn, desc, "eltwise primitive", [
      [DNNL.argSrc, md],
      [DNNL.argDst, md],
    ]);
    return { main };
  });
  runBound(dnn, entry.main, [[DNNL.argSrc, io.x], [DNNL.argDst, io.out]], "eltwise op");
}

/** out[r] = Σₖ x[r, k] over a row-major `rows × columns` matrix. */
export function rowSums(
  dnn: OneDnn,
  shape: { rows: number; columns: number },
  io: { x: Deno.PointerValue; out: Deno.PointerValue },
): void {
  const entry = cachedPrimitives(`reduction|${shape.rows},${shape.columns}`, () => {
    const src = memoryDesc(dnn, [shape.rows, shape.columns], DNNL.tagAb);
    const dst = memoryDesc(dnn, [shape.rows, 1], DNNL.tagAb);
    const desc = opDesc();
    check(
      dnn.symbols.dnnl_reduction_desc_init(desc, DNNL.reductionSum, src, dst, 0, 0),
      "reduction_desc_init",
    );
    const main = bindOperation(dnn, desc, "reduction primitive", [
      [DNNL.argSrc, src],
      [DNNL.argDst, dst],
    ]);
    return { main };
  });
  runBound(dnn, entry.main, [[DNNL.argSrc, io.x], [DNNL.argDst, io.out]], "reduction");
}
