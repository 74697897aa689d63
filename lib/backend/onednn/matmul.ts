/**
 * Matrix products on oneDNN's `dnnl_sgemm` (row-major, multi-threaded, any
 * transposition without materialising it).
 *
 * @module
 */
import { check, type OneDnn } from "./library.ts";

const N_CODE = "N".charCodeAt(0), T_CODE = "T".charCodeAt(0);

/** One row-major product c[m×n] = op(a)[m×k] · op(b)[k×n]. */
export interface GemmShape {
  m: number;
  n: number;
  k: number;
  /** a is stored as [k, m] (transposed) instead of [m, k]. */
  transposeA: boolean;
  /** b is stored as [n, k] (transposed) instead of [k, n]. */
  transposeB: boolean;
  /** Add to c's contents instead of overwriting them. */
  accumulate?: boolean;
}

/** c = op(a) · op(b) (+ c when accumulating). Pointers address f32 data. */
export function sgemm(
  dnn: OneDnn,
  shape: GemmShape,
  io: { a: Deno.PointerValue; b: Deno.PointerValue; c: Deno.PointerValue },
): void {
  const { m, n, k, transposeA, transposeB } = shape;
  check(
    dnn.symbols.dnnl_sgemm(
      transposeA ? T_CODE : N_CODE,
      transposeB ? T_CODE : N_CODE,
      BigInt(m),
      BigInt(n),
      BigInt(k),
      1,
      io.a,
      BigInt(transposeA ? m : k),
      io.b,
      BigInt(transposeB ? k : n),
      shape.accumulate ? 1 : 0,
      io.c,
      BigInt(n),
    ),
    `sgemm ${m}×${k}·${k}×${n}`,
  );
}
