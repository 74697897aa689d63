/**
 * 2-D convolutions on oneDNN: forward (optionally with bias and a ReLU
 * post-op), data gradient and filter gradient, over NHWC activations and
 * HWIO filters in caller memory.
 *
 * oneDNN picks its own (blocked) filter layout for speed; the filter is
 * reordered from/to HWIO on every call, which costs far less than the
 * convolution it enables (jit:avx2 at ~150 GFLOP/s vs ~50 for plain HWIO).
 * Primitives are built once per geometry (see primitive_cache.ts).
 *
 * @module
 */
import {
  check,
  createMemory,
  createReorder,
  descPointer,
  descSize,
  dims,
  DNNL,
  execute,
  type MemoryDesc,
  memoryDesc,
  memoryDescByStrides,
  type OneDnn,
  opDesc,
  primitiveDesc,
  queryMd,
  reluAttr,
  sameLayout,
  setHandle,
  sharedScratch,
} from "./library.ts";
import {
  bindPrimitive,
  type BoundPrimitive,
  cachedPrimitives,
  runBound,
} from "./primitive_cache.ts";

/** Shape and window of one NHWC convolution (tfjs' Conv2DInfo, trimmed). */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  /**
   * Depthwise (TF's `depthwise_conv2d`): each input channel is convolved
   * with its own `outChannels / inChannels` filters, a grouped convolution
   * with one group per input channel; the filter is then [h, w, in, multiplier].
   */
  depthwise?: boolean;
}

/** Forward options: a bias add and a (leaky) ReLU fused into the convolution. */
export interface ConvForwardOptions {
  /** Pointer to `outChannels` biases. */
  bias?: Deno.PointerValue;
  /** Apply ReLU after the bias; `reluAlpha` is the negative slope (0 = plain). */
  relu?: boolean;
  /** Negative slope of a leaky ReLU. */
  reluAlpha?: number;
}

/** A filter in HWIO, moved to and from the layout a primitive wants. */
interface FilterPort {
  /** Memory over the caller's HWIO filter. */
  user: Deno.PointerValue;
  /**
   * Memory in the primitive's layout (the user memory when they agree). It
   * lives only within one call, so it points at a scratch area shared by
   * all primitives (one per primitive was 3 copies of every filter).
   */
  inner: Deno.PointerValue;
  /** Bytes of the inner layout (0 when no reorder is needed). */
  innerBytes: number;
  /** Reorder between them, or null when they agree. */
  reorder: Deno.PointerValue | null;
}

interface Entry extends Record<string, unknown> {
  main: BoundPrimitive;
  filter: FilterPort;
}

function keyOf(kind: string, g: ConvGeometry, extra = ""): string {
  return `conv ${kind}|${Object.values(g).join(",")}|${extra}`;
}

interface Descs {
  src: MemoryDesc;
  dst: MemoryDesc;
  filterUser: MemoryDesc;
  filterAny: MemoryDesc;
  bias: MemoryDesc;
  strides: BigInt64Array<ArrayBuffer>;
  dilates: BigInt64Array<ArrayBuffer>;
  padL: BigInt64Array<ArrayBuffer>;
  padR: BigInt64Array<ArrayBuffer>;
}

/**
 * The filter as oneDNN sees it: [out, in, h, w] in HWIO, or for depthwise
 * [groups = in, multiplier, 1, h, w] over TF's [h, w, in, multiplier] memory.
 */
function filterDescs(dnn: OneDnn, g: ConvGeometry): { user: MemoryDesc; shape: number[] } {
  const { filterHeight: h, filterWidth: w, inChannels: c } = g;
  if (!g.depthwise) {
    const shape = [g.outChannels, c, h, w];
    return { user: memoryDesc(dnn, shape, DNNL.tagHwio), shape };
  }
  const m = g.outChannels / c;
  const shape = [c, m, 1, h, w];
  return { user: memoryDescByStrides(dnn, shape, [m, 1, c * m, w * c * m, c * m]), shape };
}

