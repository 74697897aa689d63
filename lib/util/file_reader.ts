/**
 * Random-access file reads with bounds checks and clear errors.
 *
 * @module
 */

import { regularFile } from "./fs.ts";

/** Random-access reads of a file with bounds checks. */
export class FileReader {
  readonly path: string;
  readonly size: number;
  #file: Deno.FsFile;

  private constructor(path: string, file: Deno.FsFile, size: number) {
    this.path = path;
    this.#file = file;
    this.size = size;
  }

  /**
   * Opens `path` for reading; `what` names the file in errors ("data shard").
   * Anything but a regular file is refused before it is opened.
   */
  static async open(path: string, what = "file"): Promise<FileReader> {
    await regularFile(path, what);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (err) {
      throw new Error(`${path}: cannot open (${(err as Error).message})`);
    }
    const size = (await file.stat()).size;
    return new FileReader(path, file, size);
  }

  #inFlight: Promise<unknown> = Promise.resolve();
  #busy = false;

  /**
   * Reads `length` bytes at `offset` into `into` (at `at`) or a new buffer.
   * `what` names the thing being read in errors. Concurrent calls are
   * serialised (they share the file position); an idle reader dispatches the
   * read at once, so a caller can overlap it with work before awaiting.
   */
  read(
    offset: number,
    length: number,
    what: string,
    into?: Uint8Array,
    at = 0,
  ): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      return Promise.reject(
        new Error(
          `${this.path}: truncated: ${what} needs bytes ${offset}..${
            offset + length
          }, file has ${this.size}`,
        ),
      );
    }
    const run = () =>
      this.#readNow(
        offset,
        length,
        what,
        into ? into.subarray(at, at + length) : allocate(length, `${this.path}: ${what}`),
      );
    const result = this.#busy ? this.#inFlight.catch(() => {}).then(run) : run();
    this.#inFlight = result;
    return result;
  }

  async #readNow(
    offset: number,
    length: number,
    what: string,
    out: Uint8Array,
  ): Promise<Uint8Array> {
    this.#busy = true;
    try {
      this.#file.seekSync(offset, Deno.SeekMode.Start);
      let done = 0;
      while (done < length) {
        const n = await this.#file.read(out.subarray(done));
        if (n === null) throw new Error(`${this.path}: unexpected end of file reading ${what}`);
        done += n;
      }
      return out;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Reads like {@linkcode read} and returns the CRC32C of the bytes too. The
   * checksum of each chunk is computed while the next chunk is being read
   * (file reads run off the JS thread), so checking costs little extra time.
   */
  async readChecksummed(
    offset: number,
    length: number,
    what: string,
    crc: (data: Uint8Array, seed: number) => number,
  ): Promise<{ bytes: Uint8Array; crc: number }> {
    const chunk = 32 << 20;
    if (length <= chunk || offset < 0 || offset + length > this.size) {
      const bytes = await this.read(offset, length, what);
      return { bytes, crc: crc(bytes, 0) };
    }
    const out = allocate(length, `${this.path}: ${what}`);
    let sum = 0;
    let pending = this.read(offset, Math.min(chunk, length), what, out, 0);
    for (let at = 0; at < length; at += chunk) {
      const current = await pending;
      const next = at + chunk;
      if (next < length) {
        pending = this.read(offset + next, Math.min(chunk, length - next), what, out, next);
      }
      sum = crc(current, sum);
    }
    return { bytes: out, crc: sum };
  }

  /** Closes the file. */
  close(): void {
    try {
      this.#file.close();
    } catch { /* already closed */ }
  }
}

/** A zeroed buffer, or an error naming `what` and the size when memory runs out. */
function allocate(length: number, what: string): Uint8Array {
  try {
    return new Uint8Array(length);
  } catch {
    throw new Error(
      `${what}: cannot allocate ${length} bytes (${(length / 2 ** 30).toFixed(2)} GiB)`,
    );
  }
}
