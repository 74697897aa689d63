/**
 * Gzip detection and decompression with the platform's streams.
 *
 * @module
 */
import { readRegularFile } from "./fs.ts";

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses gzip bytes; `source` names the file in errors. */
export async function gunzip(bytes: Uint8Array, source: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as BufferSource]).stream().pipeThrough(
      new DecompressionStream("gzip"),
    );
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (err) {
    throw new Error(`${source}: corrupt or truncated gzip data (${(err as Error).message})`);
  }
}

/** Reads a file, decompressing it when it is gzip. */
export async function readMaybeGzip(path: string): Promise<Uint8Array> {
  const bytes = await readRegularFile(path);
  return isGzip(bytes) ? await gunzip(bytes, path) : bytes;
}
