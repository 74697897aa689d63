/**
 * JPEG decoding on libjpeg-turbo's TurboJPEG API through Deno FFI (Debian's
 * `libturbojpeg0`): the same pixels as sharp's decoder (both are
 * libjpeg-turbo with the accurate IDCT), decoded on FFI's blocking threads
 * so that several run at once, and ~1.7× the images/s of decoding through
 * sharp here. Optional: without the library (or with `TL_TURBOJPEG=0`),
 * and for JPEGs it leaves to sharp (EXIF orientation, CMYK, any warning),
 * `decodeJpeg` returns undefined.
 *
 * @module
 */

const SYMBOLS = {
  tjInitDecompress: { parameters: [], result: "pointer" },
  tjDecompressHeader3: {
    parameters: ["pointer", "buffer", "u64", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  tjDecompress2: {
    parameters: ["pointer", "buffer", "u64", "buffer", "i32", "i32", "i32", "i32", "i32"],
    result: "i32",
    nonblocking: true,
  },
} as const;

const TJPF_RGB = 0;
/** Corrupt or truncated data fails instead of decoding to grey. */
const TJFLAG_STOPONWARNING = 8192;

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>;
let lib: Lib | null | undefined;
/** Decompressor handles are not thread-safe: one per decode in flight. */
const idle: Deno.PointerValue[] = [];

function load(): Lib | null {
  if (lib !== undefined) return lib;
  lib = null;
  if (Deno.env.get("TL_TURBOJPEG") === "0") return lib;
  for (const name of [Deno.env.get("TL_TURBOJPEG_LIB"), "libturbojpeg.so.0", "libturbojpeg.so"]) {
    if (!name) continue;
    try {
      lib = Deno.dlopen(name, SYMBOLS);
      break;
    } catch { /* try the next name, else sharp decodes */ }
  }
  return lib;
}

/** Whether JPEGs are decoded through libturbojpeg here. */
export function turboJpegAvailable(): boolean {
  return load() !== null;
}

/** Whether the JPEG carries an EXIF block (its orientation is left to sharp). */
function hasExif(b: Uint8Array): boolean {
  let i = 2;
  while (i + 4 <= b.length && b[i] === 0xff) {
    const marker = b[i + 1], len = (b[i + 2] << 8) | b[i + 3];
    if (marker === 0xda) return false; // start of scan: no more metadata
    if (marker === 0xe1 && b[i + 4] === 0x45 && b[i + 5] === 0x78 && b[i + 6] === 0x69) return true;
    i += 2 + len;
  }
  return false;
}

/** What a decoded frame must cover: both sides (`width`, `height`) or the shorter one. */
export interface AtLeast {
  width?: number;
  height?: number;
  shorter?: number;
}

/**
 * Decodes JPEG bytes to RGB (HWC), or returns undefined for sharp to handle
 * (not a JPEG, no library, EXIF, or any decoder warning or error). With
 * `atLeast` (the size the image will be resized to), large images are
 * decoded at 1/2, 1/4 or 1/8 scale in the DCT domain, as libvips'
 * shrink-on-load does, never below that size.
 */
export async function decodeJpeg(
  bytes: Uint8Array,
  atLeast: AtLeast = {},
  allocate: (bytes: number) => Uint8Array = (n) => new Uint8Array(n),
): Promise<{ data: Uint8Array; width: number; height: number } | undefined> {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || hasExif(bytes)) {
    return undefined;
  }
  const l = load();
  if (!l) return undefined;
  const handle = idle.pop() ?? l.symbols.tjInitDecompress();
  if (handle === null) return undefined;
  try {
    const dims = new Int32Array(4); // width, height, subsampling, colourspace
    const v = (k: number) => dims.subarray(k, k + 1);
    const size = BigInt(bytes.length);
    if (l.symbols.tjDecompressHeader3(handle, bytes, size, v(0), v(1), v(2), v(3)) !== 0) {
      return undefined;
    }
    // DCT-domain downscaling (1/2, 1/4, 1/8) while the result stays at least as large as asked.
    let [width, height] = [dims[0], dims[1]];
    const asked = atLeast.width ?? atLeast.height ?? atLeast.shorter;
    for (const d of asked === undefined ? [] : [8, 4, 2]) {
      const [w, h] = [Math.ceil(dims[0] / d), Math.ceil(dims[1] / d)];
      if (
        w >= (atLeast.width ?? 0) && h >= (atLeast.height ?? 0) &&
        Math.min(w, h) >= (atLeast.shorter ?? 0)
      ) {
        [width, height] = [w, h];
        break;
      }
    }
    const data = allocate(width * height * 3);
    const rc = await l.symbols.tjDecompress2(
      handle,
      bytes,
      size,
      data,
      width,
      0,
      height,
      TJPF_RGB,
      TJFLAG_STOPONWARNING,
    );
    return rc === 0 ? { data, width, height } : undefined;
  } finally {
    idle.push(handle);
  }
}