function descsOf(dnn: OneDnn, g: ConvGeometry): Descs {
  const { user, shape: filterShape } = filterDescs(dnn, g);
  return {
    src: memoryDesc(dnn, [g.batch, g.inChannels, g.inHeight, g.inWidth], DNNL.tagNhwc),
    dst: memoryDesc(dnn, [g.batch, g.outChannels, g.outHeight, g.outWidth], DNNL.tagNhwc),
    filterUser: user,
    filterAny: memoryDesc(dnn, filterShape, DNNL.tagAny),
    bias: memoryDesc(dnn, [g.outChannels], DNNL.tagA),
    strides: dims([g.strideHeight, g.strideWidth]),
    // oneDNN counts dilation from 0 (no gaps), TF from 1.
    dilates: dims([g.dilationHeight - 1, g.dilationWidth - 1]),
    padL: dims([g.padTop, g.padLeft]),
    padR: dims([g.padBottom, g.padRight]),
  };
}

function forwardDesc(
  dnn: OneDnn,
  d: Descs,
  withBias: boolean,
  attr: Deno.PointerValue,
): Deno.PointerValue {
  const op = opDesc();
  check(
    dnn.symbols.dnnl_dilated_convolution_forward_desc_init(
      op,
      DNNL.forwardTraining,
      DNNL.convolutionDirect,
      d.src,
      d.filterAny,
      withBias ? d.bias : null,
      d.dst,
      d.strides,
      d.dilates,
      d.padL,
      d.padR,
    ),
    "convolution_forward_desc_init",
  );
  return primitiveDesc(dnn, op, attr, null, "convolution forward primitive");
}

/**
 * Binds the user's HWIO filter to the layout `wanted`; `toUser` reorders the
 * primitive's result back (filter gradient) instead of feeding it in.
 */
function filterPort(
  dnn: OneDnn,
  user: MemoryDesc,
  wanted: Deno.PointerValue,
  toUser: boolean,
): FilterPort {
  const userMemory = createMemory(dnn, descPointer(user));
  if (sameLayout(dnn, descPointer(user), wanted)) {
    return { user: userMemory, inner: userMemory, innerBytes: 0, reorder: null };
  }
  const inner = createMemory(dnn, wanted);
  const innerBytes = descSize(dnn, wanted);
  const reorder = toUser
    ? createReorder(dnn, wanted, descPointer(user))
    : createReorder(dnn, descPointer(user), wanted);
  return { user: userMemory, inner, innerBytes, reorder };
}

/** Points the port's inner memory at the shared scratch (before every use). */
function attachScratch(dnn: OneDnn, port: FilterPort): void {
  if (port.reorder) setHandle(dnn, port.inner, sharedScratch(port.innerBytes));
}

function forwardEntry(dnn: OneDnn, g: ConvGeometry, options: ConvForwardOptions): Entry {
  const relu = options.relu ? (options.reluAlpha ?? 0) : null;
  const withBias = options.bias !== undefined;
  return cachedPrimitives(keyOf("forward", g, `${withBias ? "bias" : ""} ${relu ?? ""}`), () => {
    const d = descsOf(dnn, g);
    const attr = relu === null ? null : reluAttr(dnn, relu);
    const pd = forwardDesc(dnn, d, withBias, attr);
    if (attr) dnn.symbols.dnnl_primitive_attr_destroy(attr);
    try {
      const filter = filterPort(dnn, d.filterUser, queryMd(dnn, pd, DNNL.queryWeightsMd), false);
      const memories: [number, Deno.PointerValue][] = [
        [DNNL.argSrc, createMemory(dnn, descPointer(d.src))],
        [DNNL.argWeights, filter.inner],
        [DNNL.argDst, createMemory(dnn, descPointer(d.dst))],
      ];
      if (withBias) memories.push([DNNL.argBias, createMemory(dnn, descPointer(d.bias))]);
      return {
        main: bindPrimitive(dnn, pd, memories),
        filter,
      };
    } finally {
      dnn.symbols.dnnl_primitive_desc_destroy(pd);
    }
  });
}

function reorderFilter(dnn: OneDnn, port: FilterPort, data: Deno.PointerValue, toUser: boolean) {
  if (!port.reorder) return;
  attachScratch(dnn, port);
  setHandle(dnn, port.user, data);
  const [from, to] = toUser ? [port.inner, port.user] : [port.user, port.inner];
  execute(dnn, port.reorder, [
    { arg: DNNL.argSrc, memory: from },
    { arg: DNNL.argDst, memory: to },
  ], "filter reorder");
}

/** The filter's data argument when no reorder stands between it and the primitive. */
function directFilter(
  entry: Entry,
  arg: number,
  data: Deno.PointerValue,
): [number, Deno.PointerValue][] {
  return entry.filter.reorder ? [] : [[arg, data]];
}

