/**
 * Batch normalisation on oneDNN over NHWC data: the training forward pass
 * (batch statistics out), the inference pass (given statistics) and the
 * backward pass (data, scale and shift gradients in one primitive), plus
 * ReLU applied in place and its gradient from the ReLU's output. tfjs
 * expresses the same with moments, tiles and a dozen element-wise ops, each
 * a full pass over the activations (ResNet-V1-50 at 224: 70 % of a step).
 *
 * @module
 */
import { check, DNNL, memoryDesc, type OneDnn, opDesc } from "./library.ts";
import { bindOperation, cachedPrimitives, runBound } from "./primitive_cache.ts";

/** An NHWC batch of `channels` channels and its epsilon. */
export interface NormGeometry {
  batch: number;
  height: number;
  width: number;
  channels: number;
  epsilon: number;
}

const SCALE_SHIFT = DNNL.bnUseScale | DNNL.bnUseShift;

function descs(dnn: OneDnn, g: NormGeometry) {
  return {
    data: memoryDesc(dnn, [g.batch, g.channels, g.height, g.width], DNNL.tagNhwc),
    channel: memoryDesc(dnn, [g.channels], DNNL.tagA),
  };
}

function forwardOp(dnn: OneDnn, g: NormGeometry, training: boolean) {
  const d = descs(dnn, g);
  const op = opDesc();
  check(
    dnn.symbols.dnnl_batch_normalization_forward_desc_init(
      op,
      training ? DNNL.forwardTraining : DNNL.forwardInference,
      d.data,
      g.epsilon,
      training ? SCALE_SHIFT : SCALE_SHIFT | DNNL.bnUseGlobalStats,
    ),
    "batch_normalization_forward_desc_init",
  );
  return { op, ...d };
}

function keyOf(kind: string, g: NormGeometry): string {
  return `batch norm ${kind}|${Object.values(g).join(",")}`;
}

/** Pointers of one forward pass; in training `mean`/`variance` are written (biased variance). */
export interface NormForwardIO {
  x: Deno.PointerValue;
  gamma: Deno.PointerValue;
  beta: Deno.PointerValue;
  mean: Deno.PointerValue;
  variance: Deno.PointerValue;
  y: Deno.PointerValue;
}

/** y = gamma·(x − mean)/√(variance + ε) + beta, with batch statistics when `training`. */
export function batchNormForward(
  dnn: OneDnn,
  g: NormGeometry,
  io: NormForwardIO,
  training: boolean,
): void {
  const entry = cachedPrimitives(keyOf(training ? "training" : "inference", g), () => {
    const { op, data, channel } = forwardOp(dnn, g, training);
    const main = bindOperation(dnn, op, "batch normalization forward primitive", [
      [DNNL.argSrc, data],
      [DNNL.argDst, data],
      [DNNL.argScale, channel],
      [DNNL.argShift, channel],
      [DNNL.argMean, channel],
      [DNNL.argVariance, channel],
    ]);
    return { main };
  });
  runBound(dnn, entry.main, [
    [DNNL.argSrc, io.x],
    [DNNL.argDst, io.y],
    [DNNL.argScale, io.gamma],
    [DNNL.argShift, io.beta],
    [DNNL.argMean, io.mean],
    [DNNL.argVariance, io.variance],
  ], "batch normalization forward");
}

/** Pointers of one backward pass. */
export interface NormBackwardIO {
  dy: Deno.PointerValue;
  x: Deno.PointerValue;
  mean: Deno.PointerValue;
  variance: Deno.PointerValue;
  gamma: Deno.PointerValue;
  /** Unused by the arithmetic, but oneDNN 2.6 refuses to run without it. */
  beta: Deno.PointerValue;
  dx: Deno.PointerValue;
  dGamma: Deno.PointerValue;
  dBeta: Deno.PointerValue;
}

