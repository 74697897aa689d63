/**
 * A data-only pickle reader: exactly what dataset pickles (CIFAR's python
 * version, numpy arrays) contain, and nothing that can run code. Globals are
 * looked up in a fixed table of pure data constructors; any other global, and
 * any opcode outside the table below, is an error.
 *
 * @module
 */

/** A numpy array decoded from a pickle. */
export interface NdArray {
  /** Tag of this value kind. */
  kind: "ndarray";
  /** numpy type string without byte order, e.g. `u1`, `f4`, `i8`. */
  dtype: string;
  /** Byte order: `<`, `>` or `|` (not applicable). */
  byteOrder: string;
  /** Dimensions. */
  shape: number[];
  /** Raw element bytes in C order (Fortran-ordered arrays are rejected). */
  data: Uint8Array;
}

/** Any value this reader produces. */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | Map<string, PickleValue>
  | NdArray
  | PickleDtype
  | PickleGlobal
  | PickleCustom;

/** A numpy dtype object. */
export interface PickleDtype {
  /** Tag of this value kind. */
  kind: "dtype";
  /** numpy type string without byte order, e.g. `u1`. */
  dtype: string;
  /** Byte order: `<`, `>` or `|`. */
  byteOrder: string;
}

/** A value made by an extension's constructor (e.g. a torch tensor's description). */
export interface PickleCustom {
  /** Tag of this value kind. */
  kind: "custom";
  /** What the extension made, e.g. `torch.tensor`. */
  type: string;
  /** The extension's data. */
  value: unknown;
}

/**
 * What a caller adds to the data-only reader. Every entry builds plain data
 * from plain data; nothing named in a pickle is ever imported or run.
 */
export interface PickleExtension {
  /** More callable globals (REDUCE) and the data each builds from its arguments. */
  reducers?: Record<string, (args: PickleValue[], fail: (why: string) => never) => PickleValue>;
  /** Globals that may appear as values only (type tags such as `torch.FloatStorage`). */
  tags?: string[];
  /** BINPERSID: the value a persistent id stands for (torch: a storage in the archive). */
  persistentLoad?: (pid: PickleValue, fail: (why: string) => never) => PickleValue;
}

/** A reference to one of the allowed globals (never called, only matched). */
export interface PickleGlobal {
  /** Tag of this value kind. */
  kind: "global";
  /** Dotted name, e.g. `numpy.dtype`. */
  name: string;
}

const ALLOWED_GLOBALS = new Set([
  "numpy.core.multiarray._reconstruct",
  "numpy._core.multiarray._reconstruct",
  "numpy.ndarray",
  "numpy.dtype",
  "numpy.core.numeric._frombuffer",
  "numpy._core.numeric._frombuffer",
  "_codecs.encode",
]);

const MARK = Symbol("mark");
type StackItem = PickleValue | typeof MARK;

function isKind<K extends string>(v: unknown, kind: K): v is { kind: K } {
  return typeof v === "object" && v !== null && !Array.isArray(v) &&
    !(v instanceof Uint8Array) && !(v instanceof Map) &&
    (v as { kind?: string }).kind === kind;
}

function keyOf(v: PickleValue, source: string): string {
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return latin1(v);
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  throw new Error(`${source}: unsupported pickle dict key type`);
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return s;
}

/**
 * Decodes a pickle (protocols 0–5, binary opcodes) holding plain data and
 * numpy arrays. `source` names the file in errors. `extension` admits more
 * data constructors (a torch state dict's tensors), never code.
 */
export function readPickle(
  bytes: Uint8Array,
  source: string,
  extension: PickleExtension = {},
): PickleValue {
  return readPickleAt(bytes, source, { extension }).value;
}

/**
 * Decodes the pickle that starts at `start` (files such as legacy
 * `torch.save` hold several in a row) and says where it ended.
 */
