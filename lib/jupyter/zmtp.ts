/**
 * ZMTP 3.0 (ZeroMQ's wire protocol) over TCP, NULL security: enough of it
 * to stand between a Jupyter frontend and a kernel (DEALER/ROUTER,
 * PUB/SUB, REQ/REP peers), with whole multipart messages in and out.
 *
 * @module
 */

const MORE = 1, LONG = 2, COMMAND = 4;

/** One ZMTP connection after its handshake. */
export class ZmtpConnection {
  /** The peer's READY properties (`Socket-Type`, `Identity`). */
  readonly peer: Map<string, Uint8Array>;
  #conn: Deno.Conn;
  #sending: Promise<void> = Promise.resolve();

  private constructor(conn: Deno.Conn, peer: Map<string, Uint8Array>) {
    this.#conn = conn;
    this.peer = peer;
  }

  /** Greets, sends READY with `socketType` (and `identity`), reads the peer's. */
  static async handshake(
    conn: Deno.Conn,
    socketType: string,
    options: { asServer: boolean; identity?: Uint8Array },
  ): Promise<ZmtpConnection> {
    const greeting = new Uint8Array(64);
    greeting[0] = 0xff;
    greeting[9] = 0x7f;
    greeting[10] = 3;
    greeting.set(new TextEncoder().encode("NULL"), 12);
    greeting[32] = options.asServer ? 1 : 0;
    await writeAll(conn, greeting);
    const props: [string, Uint8Array][] = [["Socket-Type", new TextEncoder().encode(socketType)]];
    if (options.identity) props.push(["Identity", options.identity]);
    await writeAll(conn, frame(readyBody(props), COMMAND));
    const c = new ZmtpConnection(conn, new Map());
    const peerGreeting = await c.#take(64);
    if (peerGreeting[0] !== 0xff || peerGreeting[9] !== 0x7f || peerGreeting[10] < 3) {
      throw new Error("peer does not speak ZMTP 3");
    }
    const ready = await c.#frame();
    if (!ready || !(ready.flags & COMMAND)) throw new Error("no READY from the peer");
    parseReady(ready.body, c.peer);
    return c;
  }

  // Received bytes not yet consumed: chunks, joined only as far as a read needs.
  #chunks: Uint8Array[] = [];
  #buffered = 0;

  #readBuffer = new Uint8Array(1 << 20);

  async #fill(): Promise<boolean> {
    // One read buffer, reused; the chunk keeps only the bytes that came (a heartbeat is 2).
    const n = await this.#conn.read(this.#readBuffer);
    if (n === null) return false;
    this.#chunks.push(this.#readBuffer.slice(0, n));
    this.#buffered += n;
    return true;
  }

  async #take(n: number): Promise<Uint8Array> {
    while (this.#buffered < n) {
      if (!(await this.#fill())) throw new Error("connection closed");
    }
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = this.#chunks[0];
      const k = Math.min(c.length, n - at);
      out.set(c.subarray(0, k), at);
      at += k;
      if (k === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(k);
    }
    this.#buffered -= n;
    return out;
  }

  async #frame(): Promise<{ flags: number; body: Uint8Array } | undefined> {
    let flags: number;
    try {
      flags = (await this.#take(1))[0];
    } catch {
      return undefined;
    }
    const size = flags & LONG
      ? Number(new DataView((await this.#take(8)).buffer).getBigUint64(0))
      : (await this.#take(1))[0];
    return { flags, body: await this.#take(size) };
  }

  /** The next whole message (its frames), or undefined when the peer is gone. */
  async receive(): Promise<Uint8Array[] | undefined> {
    const parts: Uint8Array[] = [];
    while (true) {
      const f = await this.#frame();
      if (!f) return undefined;
      if (f.flags & COMMAND) continue; // PING and friends: not used with ZMTP 3.0 peers
      parts.push(f.body);
      if (!(f.flags & MORE)) return parts;
    }
  }

  /** Sends one multipart message (sends are serialised). */
  send(parts: Uint8Array[]): Promise<void> {
    const bytes = concat(parts.map((p, i) => frame(p, i < parts.length - 1 ? MORE : 0)));
    this.#sending = this.#sending.then(() => writeAll(this.#conn, bytes));
    return this.#sending;
  }

  /** Closes the connection. */
  close(): void {
    try {
      this.#conn.close();
    } catch { /* closed */ }
  }
}

function frame(body: Uint8Array, flags: number): Uint8Array {
  const long = body.length > 255;
  const head = new Uint8Array(long ? 9 : 2);
  head[0] = flags | (long ? LONG : 0);
  if (long) new DataView(head.buffer).setBigUint64(1, BigInt(body.length));
  else head[1] = body.length;
  return concat([head, body]);
}

function readyBody(props: [string, Uint8Array][]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [Uint8Array.of(5), enc.encode("READY")];
  for (const [name, value] of props) {
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, value.length);
    parts.push(Uint8Array.of(name.length), enc.encode(name), len, value);
  }
  return concat(parts);
}

function parseReady(body: Uint8Array, into: Map<string, Uint8Array>) {
  const dec = new TextDecoder();
  let p = 1 + body[0]; // "READY"
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  while (p < body.length) {
    const n = body[p];
    const name = dec.decode(body.subarray(p + 1, p + 1 + n));
    const len = view.getUint32(p + 1 + n);
    into.set(name, body.slice(p + 5 + n, p + 5 + n + len));
    p += 5 + n + len;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}
