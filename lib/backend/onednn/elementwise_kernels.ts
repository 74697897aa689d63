/**
 * tfjs wasm kernels for element-wise ops on oneDNN (multi-threaded), used
 * for tensors of 32 Ki elements or more; smaller ones, other dtypes and
 * broadcasts other than scalar or trailing-row go to the stock kernel.
 *
 * @module
 */
import {
  Add,
  backend_util,
  type KernelFunc,
  Multiply,
  RealDiv,
  Relu,
  Relu6,
  Sqrt,
  Square,
  Sub,
  type TensorInfo,
} from "@tensorflow/tfjs";
import { binaryOp, type BinaryShape, unaryOp } from "./elementwise.ts";
import { type NamedKernel, withFallback } from "./fallback.ts";
import { allFloat, dnn, type KernelArgs, output, pointerOf, product, stockFor } from "./memory.ts";
import { DNNL } from "./library.ts";

/** Below this many elements the FFI round trip costs more than it saves. */
const MIN_ELEMENTS = 32768;

/** True when `short` equals the trailing dimensions of `long` (leading 1s ignored). */
function isTrailing(short: number[], long: number[]): boolean {
  const s = [...short];
  while (s.length > 0 && s[0] === 1) s.shift();
  if (s.length > long.length) return false;
  return s.every((d, i) => d === long[long.length - s.length + i]);
}

function binaryKernel(name: string, alg: number, commutative: boolean): KernelFunc {
  return (args: KernelArgs) => {
    let { a, b } = args.inputs as Record<string, TensorInfo>;
    const size = (t: TensorInfo) => product(t.shape);
    const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const n = product(outShape);
    if (!allFloat(a, b) || n < MIN_ELEMENTS) return stockFor(args, name)(args);
    if (size(a) !== n && commutative) [a, b] = [b, a];
    let shape: BinaryShape | undefined;
    if (size(a) === n) {
      if (size(b) === n) shape = { alg, rows: 1, columns: n, broadcast: "none" };
      else if (size(b) === 1) shape = { alg, rows: 1, columns: n, broadcast: "scalar" };
      else if (isTrailing(b.shape, a.shape)) {
        shape = { alg, rows: n / size(b), columns: size(b), broadcast: "row" };
      }
    }
    if (!shape) return stockFor(args, name)(args);
    const backend = args.backend;
    const spec = shape;
    return output(backend, outShape, (out) => {
      const io = {
        a: pointerOf(backend, a),
        b: pointerOf(backend, b),
        out: pointerOf(backend, out),
      };
      binaryOp(dnn(), spec, io);
    });
  };
}

function unaryKernel(
  name: string,
  alg: number,
  params: { alpha?: number; beta?: number } = {},
): KernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs as Record<string, TensorInfo>;
    const size = product(x.shape);
    if (!allFloat(x) || size < MIN_ELEMENTS) return stockFor(args, name)(args);
    const backend = args.backend;
    return output(backend, x.shape, (out) => {
      unaryOp(dnn(), { alg, size, ...params }, {
        x: pointerOf(backend, x),
        out: pointerOf(backend, out),
      });
    });
  };
}

const stockFunc = (name: string) => (args: KernelArgs) => stockFor(args, name);

/** The element-wise kernels, each falling back to the stock one. */
export const ELEMENTWISE_KERNELS: readonly NamedKernel[] = [
  withFallback(Add, binaryKernel(Add, DNNL.binaryAdd, true), stockFunc(Add)),
  withFallback(Multiply, binaryKernel(Multiply, DNNL.binaryMul, true), stockFunc(Multiply)),
  withFallback(RealDiv, binaryKernel(RealDiv, DNNL.binaryDiv, false), stockFunc(RealDiv)),
  withFallback(Sub, binaryKernel(Sub, DNNL.binarySub, false), stockFunc(Sub)),
  withFallback(Sqrt, unaryKernel(Sqrt, DNNL.eltwiseSqrt), stockFunc(Sqrt)),
  withFallback(Square, unaryKernel(Square, DNNL.eltwiseSquare), stockFunc(Square)),
  withFallback(Relu, unaryKernel(Relu, DNNL.eltwiseRelu), stockFunc(Relu)),
  withFallback(
    Relu6,
    unaryKernel(Relu6, DNNL.eltwiseClip, { alpha: 0, beta: 6 }),
    stockFunc(Relu6),
  ),
];
