/**
 * Random-access file reads with bounds checks and clear errors.
 *
 * @module
 */

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

  /** Opens `path` for reading. */
  static async open(path: string): Promise<FileReader> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (err) {
      throw new Error(`${path}: cannot open (${(err as Error).message})`);
    }
    const size = (await file.stat()).size;
    return new FileReader(path, file, size);
  }

  /**
   * Reads `length` bytes at `offset` into `into` (at `at`) or a new buffer.
   * `what` names the thing being read in errors.
   */
  async read(offset: number, length: number, what: string, into?: Uint8Array, at = 0): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new Error(
        `${this.path}: truncated: ${what} needs bytes ${offset}..${offset + length}, file has ${this.size}`,
      );
    }
    const out = into ? into.subarray(at, at + length) : new Uint8Array(length);
    await this.#file.seek(offset, Deno.SeekMode.Start);
    let done = 0;
    while (done < length) {
      const n = await this.#file.read(out.subarray(done));
      if (n === null) throw new Error(`${this.path}: unexpected end of file reading ${what}`);
      done += n;
    }
    return out;
  }

  /** Closes the file. */
  close(): void {
    try {
      this.#file.close();
    } catch { /* already closed */ }
  }
}