/** dx, dgamma and dbeta of the training-mode forward pass, given dy. */
export function batchNormBackward(dnn: OneDnn, g: NormGeometry, io: NormBackwardIO): void {
  const entry = cachedPrimitives(keyOf("backward", g), () => {
    const fwd = forwardOp(dnn, g, true);
    const op = opDesc();
    check(
      dnn.symbols.dnnl_batch_normalization_backward_desc_init(
        op,
        DNNL.backward,
        fwd.data,
        fwd.data,
        g.epsilon,
        SCALE_SHIFT,
      ),
      "batch_normalization_backward_desc_init",
    );
    const main = bindOperation(dnn, op, "batch normalization backward primitive", [
      [DNNL.argSrc, fwd.data],
      [DNNL.argDiffDst, fwd.data],
      [DNNL.argMean, fwd.channel],
      [DNNL.argVariance, fwd.channel],
      [DNNL.argScale, fwd.channel],
      [DNNL.argShift, fwd.channel],
      [DNNL.argDiffSrc, fwd.data],
      [DNNL.argDiffScale, fwd.channel],
      [DNNL.argDiffShift, fwd.channel],
    ], { hint: fwd.op });
    return { main };
  });
  runBound(dnn, entry.main, [
    [DNNL.argSrc, io.x],
    [DNNL.argDiffDst, io.dy],
    [DNNL.argMean, io.mean],
    [DNNL.argVariance, io.variance],
    [DNNL.argScale, io.gamma],
    [DNNL.argShift, io.beta],
    [DNNL.argDiffSrc, io.dx],
    [DNNL.argDiffScale, io.dGamma],
    [DNNL.argDiffShift, io.dBeta],
  ], "batch normalization backward");
}

/** dx = dy where y > 0, else 0 (the ReLU's gradient from its output y). */
export function reluBackward(
  dnn: OneDnn,
  size: number,
  io: { dy: Deno.PointerValue; y: Deno.PointerValue; dx: Deno.PointerValue },
): void {
  const entry = cachedPrimitives(`eltwise backward|relu,${size}`, () => {
    const md = memoryDesc(dnn, [size], DNNL.tagA);
    const fwdOp = opDesc(), op = opDesc();
    const s = dnn.symbols;
    check(
      s.dnnl_eltwise_forward_desc_init(
        fwdOp,
        DNNL.forwardTraining,
        DNNL.eltwiseReluUseDst,
        md,
        0,
        0,
      ),
      "eltwise_forward_desc_init",
    );
    check(
      s.dnnl_eltwise_backward_desc_init(op, DNNL.eltwiseReluUseDst, md, md, 0, 0),
      "eltwise_backward_desc_init",
    );
    const main = bindOperation(dnn, op, "relu backward primitive", [
      [DNNL.argDst, md],
      [DNNL.argDiffDst, md],
      [DNNL.argDiffSrc, md],
    ], { hint: fwdOp });
    return { main };
  });
  runBound(dnn, entry.main, [
    [DNNL.argDst, io.y],
    [DNNL.argDiffDst, io.dy],
    [DNNL.argDiffSrc, io.dx],
  ], "relu backward");
}

/**
 * dx = dy where 0 < x ≤ 6, else 0: ReLU6's gradient from its input (the mask
 * tfjs' own gradient builds from LessEqual, Step and Multiply, in one pass).
 */
export function relu6Backward(
  dnn: OneDnn,
  size: number,
  io: { dy: Deno.PointerValue; x: Deno.PointerValue; dx: Deno.PointerValue },
): void {
  const entry = cachedPrimitives(`eltwise backward|clip 0 6,${size}`, () => {
    const md = memoryDesc(dnn, [size], DNNL.tagA);
    const fwdOp = opDesc(), op = opDesc();
    const s = dnn.symbols;
    check(
      s.dnnl_eltwise_forward_desc_init(fwdOp, DNNL.forwardTraining, DNNL.eltwiseClip, md, 0, 6),
      "eltwise_forward_desc_init",
    );
    check(
      s.dnnl_eltwise_backward_desc_init(op, DNNL.eltwiseClip, md, md, 0, 6),
      "eltwise_backward_desc_init",
    );
    const main = bindOperation(dnn, op, "relu6 backward primitive", [
      [DNNL.argSrc, md],
      [DNNL.argDiffDst, md],
      [DNNL.argDiffSrc, md],
    ], { hint: fwdOp });
    return { main };
  });
  runBound(dnn, entry.main, [
    [DNNL.argSrc, io.x],
    [DNNL.argDiffDst, io.dy],
    [DNNL.argDiffSrc, io.dx],
  ], "relu6 backward");
}
