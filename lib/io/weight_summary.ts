/**
 * What `inspect` prints of a weight file: its tensors sorted by name with
 * parameter and byte totals, and a preview of a tensor's values.
 *
 * @module
 */
import {
  DTYPE_BYTES,
  elementCount,
  type WeightInfo,
  type WeightSource,
  type WeightValue,
} from "./weight_source.ts";

/** Totals of a weight source. */
export interface WeightSummary {
  /** Every tensor, sorted by name. */
  tensors: WeightInfo[];
  /** Elements over all tensors. */
  parameters: number;
  /** Bytes of numeric data (strings not counted). */
  bytes: number;
}

/** Lists `source` sorted by name, with its parameter and byte totals. */
export function summarizeWeights(source: WeightSource): WeightSummary {
  const tensors = source.list().sort((a, b) => (a.name < b.name ? -1 : 1));
  let parameters = 0, bytes = 0;
  for (const t of tensors) {
    const n = elementCount(t.shape);
    parameters += n;
    bytes += n * DTYPE_BYTES[t.dtype];
  }
  return { tensors, parameters, bytes };
}

/** The first `limit` values of a tensor (all when 0): numbers, or strings decoded as UTF-8. */
export function previewValues(v: WeightValue, limit: number): (number | string)[] {
  const all = Array.isArray(v.data) ? v.data.map((s) => new TextDecoder().decode(s)) : Array.from(
    v.data as ArrayLike<number | bigint>,
    (x) => (typeof x === "bigint" ? Number(x) : x),
  );
  return limit > 0 ? all.slice(0, limit) : all;
}
