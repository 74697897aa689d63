/**
 * oneDNN (Debian's `libdnnl2`, the library PyTorch's CPU convolutions use)
 * through Deno FFI: loading, the handful of C calls our kernels need, and
 * typed helpers for descriptors, memory objects and primitives.
 *
 * Only the oneDNN 2.x C API is bound (Debian bookworm ships 2.6.3); its
 * descriptors are plain structs we fill in caller-allocated buffers.
 *
 * @module
 */

/** oneDNN enum values used by the kernels (from `dnnl_types.h`, 2.x). */
export const DNNL = {
  f32: 3,
  tagAny: 1,
  tagA: 2,
  tagAb: 3,
  tagNhwc: 20,
  tagHwio: 30,
  forwardTraining: 64,
  forwardInference: 96,
  convolutionDirect: 1,
  eltwiseRelu: 31,
  poolingMax: 511,
  /** Average over the window's inside part (TF's SAME average pool). */
  poolingAvgExcludePadding: 1023,
  binaryAdd: 131056,
  binaryMul: 131057,
  binaryDiv: 131060,
  binarySub: 131061,
  eltwiseSqrt: 111,
  reductionSum: 196596,
  eltwiseSquare: 79,
  eltwiseLinear: 127,
  /** clip(x, alpha, beta); its gradient passes where alpha < x ≤ beta. */
  eltwiseClip: 255,
  argSrc: 1,
  argSrc1: 2,
  argDst: 17,
  argWeights: 33,
  argBias: 41,
  argDiffSrc: 129,
  argDiffDst: 145,
  argDiffWeights: 161,
  argWorkspace: 64,
  queryImplInfo: 8,
  querySrcMd: 129,
  queryWeightsMd: 131,
  queryDiffWeightsMd: 132,
  queryDstMd: 133,
  queryWorkspaceMd: 135,
  backward: 128,
  eltwiseReluUseDst: 256,
  argMean: 49,
  argVariance: 50,
  argScale: 51,
  argShift: 52,
  argDiffScale: 255,
  argDiffShift: 256,
  bnUseGlobalStats: 1,
  bnUseScale: 8,
  bnUseShift: 16,
} as const;

const STATUS = [
  "success",
  "out of memory",
  "invalid arguments",
  "unimplemented",
  "iterator ends",
  "runtime error",
  "not required",
];

// Descriptor buffers are over-allocated: 2.6.3's memory desc is 696 bytes,
// its convolution desc 5976; a future 2.x may grow them a little.
const MEMORY_DESC_BYTES = 2048;
const OP_DESC_BYTES = 16384;
const MAX_NDIMS = 12;
/** `DNNL_MEMORY_ALLOCATE`: the library allocates the buffer itself. */
const LIBRARY_ALLOCATES = 0xffffffffffffffffn;

