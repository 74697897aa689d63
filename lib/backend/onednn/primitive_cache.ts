/**
 * Built oneDNN primitives with their memory objects, cached per geometry:
 * building one costs far more than running it, and training repeats the
 * same few shapes every step.
 *
 * @module
 */
import {
  createMemory,
  createPrimitive,
  descPointer,
  type ExecArg,
  execute,
  implementationOf,
  type MemoryDesc,
  type OneDnn,
  primitiveDesc,
  setHandle,
} from "./library.ts";

/** A primitive and the memory objects bound to its arguments. */
export interface BoundPrimitive {
  primitive: Deno.PointerValue;
  /** The implementation oneDNN chose, e.g. `jit:avx2`. */
  implementation: string;
  /** Memory per `DNNL_ARG_*`; caller memory is attached per run. */
  memories: Map<number, Deno.PointerValue>;
}

/** Builds the primitive of a primitive descriptor, bound to `memories`. */
export function bindPrimitive(
  dnn: OneDnn,
  pd: Deno.PointerValue,
  memories: [number, Deno.PointerValue][],
): BoundPrimitive {
  return {
    primitive: createPrimitive(dnn, pd),
    implementation: implementationOf(dnn, pd),
    memories: new Map(memories),
  };
}

/** What {@linkcode bindOperation} builds a primitive with besides the operation. */
export interface BindOptions {
  /** Primitive attributes (post-ops); the caller keeps ownership. */
  attr?: Deno.PointerValue;
  /** A forward operation descriptor whose primitive descriptor is the hint a backward one needs. */
  hint?: Uint8Array<ArrayBuffer>;
}

/**
 * The primitive of an operation descriptor, with a memory object (attached
 * to caller data per run) for each argument.
 */
export function bindOperation(
  dnn: OneDnn,
  op: Uint8Array<ArrayBuffer>,
  what: string,
  args: [number, MemoryDesc][],
  options: BindOptions = {},
): BoundPrimitive {
  const hint = options.hint
    ? primitiveDesc(dnn, options.hint, null, null, `${what} (forward hint)`)
    : null;
  try {
    const pd = primitiveDesc(dnn, op, options.attr ?? null, hint, what);
    try {
      const memories = args.map(([arg, md]): [number, Deno.PointerValue] => [
        arg,
        createMemory(dnn, descPointer(md)),
      ]);
      return bindPrimitive(dnn, pd, memories);
    } finally {
      dnn.symbols.dnnl_primitive_desc_destroy(pd);
    }
  } finally {
    if (hint) dnn.symbols.dnnl_primitive_desc_destroy(hint);
  }
}

/** Points the listed arguments at caller data, then runs the primitive. */
export function runBound(
  dnn: OneDnn,
  bound: BoundPrimitive,
  data: [number, Deno.PointerValue][],
  what: string,
): void {
  for (const [arg, pointer] of data) {
    const memory = bound.memories.get(arg);
    if (!memory) throw new Error(`oneDNN ${what}: no memory bound for argument ${arg}`);
    setHandle(dnn, memory, pointer);
  }
  const args: ExecArg[] = [...bound.memories].map(([arg, memory]) => ({ arg, memory }));
  execute(dnn, bound.primitive, args, what);
}

const LIMIT = 512;
const entries = new Map<string, { value: unknown; implementations: string[] }>();

/**
 * The cached value for `key`, built on first use. Least recently used
 * entries fall out past 512; their few KiB of native objects are left to
 * process exit (only long sweeps over many shapes get there).
 */
export function cachedPrimitives<T extends Record<string, unknown>>(
  key: string,
  build: () => T,
): T {
  const hit = entries.get(key);
  if (hit) {
    entries.delete(key);
    entries.set(key, hit);
    return hit.value as T;
  }
  const value = build();
  if (entries.size >= LIMIT) entries.delete(entries.keys().next().value!);
  const implementations = Object.values(value)
    .filter((v): v is BoundPrimitive =>
      typeof v === "object" && v !== null && "implementation" in v
    )
    .map((v) => v.implementation);
  entries.set(key, { value, implementations });
  return value;
}

/** Which oneDNN implementation each cached primitive runs (for benchmarks and tests). */
export function primitiveImplementations(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, { implementations }] of entries) out[key] = implementations.join(", ");
  return out;
}
