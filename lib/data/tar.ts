/**
 * A minimal reader for ustar/GNU tar archives (optionally gzipped): enough
 * to read dataset archives such as `cifar-10-binary.tar.gz` in memory.
 *
 * @module
 */
import { gunzip, isGzip } from "../util/mod.ts";

/** One regular file of an archive. */
export interface TarEntry {
  /** Path inside the archive. */
  name: string;
  /** File contents (a view into the archive bytes). */
  data: Uint8Array;
}

const decoder = new TextDecoder();

function field(block: Uint8Array, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return decoder.decode(end < 0 ? raw : raw.subarray(0, end));
}

function octal(block: Uint8Array, offset: number, length: number, source: string): number {
  const text = field(block, offset, length).trim();
  if (!/^[0-7]*$/.test(text)) {
    throw new Error(`${source}: corrupt tar header (size field '${text}')`);
  }
  return text === "" ? 0 : parseInt(text, 8);
}

/** Lists the regular files of a tar or tar.gz held in memory. */
export async function readTar(bytes: Uint8Array, source: string): Promise<TarEntry[]> {
  const tar = isGzip(bytes) ? await gunzip(bytes, source) : bytes;
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12, source);
    const type = String.fromCharCode(header[156] || 0x30);
    const prefix = field(header, 345, 155);
    let name = field(header, 0, 100);
    if (prefix) name = `${prefix}/${name}`;
    const start = offset + 512;
    if (start + size > tar.length) {
      throw new Error(
        `${source}: truncated tar archive: '${name}' needs ${size} bytes, ${
          tar.length - start
        } left`,
      );
    }
    const data = tar.subarray(start, start + size);
    if (type === "L") {
      longName = decoder.decode(data).replace(/\0.*$/s, "");
    } else if (type === "0" || type === "\0" || type === "7") {
      entries.push({ name: longName ?? name, data });
      longName = undefined;
    } else {
      longName = undefined;
    }
    offset = start + Math.ceil(size / 512) * 512;
  }
  return entries;
}