const SYMBOLS = {
  dnnl_version: { parameters: [], result: "pointer" },
  dnnl_engine_create: { parameters: ["buffer", "i32", "usize"], result: "i32" },
  dnnl_stream_create: { parameters: ["buffer", "pointer", "u32"], result: "i32" },
  dnnl_stream_wait: { parameters: ["pointer"], result: "i32" },
  dnnl_memory_desc_init_by_tag: {
    parameters: ["buffer", "i32", "buffer", "i32", "i32"],
    result: "i32",
  },
  dnnl_memory_desc_init_by_strides: {
    parameters: ["buffer", "i32", "buffer", "i32", "buffer"],
    result: "i32",
  },
  dnnl_memory_desc_equal: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_memory_desc_get_size: { parameters: ["pointer"], result: "usize" },
  dnnl_dilated_convolution_forward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_data_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_weights_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_binary_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_reduction_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "f32", "f32"],
    result: "i32",
  },
  dnnl_eltwise_forward_desc_init: {
    parameters: ["buffer", "i32", "i32", "buffer", "f32", "f32"],
    result: "i32",
  },
  dnnl_eltwise_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "f32", "f32"],
    result: "i32",
  },
  dnnl_batch_normalization_forward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "f32", "u32"],
    result: "i32",
  },
  dnnl_batch_normalization_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "f32", "u32"],
    result: "i32",
  },
  dnnl_pooling_forward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_pooling_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_reorder_primitive_desc_create: {
    parameters: ["buffer", "pointer", "pointer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_primitive_desc_create: {
    parameters: ["buffer", "buffer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_primitive_desc_query: { parameters: ["pointer", "i32", "i32", "buffer"], result: "i32" },
  dnnl_primitive_desc_query_md: { parameters: ["pointer", "i32", "i32"], result: "pointer" },
  dnnl_primitive_desc_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_create: { parameters: ["buffer", "pointer"], result: "i32" },
  dnnl_primitive_execute: { parameters: ["pointer", "pointer", "i32", "buffer"], result: "i32" },
  dnnl_primitive_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_attr_create: { parameters: ["buffer"], result: "i32" },
  dnnl_primitive_attr_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_attr_set_post_ops: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_post_ops_create: { parameters: ["buffer"], result: "i32" },
  dnnl_post_ops_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_post_ops_append_eltwise: {
    parameters: ["pointer", "f32", "i32", "f32", "f32"],
    result: "i32",
  },
  dnnl_post_ops_append_sum: { parameters: ["pointer", "f32"], result: "i32" },
  dnnl_post_ops_append_binary: { parameters: ["pointer", "i32", "buffer"], result: "i32" },
  dnnl_memory_create: { parameters: ["buffer", "pointer", "pointer", "pointer"], result: "i32" },
  dnnl_memory_set_data_handle: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_memory_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_sgemm: {
    parameters: [
      "u8",
      "u8",
      "i64",
      "i64",
      "i64",
      "f32",
      "pointer",
      "i64",
      "pointer",
      "i64",
      "f32",
      "pointer",
      "i64",
    ],
    result: "i32",
  },
} as const;

/** The FFI symbols of libdnnl this module binds. */
export type Symbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** A memory descriptor: an opaque struct living in a JS-owned buffer. */
export type MemoryDesc = Uint8Array<ArrayBuffer>;

/** One argument of a primitive execution: a oneDNN `DNNL_ARG_*` and its memory. */
export interface ExecArg {
  /** `DNNL_ARG_*` value, e.g. {@linkcode DNNL}.argSrc. */
  arg: number;
  /** The memory object. */
  memory: Deno.PointerValue;
}

/** A loaded oneDNN: its version, one CPU engine and stream, and C calls. */
export interface OneDnn {
  /** e.g. `2.6.3`. */
  version: string;
  /** The raw symbols, for the few calls the helpers below do not wrap. */
  symbols: Symbols;
  /** The CPU engine every primitive is made for. */
  engine: Deno.PointerValue;
  /** The stream every primitive runs on (in order, synchronously). */
  stream: Deno.PointerValue;
}

function outPointer(): BigUint64Array<ArrayBuffer> {
  return new BigUint64Array(1);
}

function pointerFrom(out: BigUint64Array): Deno.PointerValue {
  return Deno.UnsafePointer.create(out[0]);
}

function pointerBits(p: Deno.PointerValue): bigint {
  return BigInt(Deno.UnsafePointer.value(p));
}

/** Throws a clear error when a oneDNN call returned a failure status. */
export function check(status: number, what: string): void {
  if (status === 0) return;
  throw new Error(`oneDNN ${what} failed: ${STATUS[status] ?? `status ${status}`}`);
}

/** A `dnnl_dims_t` (12 int64) holding `values`. */
export function dims(values: readonly number[]): BigInt64Array<ArrayBuffer> {
  const out = new BigInt64Array(MAX_NDIMS);
  values.forEach((v, i) => out[i] = BigInt(v));
  return out;
}

/** A f32 memory descriptor of logical `shape` (oneDNN order) in layout `tag`. */
export function memoryDesc(dnn: OneDnn, shape: readonly number[], tag: number): MemoryDesc {
  const md = new Uint8Array(MEMORY_DESC_BYTES);
  check(
    dnn.symbols.dnnl_memory_desc_init_by_tag(md, shape.length, dims(shape), DNNL.f32, tag),
    `memory descriptor [${shape}]`,
  );
  return md;
}

/** An f32 memory descriptor with explicit strides (elements), for layouts without a tag. */
export function memoryDescByStrides(
  dnn: OneDnn,
  shape: readonly number[],
  strides: readonly number[],
): MemoryDesc {
  const md = new Uint8Array(MEMORY_DESC_BYTES);
  check(
    dnn.symbols.dnnl_memory_desc_init_by_strides(
      md,
      shape.length,
      dims(shape),
      DNNL.f32,
      dims(strides),
    ),
    `memory descriptor [${shape}] with strides [${strides}]`,
  );
  return md;
}

/** A fresh buffer for an operation descriptor (convolution, ...). */
export function opDesc(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(OP_DESC_BYTES);
}

/** Pointer to a descriptor held in a JS buffer (valid while it is referenced). */
export function descPointer(md: MemoryDesc): Deno.PointerValue {
  return Deno.UnsafePointer.of(md);
}

/** True when two memory descriptors (pointers) describe the same layout. */
export function sameLayout(dnn: OneDnn, a: Deno.PointerValue, b: Deno.PointerValue): boolean {
  return dnn.symbols.dnnl_memory_desc_equal(a, b) !== 0;
}

/**
 * A memory object for descriptor `md`: over caller memory set later with
 * {@linkcode setHandle}, or owned by the library when `own` is true.
 */
export function createMemory(dnn: OneDnn, md: Deno.PointerValue, own = false): Deno.PointerValue {
  const out = outPointer();
  const handle = own ? Deno.UnsafePointer.create(LIBRARY_ALLOCATES) : null;
  check(dnn.symbols.dnnl_memory_create(out, md, dnn.engine, handle), "memory_create");
  return pointerFrom(out);
}

/** Bytes a memory descriptor's data takes. */
export function descSize(dnn: OneDnn, md: Deno.PointerValue): number {
  return Number(dnn.symbols.dnnl_memory_desc_get_size(md));
}

let scratch = new ArrayBuffer(0);

/**
 * A scratch area of at least `bytes`, shared by every caller: for data that
 * lives only within one kernel call (a filter in a primitive's own layout).
 * Valid until the next call that asks for more.
 */
export function sharedScratch(bytes: number): Deno.PointerValue {
  if (scratch.byteLength < bytes) scratch = new ArrayBuffer(Math.ceil(bytes / 4096) * 4096);
  return Deno.UnsafePointer.of(new Uint8Array(scratch));
}

/** Points a memory object at `data`. */
export function setHandle(dnn: OneDnn, memory: Deno.PointerValue, data: Deno.PointerValue): void {
  check(dnn.symbols.dnnl_memory_set_data_handle(memory, data), "memory_set_data_handle");
}

/** Creates a primitive descriptor for an operation descriptor. */
export function primitiveDesc(
  dnn: OneDnn,
  op: Uint8Array<ArrayBuffer>,
  attr: Deno.PointerValue,
  hint: Deno.PointerValue,
  what: string,
): Deno.PointerValue {
  const out = outPointer();
  check(dnn.symbols.dnnl_primitive_desc_create(out, op, attr, dnn.engine, hint), what);
  return pointerFrom(out);
}

/** The implementation oneDNN chose for a primitive descriptor, e.g. `jit:avx2`. */
export function implementationOf(dnn: OneDnn, pd: Deno.PointerValue): string {
  const out = outPointer();
  check(dnn.symbols.dnnl_primitive_desc_query(pd, DNNL.queryImplInfo, 0, out), "query impl");
  const p = pointerFrom(out);
  return p ? Deno.UnsafePointerView.getCString(p) : "unknown";
}

/** The memory descriptor a primitive descriptor wants for `query`. */
export function queryMd(dnn: OneDnn, pd: Deno.PointerValue, query: number): Deno.PointerValue {
  const md = dnn.symbols.dnnl_primitive_desc_query_md(pd, query, 0);
  if (!md) throw new Error(`oneDNN: primitive has no memory descriptor for query ${query}`);
  return md;
}

/** Creates the primitive of a primitive descriptor. */
export function createPrimitive(dnn: OneDnn, pd: Deno.PointerValue): Deno.PointerValue {
  const out = outPointer();
  check(dnn.symbols.dnnl_primitive_create(out, pd), "primitive_create");
  return pointerFrom(out);
}

/** A reorder primitive between two layouts of the same tensor. */
export function createReorder(
  dnn: OneDnn,
  from: Deno.PointerValue,
  to: Deno.PointerValue,
): Deno.PointerValue {
  const out = outPointer();
  check(
    dnn.symbols.dnnl_reorder_primitive_desc_create(out, from, dnn.engine, to, dnn.engine, null),
    "reorder_primitive_desc_create",
  );
  const pd = pointerFrom(out);
  try {
    return createPrimitive(dnn, pd);
  } finally {
    dnn.symbols.dnnl_primitive_desc_destroy(pd);
  }
}

/** Primitive attributes with one ReLU post-op (leaky when `alpha` ≠ 0). */
export function reluAttr(dnn: OneDnn, alpha: number): Deno.PointerValue {
  return postOpsAttr(dnn, [{ kind: "eltwise", alg: DNNL.eltwiseRelu, alpha, beta: 0 }]);
}

/** One post-op: an element-wise function, an accumulation into dst, or a binary op. */
export type PostOp =
  | { kind: "eltwise"; alg: number; alpha: number; beta: number }
  | { kind: "sum"; scale: number }
  | { kind: "binary"; alg: number; src1: MemoryDesc };

/** Primitive attributes with `ops` as post-ops, in order (destroy with dnnl_primitive_attr_destroy). */
export function postOpsAttr(dnn: OneDnn, ops: PostOp[]): Deno.PointerValue {
  const attrOut = outPointer(), opsOut = outPointer();
  const s = dnn.symbols;
  check(s.dnnl_primitive_attr_create(attrOut), "primitive_attr_create");
  check(s.dnnl_post_ops_create(opsOut), "post_ops_create");
  const attr = pointerFrom(attrOut), list = pointerFrom(opsOut);
  try {
    for (const op of ops) {
      const status = op.kind === "eltwise"
        ? s.dnnl_post_ops_append_eltwise(list, 1, op.alg, op.alpha, op.beta)
        : op.kind === "sum"
        ? s.dnnl_post_ops_append_sum(list, op.scale)
        : s.dnnl_post_ops_append_binary(list, op.alg, op.src1);
      check(status, `post_ops_append_${op.kind}`);
    }
    check(s.dnnl_primitive_attr_set_post_ops(attr, list), "attr_set_post_ops");
  } finally {
    s.dnnl_post_ops_destroy(list);
  }
  return attr;
}

/** The execution argument of binary post-op number `index`'s second operand. */
export function postOpSrc1(index: number): number {
  return 16384 * (index + 1) | DNNL.argSrc1;
}

/** Runs a primitive and waits for it. */
export function execute(
  dnn: OneDnn,
  primitive: Deno.PointerValue,
  args: readonly ExecArg[],
  what: string,
): void {
  // dnnl_exec_arg_t is {int arg; dnnl_memory_t memory}: 16 bytes on x86-64.
  const packed = new BigUint64Array(args.length * 2);
  args.forEach(({ arg, memory }, i) => {
    packed[2 * i] = BigInt(arg);
    packed[2 * i + 1] = pointerBits(memory);
  });
  const bytes = new Uint8Array(packed.buffer);
  check(dnn.symbols.dnnl_primitive_execute(primitive, dnn.stream, args.length, bytes), what);
  check(dnn.symbols.dnnl_stream_wait(dnn.stream), `${what} (wait)`);
}

let loaded: OneDnn | string | undefined;

/**
 * Loads oneDNN 2.x once per process (`libdnnl.so.2`, or the file named by
 * `TL_ONEDNN_LIB`). Returns the library, or a one-line reason it is
 * unavailable (not installed, FFI not permitted, wrong major version);
 * never throws.
 */
export function loadOneDnn(): OneDnn | string {
  if (loaded !== undefined) return loaded;
  loaded = open();
  return loaded;
}

function open(): OneDnn | string {
  let lib: Deno.DynamicLibrary<typeof SYMBOLS>;
  let path = "libdnnl.so.2";
  try {
    // A oneDNN 2.x outside the loader's path (a conda or pip install) can be named.
    path = Deno.env.get("TL_ONEDNN_LIB") || path;
    lib = Deno.dlopen(path, SYMBOLS);
  } catch (err) {
    const message = (err as Error).message.split("\n")[0];
    if (err instanceof Deno.errors.NotCapable || /permission|--allow-ffi/i.test(message)) {
      return "oneDNN needs FFI permission (run with --allow-ffi or -A)";
    }
    if (/symbol/i.test(message)) {
      return `${path} is not a oneDNN 2.x library (${message.split(": ").pop()})`;
    }
    // dlerror repeats the path; its last clause says what went wrong.
    return `oneDNN is not installed (${path}: ${message.split(": ").pop()}); ` +
      "on Debian/Ubuntu: apt-get install libdnnl2 (or set TL_ONEDNN_LIB to its path)";
  }
  const s = lib.symbols;
  const v = new Deno.UnsafePointerView(s.dnnl_version()!);
  const version = `${v.getInt32(0)}.${v.getInt32(4)}.${v.getInt32(8)}`;
  if (v.getInt32(0) !== 2) {
    lib.close();
    return `oneDNN ${version} found, but only the 2.x C API is supported`;
  }
  const engineOut = outPointer(), streamOut = outPointer();
  try {
    check(s.dnnl_engine_create(engineOut, 1, 0n), "engine_create");
    check(s.dnnl_stream_create(streamOut, pointerFrom(engineOut), 1), "stream_create");
  } catch (err) {
    lib.close();
    return (err as Error).message;
  }
  return { version, symbols: s, engine: pointerFrom(engineOut), stream: pointerFrom(streamOut) };
}