/** y = conv(x, filter) [+ bias] [relu]; x NHWC, filter HWIO, y NHWC. */
export function convForward(
  dnn: OneDnn,
  g: ConvGeometry,
  io: { x: Deno.PointerValue; filter: Deno.PointerValue; y: Deno.PointerValue },
  options: ConvForwardOptions = {},
): void {
  const entry = forwardEntry(dnn, g, options);
  reorderFilter(dnn, entry.filter, io.filter, false);
  runBound(dnn, entry.main, [
    [DNNL.argSrc, io.x],
    [DNNL.argDst, io.y],
    ...directFilter(entry, DNNL.argWeights, io.filter),
    ...(options.bias ? [[DNNL.argBias, options.bias] as [number, Deno.PointerValue]] : []),
  ], "convolution forward");
}

/**
 * A backward primitive (data or weights gradient) with the forward
 * primitive descriptor oneDNN wants as its hint.
 */
function backwardEntry(
  dnn: OneDnn,
  g: ConvGeometry,
  kind: "data" | "weights",
): Entry {
  return cachedPrimitives(keyOf(`backward ${kind}`, g), () => {
    const d = descsOf(dnn, g);
    const hint = forwardDesc(dnn, d, false, null);
    const op = opDesc();
    const s = dnn.symbols;
    check(
      kind === "data"
        ? s.dnnl_dilated_convolution_backward_data_desc_init(
          op,
          DNNL.convolutionDirect,
          d.src,
          d.filterAny,
          d.dst,
          d.strides,
          d.dilates,
          d.padL,
          d.padR,
        )
        : s.dnnl_dilated_convolution_backward_weights_desc_init(
          op,
          DNNL.convolutionDirect,
          d.src,
          d.filterAny,
          null,
          d.dst,
          d.strides,
          d.dilates,
          d.padL,
          d.padR,
        ),
      `convolution_backward_${kind}_desc_init`,
    );
    let pd: Deno.PointerValue = null;
    try {
      pd = primitiveDesc(dnn, op, null, hint, `convolution backward-${kind} primitive`);
      const src = createMemory(dnn, descPointer(d.src));
      const dst = createMemory(dnn, descPointer(d.dst));
      if (kind === "data") {
        const filter = filterPort(dnn, d.filterUser, queryMd(dnn, pd, DNNL.queryWeightsMd), false);
        const main = bindPrimitive(dnn, pd, [
          [DNNL.argDiffDst, dst],
          [DNNL.argWeights, filter.inner],
          [DNNL.argDiffSrc, src],
        ]);
        return { main, filter };
      }
      const filter = filterPort(dnn, d.filterUser, queryMd(dnn, pd, DNNL.queryDiffWeightsMd), true);
      const main = bindPrimitive(dnn, pd, [
        [DNNL.argSrc, src],
        [DNNL.argDiffDst, dst],
        [DNNL.argDiffWeights, filter.inner],
      ]);
      return { main, filter };
    } finally {
      if (pd) s.dnnl_primitive_desc_destroy(pd);
      s.dnnl_primitive_desc_destroy(hint);
    }
  });
}

/** dx = the gradient of conv(x, filter) with respect to x, given dy. */
export function convBackwardData(
  dnn: OneDnn,
  g: ConvGeometry,
  io: { dy: Deno.PointerValue; filter: Deno.PointerValue; dx: Deno.PointerValue },
): void {
  const entry = backwardEntry(dnn, g, "data");
  reorderFilter(dnn, entry.filter, io.filter, false);
  runBound(dnn, entry.main, [
    [DNNL.argDiffDst, io.dy],
    [DNNL.argDiffSrc, io.dx],
    ...directFilter(entry, DNNL.argWeights, io.filter),
  ], "convolution backward data");
}

/** dFilter (HWIO) = the gradient of conv(x, filter) with respect to the filter. */
export function convBackwardFilter(
  dnn: OneDnn,
  g: ConvGeometry,
  io: { x: Deno.PointerValue; dy: Deno.PointerValue; dFilter: Deno.PointerValue },
): void {
  const entry = backwardEntry(dnn, g, "weights");
  attachScratch(dnn, entry.filter);
  runBound(dnn, entry.main, [
    [DNNL.argSrc, io.x],
    [DNNL.argDiffDst, io.dy],
    ...directFilter(entry, DNNL.argDiffWeights, io.dFilter),
  ], "convolution backward weights");
  reorderFilter(dnn, entry.filter, io.dFilter, true);
}
