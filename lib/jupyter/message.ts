/**
 * Jupyter's wire messages as ZMTP frames: routing identities, `<IDS|MSG>`,
 * signature, header, parent header, metadata, content, buffers.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The frame that separates routing identities from the message. */
export const DELIMITER: Uint8Array = encoder.encode("<IDS|MSG>");

/** What the proxy reads of a message. */
export interface MessageHead {
  /** The header: `msg_id`, `msg_type`, `session`, …. */
  header: { msg_id: string; msg_type: string; [key: string]: unknown };
  /** The parent header (empty object where there is none). */
  parent: { msg_id?: string; [key: string]: unknown };
  /** The content, parsed only for `status` messages (others can be megabytes of chart). */
  content?: { execution_state?: string; [key: string]: unknown };
}

/** The delimiter's index among `frames`, or -1. */
function delimiterAt(frames: Uint8Array[]): number {
  return frames.findIndex((f) =>
    f.length === DELIMITER.length && f.every((b, i) => b === DELIMITER[i])
  );
}

/** Header and parent of a Jupyter message; undefined for frames that are not one. */
export function parseMessage(frames: Uint8Array[]): MessageHead | undefined {
  const at = delimiterAt(frames);
  if (at < 0 || frames.length < at + 6) return undefined;
  try {
    const json = (i: number) => JSON.parse(decoder.decode(frames[at + i]));
    const header = json(2);
    if (typeof header?.msg_type !== "string") return undefined;
    return {
      header,
      parent: json(3) ?? {},
      content: header.msg_type === "status" ? json(5) : undefined,
    };
  } catch {
    return undefined;
  }
}

/** Parts of a message to build (tests, fake kernels). */
export interface MessageParts {
  /** Routing identities before the delimiter (a ROUTER's peer ids). */
  identities?: Uint8Array[];
  /** `msg_type` of the header. */
  msgType: string;
  /** `msg_id` of the header (random where omitted). */
  msgId?: string;
  /** The parent's header. */
  parent?: Record<string, unknown>;
  /** The content. */
  content?: Record<string, unknown>;
}

/**
 * The frames of one message, with the HMAC-SHA256 signature Jupyter expects
 * when `key` is not empty.
 */
export async function messageFrames(parts: MessageParts, key = ""): Promise<Uint8Array[]> {
  const header = {
    msg_id: parts.msgId ?? crypto.randomUUID(),
    msg_type: parts.msgType,
    session: "tl-lab",
    username: "tl-lab",
    date: new Date().toISOString(),
    version: "5.3",
  };
  const body = [header, parts.parent ?? {}, {}, parts.content ?? {}].map((o) =>
    encoder.encode(JSON.stringify(o))
  );
  let signature = "";
  if (key) {
    const k = await crypto.subtle.importKey(
      "raw",
      encoder.encode(key),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const joined = new Uint8Array(body.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of body) joined.set(b, (at += b.length) - b.length);
    signature = [...new Uint8Array(await crypto.subtle.sign("HMAC", k, joined))]
      .map((b) => b.toString(16).padStart(2, "0")).join("");
  }
  return [...(parts.identities ?? []), DELIMITER, encoder.encode(signature), ...body];
}