export function readPickleAt(
  bytes: Uint8Array,
  source: string,
  options: { start?: number; extension?: PickleExtension } = {},
): { value: PickleValue; end: number } {
  const extension = options.extension ?? {};
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  let pos = options.start ?? 0;

  const fail = (what: string): never => {
    throw new Error(`${source}: ${what} at byte ${pos}`);
  };
  const need = (n: number) => {
    if (pos + n > bytes.length) fail(`truncated pickle (needs ${n} more bytes)`);
  };
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), pos += 2, view.getUint16(pos - 2, true));
  const u32 = () => (need(4), pos += 4, view.getUint32(pos - 4, true));
  const i32 = () => (need(4), pos += 4, view.getInt32(pos - 4, true));
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail("pickle length too large");
    return Number(v);
  };
  const take = (n: number) => (need(n), pos += n, bytes.subarray(pos - n, pos));
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail("truncated pickle (unterminated line)");
    const text = latin1(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) fail("corrupt pickle (stack underflow)");
    return v as PickleValue;
  };
  const popMark = (): PickleValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) fail("corrupt pickle (no mark)");
    const items = stack.splice(at) as PickleValue[];
    items.shift();
    return items;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail("corrupt pickle (empty stack)");
    return v as PickleValue;
  };
  const global = (name: string): PickleGlobal => {
    if (
      !ALLOWED_GLOBALS.has(name) && !(name in (extension.reducers ?? {})) &&
      !extension.tags?.includes(name)
    ) {
      fail(`pickle refers to '${name}', which a data-only reader does not allow`);
    }
    return { kind: "global", name };
  };

  while (true) {
    if (pos >= bytes.length) fail("truncated pickle (no STOP opcode)");
    const op = bytes[pos++];
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: { // TUPLE2
        const b = pop(), a = pop();
        stack.push([a, b]);
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop(), b = pop(), a = pop();
        stack.push([a, b, c]);
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        const list = top();
        if (!Array.isArray(list)) fail("APPEND to a non-list");
        (list as PickleValue[]).push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) fail("APPENDS to a non-list");
        for (const v of items) (list as PickleValue[]).push(v);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop(), k = pop();
        const dict = top();
        if (!(dict instanceof Map)) fail("SETITEM on a non-dict");
        (dict as Map<string, PickleValue>).set(keyOf(k, source), v);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        const dict = top();
        if (!(dict instanceof Map)) fail("SETITEMS on a non-dict");
        for (let i = 0; i + 1 < items.length; i += 2) {
          (dict as Map<string, PickleValue>).set(keyOf(items[i], source), items[i + 1]);
        }
        break;
      }
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: { // LONG1
        const n = u8();
        const raw = take(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(raw[i]);
        if (n > 0 && raw[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(
          v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
            ? Number(v)
            : v,
        );
        break;
      }
      case 0x47: // BINFLOAT
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8.decode(take(u64())));
        break;
      case 0x54: // BINSTRING (python 2 str: raw bytes)
        stack.push(take(i32()));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(take(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(take(u64()));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: { // LONG_BINGET
        const idx = op === 0x68 ? u8() : u32();
        if (!memo.has(idx)) fail(`corrupt pickle (memo ${idx} missing)`);
        stack.push(memo.get(idx)!);
        break;
      }
      case 0x63: { // GLOBAL
        const mod = line(), name = line();
        stack.push(global(`${mod}.${name}`));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop(), mod = pop();
        if (typeof name !== "string" || typeof mod !== "string") fail("corrupt STACK_GLOBAL");
        stack.push(global(`${mod}.${name}`));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop(), fn = pop();
        if (!isKind(fn, "global") || !Array.isArray(args)) fail("REDUCE of a non-global");
        const name = (fn as PickleGlobal).name;
        const own = extension.reducers?.[name];
        stack.push(
          own ? own(args as PickleValue[], fail) : reduce(name, args as PickleValue[], fail),
        );
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!extension.persistentLoad) fail("a persistent id, which data pickles do not have");
        stack.push(extension.persistentLoad!(pid, fail));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const target = top();
        // State on a dict subclass (an OrderedDict's _metadata): attributes, not data.
        if (target instanceof Map) break;
        build(target, state, fail);
        break;
      }
      default:
        fail(
          `unsupported pickle opcode 0x${op.toString(16)} (this reader accepts data ` +
            `pickles only: dicts, lists, strings, numbers and numpy arrays)`,
        );
    }
  }
}

function parseDescr(descr: string): { dtype: string; byteOrder: string } {
  const m = /^([<>|=]?)([a-zA-Z]\d*)$/.exec(descr);
  if (!m) throw new Error(`unsupported numpy dtype '${descr}'`);
  return { byteOrder: m[1] || "|", dtype: m[2] };
}

function reduce(name: string, args: PickleValue[], fail: (w: string) => never): PickleValue {
  if (name.endsWith("._reconstruct")) {
    return { kind: "ndarray", dtype: "", byteOrder: "|", shape: [0], data: new Uint8Array() };
  }
  if (name === "numpy.dtype") {
    if (typeof args[0] !== "string") fail("numpy.dtype with a non-string descriptor");
    return { kind: "dtype", ...parseDescr(args[0] as string) };
  }
  if (name === "_codecs.encode") {
    // Python 3 pickles bytes for protocol 2 as encode(latin1_text, "latin1").
    const [text, encoding] = args;
    if (typeof text !== "string" || encoding !== "latin1") fail("unsupported _codecs.encode call");
    const s = text as string;
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  if (name.endsWith("._frombuffer")) {
    const [buf, dt, shape, order] = args;
    if (!(buf instanceof Uint8Array) || !isKind(dt, "dtype") || !Array.isArray(shape)) {
      fail("unsupported numpy _frombuffer call");
    }
    if (order !== "C") fail("Fortran-ordered numpy arrays are not supported");
    const d = dt as PickleDtype;
    return {
      kind: "ndarray",
      dtype: d.dtype,
      byteOrder: d.byteOrder,
      shape: shape as number[],
      data: buf as Uint8Array,
    };
  }
  return fail(`'${name}' cannot be called`);
}

function build(target: PickleValue, state: PickleValue, fail: (w: string) => never): void {
  if (isKind(target, "dtype")) {
    if (Array.isArray(state) && typeof state[1] === "string") {
      (target as PickleDtype).byteOrder = state[1] as string;
    }
    return;
  }
  if (isKind(target, "ndarray")) {
    if (!Array.isArray(state) || state.length < 5) fail("unsupported ndarray state");
    const [, shape, dt, fortran, data] = state as PickleValue[];
    if (!isKind(dt, "dtype")) fail("ndarray state without a dtype");
    if (fortran === true) fail("Fortran-ordered numpy arrays are not supported");
    let raw: Uint8Array;
    if (data instanceof Uint8Array) raw = data;
    else if (typeof data === "string") raw = Uint8Array.from(data, (c) => c.charCodeAt(0));
    else return fail("object ndarrays are not supported");
    const arr = target as NdArray;
    arr.shape = shape as number[];
    arr.dtype = (dt as PickleDtype).dtype;
    arr.byteOrder = (dt as PickleDtype).byteOrder;
    arr.data = raw;
    return;
  }
  fail("BUILD on an unsupported object");
}
