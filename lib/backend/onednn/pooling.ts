/**
 * Max pooling and its gradient on oneDNN. oneDNN's backward pass needs the argmax
 * workspace of a training-mode forward pass, so the forward pass is rerun
 * (a few % of the backward's cost) rather than kept from the forward op.
 *
 * Semantics match TF: each window's gradient goes to its first maximum in
 * scan order and padding never wins (tested against the reference kernel).
 *
 * @module
 */
import {
  check,
  createMemory,
  descPointer,
  dims,
  DNNL,
  memoryDesc,
  type OneDnn,
  opDesc,
  primitiveDesc,
  queryMd,
} from "./library.ts";
import {
  bindPrimitive,
  type BoundPrimitive,
  cachedPrimitives,
  runBound,
} from "./primitive_cache.ts";

/** Shape and window of one NHWC max pooling (tfjs' Conv2DInfo for pools, trimmed). */
export interface PoolGeometry {
  batch: number;
  channels: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

interface PoolEntry extends Record<string, unknown> {
  forward: BoundPrimitive;
  backward: BoundPrimitive;
}

function poolEntry(dnn: OneDnn, g: PoolGeometry): PoolEntry {
  return cachedPrimitives(`max pool grad|${Object.values(g).join(",")}`, () => {
    const s = dnn.symbols;
    const src = memoryDesc(dnn, [g.batch, g.channels, g.inHeight, g.inWidth], DNNL.tagNhwc);
    const dst = memoryDesc(dnn, [g.batch, g.channels, g.outHeight, g.outWidth], DNNL.tagNhwc);
    const strides = dims([g.strideHeight, g.strideWidth]);
    const kernel = dims([g.filterHeight, g.filterWidth]);
    const padL = dims([g.padTop, g.padLeft]), padR = dims([g.padBottom, g.padRight]);
    const fwdOp = opDesc(), bwdOp = opDesc();
    check(
      s.dnnl_pooling_forward_desc_init(
        fwdOp,
        DNNL.forwardTraining,
        DNNL.poolingMax,
        src,
        dst,
        strides,
        kernel,
        padL,
        padR,
      ),
      "pooling_forward_desc_init",
    );
    check(
      s.dnnl_pooling_backward_desc_init(
        bwdOp,
        DNNL.poolingMax,
        src,
        dst,
        strides,
        kernel,
        padL,
        padR,
      ),
      "pooling_backward_desc_init",
    );
    const fwd = primitiveDesc(dnn, fwdOp, null, null, "max pooling forward primitive");
    let bwd: Deno.PointerValue = null;
    try {
      bwd = primitiveDesc(dnn, bwdOp, null, fwd, "max pooling backward primitive");
      const workspace = createMemory(dnn, queryMd(dnn, fwd, DNNL.queryWorkspaceMd), true);
      const forward = bindPrimitive(dnn, fwd, [
        [DNNL.argSrc, createMemory(dnn, descPointer(src))],
        [DNNL.argDst, createMemory(dnn, queryMd(dnn, fwd, DNNL.queryDstMd), true)],
        [DNNL.argWorkspace, workspace],
      ]);
      const backward = bindPrimitive(dnn, bwd, [
        [DNNL.argDiffDst, createMemory(dnn, descPointer(dst))],
        [DNNL.argWorkspace, workspace],
        [DNNL.argDiffSrc, createMemory(dnn, descPointer(src))],
      ]);
      return { forward, backward };
    } finally {
      if (bwd) s.dnnl_primitive_desc_destroy(bwd);
      s.dnnl_primitive_desc_destroy(fwd);
    }
  });
}

/** dx = the gradient of maxPool(x) given dy; x and dx NHWC [batch, inHeight, inWidth, channels]. */
export function maxPoolBackward(
  dnn: OneDnn,
  g: PoolGeometry,
  io: { x: Deno.PointerValue; dy: Deno.PointerValue; dx: Deno.PointerValue },
): void {
  const entry = poolEntry(dnn, g);
  runBound(dnn, entry.forward, [[DNNL.argSrc, io.x]], "max pooling forward");
  runBound(
    dnn,
    entry.backward,
    [[DNNL.argDiffDst, io.dy], [DNNL.argDiffSrc, io.dx]],
    "max pooling backward",
  );
}

/**
 * y = maxPool(x) (padding never wins) or, with `average`, avgPool(x) over
 * the window's inside part (padding not counted, as TF), NHWC.
 */
export function maxPoolForward(
  dnn: OneDnn,
  g: PoolGeometry,
  io: { x: Deno.PointerValue; y: Deno.PointerValue },
  average = false,
): void {
  const alg = average ? DNNL.poolingAvgExcludePadding : DNNL.poolingMax;
  const entry = cachedPrimitives(`pool forward ${alg}|${Object.values(g).join(",")}`, () => {
    const src = memoryDesc(dnn, [g.batch, g.channels, g.inHeight, g.inWidth], DNNL.tagNhwc);
    const dst = memoryDesc(dnn, [g.batch, g.channels, g.outHeight, g.outWidth], DNNL.tagNhwc);
    const op = opDesc();
    check(
      dnn.symbols.dnnl_pooling_forward_desc_init(
        op,
        DNNL.forwardInference,
        alg,
        src,
        dst,
        dims([g.strideHeight, g.strideWidth]),
        dims([g.filterHeight, g.filterWidth]),
        dims([g.padTop, g.padLeft]),
        dims([g.padBottom, g.padRight]),
      ),
      "pooling_forward_desc_init",
    );
    const pd = primitiveDesc(dnn, op, null, null, "max pooling forward primitive");
    try {
      return {
        main: bindPrimitive(dnn, pd, [
          [DNNL.argSrc, createMemory(dnn, descPointer(src))],
          [DNNL.argDst, createMemory(dnn, descPointer(dst))],
        ]),
      };
    } finally {
      dnn.symbols.dnnl_primitive_desc_destroy(pd);
    }
  });
  runBound(dnn, entry.main, [[DNNL.argSrc, io.x], [DNNL.argDst, io.y]], "pooling forward");
}

/** dx = the gradient of the average pool (padding not counted) given dy; NHWC. */
export function avgPoolBackward(
  dnn: OneDnn,
  g: PoolGeometry,
  io: { dy: Deno.PointerValue; dx: Deno.PointerValue },
): void {
  const entry = cachedPrimitives(`avg pool grad|${Object.values(g).join(",")}`, () => {
    const s = dnn.symbols;
    const src = memoryDesc(dnn, [g.batch, g.channels, g.inHeight, g.inWidth], DNNL.tagNhwc);
    const dst = memoryDesc(dnn, [g.batch, g.channels, g.outHeight, g.outWidth], DNNL.tagNhwc);
    const args = [
      src,
      dst,
      dims([g.strideHeight, g.strideWidth]),
      dims([g.filterHeight, g.filterWidth]),
      dims([g.padTop, g.padLeft]),
      dims([g.padBottom, g.padRight]),
    ] as const;
    const fwdOp = opDesc(), bwdOp = opDesc();
    const alg = DNNL.poolingAvgExcludePadding;
    check(
      s.dnnl_pooling_forward_desc_init(fwdOp, DNNL.forwardTraining, alg, ...args),
      "pooling_forward_desc_init",
    );
    check(s.dnnl_pooling_backward_desc_init(bwdOp, alg, ...args), "pooling_backward_desc_init");
    const fwd = primitiveDesc(dnn, fwdOp, null, null, "average pooling forward primitive");
    try {
      const bwd = primitiveDesc(dnn, bwdOp, null, fwd, "average pooling backward primitive");
      try {
        return {
          main: bindPrimitive(dnn, bwd, [
            [DNNL.argDiffDst, createMemory(dnn, descPointer(dst))],
            [DNNL.argDiffSrc, createMemory(dnn, descPointer(src))],
          ]),
        };
      } finally {
        s.dnnl_primitive_desc_destroy(bwd);
      }
    } finally {
      s.dnnl_primitive_desc_destroy(fwd);
    }
  });
  runBound(dnn, entry.main, [[DNNL.argDiffDst, io.dy], [DNNL.argDiffSrc, io.dx]], "avg pool grad");
}
