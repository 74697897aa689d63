/**
 * The project's Jupyter kernel: Deno's own kernel behind a small proxy that
 * hands it one cell at a time. The Deno 2.9 kernel labels every output with
 * the most recently *received* execute request, and under Run All the
 * frontend sends all of them at once, so a cell's output landed under later
 * cells. The proxy holds each `execute_request` until the previous cell is
 * idle and its late outputs are in, and it publishes a cell's "idle" only
 * after those late outputs (the kernel can send a cell's last display after
 * its idle, which frontends that stop at idle, nbconvert included, drop).
 * Every other message (kernel info, completion, control, stdin) passes
 * straight through, and it answers heartbeats itself.
 *
 * usage (from the kernelspec): deno run -A scripts/kernel_proxy.ts CONNECTION_FILE
 *
 * @module
 */
import { ZmtpConnection } from "../lib/util/zmtp.ts";

/** Quiet time after a cell's idle before the next cell may start (its late outputs). */
const LINGER_MS = 300;

interface ConnectionInfo {
  ip: string;
  transport: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
}

function freePort(ip: string): number {
  const l = Deno.listen({ hostname: ip, port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function connectKernel(ip: string, port: number): Promise<Deno.Conn> {
  for (let i = 0;; i++) {
    try {
      return await Deno.connect({ hostname: ip, port });
    } catch (err) {
      if (i > 300) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const decoder = new TextDecoder();

const DELIMITER = new TextEncoder().encode("<IDS|MSG>");

/**
 * Header and parent header of a Jupyter message (frames after `<IDS|MSG>`);
 * the content (which can be megabytes of chart) only for status messages.
 */
function parse(frames: Uint8Array[]) {
  const at = frames.findIndex((f) =>
    f.length === DELIMITER.length && f.every((b, i) => b === DELIMITER[i])
  );
  if (at < 0 || frames.length < at + 6) return undefined;
  const json = (i: number) => JSON.parse(decoder.decode(frames[at + i]));
  const header = json(2);
  return {
    header,
    parent: json(3),
    content: header.msg_type === "status" ? json(5) : undefined,
  };
}

async function main(connectionFile: string) {
  const info: ConnectionInfo = JSON.parse(await Deno.readTextFile(connectionFile));
  const ip = info.ip;
  const inner = {
    ...info,
    shell_port: freePort(ip),
    iopub_port: freePort(ip),
    stdin_port: freePort(ip),
    control_port: freePort(ip),
    hb_port: freePort(ip),
  };
  const innerFile = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(innerFile, JSON.stringify(inner));
  const kernel = new Deno.Command(Deno.execPath(), {
    args: ["jupyter", "--kernel", "--conn", innerFile],
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  kernel.status.then(async (s) => {
    await Deno.remove(innerFile).catch(() => {});
    Deno.exit(s.code);
  });
  // Interrupt and terminate go to the kernel (which ends this proxy when it exits): never
  // leave an orphaned kernel behind.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      try {
        kernel.kill(signal);
      } catch { /* already gone */ }
    });
  }

  // One execute request at a time: the next goes in once the previous cell is idle and quiet.
  const queue: { send: () => Promise<void>; id: string }[] = [];
  const subscribers = new Set<ZmtpConnection>();
  const publish = (m: Uint8Array[]) => {
    for (const s of subscribers) s.send(m).catch(() => subscribers.delete(s));
  };
  let inFlight: string | undefined;
  let lastOutput = 0;
  const pump = () => {
    if (inFlight || queue.length === 0) return;
    const next = queue.shift()!;
    inFlight = next.id;
    void next.send();
  };
  /** The cell's idle, published once nothing more came for it for LINGER_MS. */
  const release = (id: string, idle: Uint8Array[]) => {
    const check = () => {
      if (inFlight !== id) return;
      const quiet = performance.now() - lastOutput;
      if (quiet < LINGER_MS) return void setTimeout(check, LINGER_MS - quiet);
      publish(idle);
      inFlight = undefined;
      pump();
    };
    setTimeout(check, LINGER_MS);
  };

  const serve = async (
    port: number,
    socketType: string,
    handle: (front: ZmtpConnection) => Promise<void>,
  ) => {
    for await (const conn of Deno.listen({ hostname: ip, port })) {
      (async () => {
        const front = await ZmtpConnection.handshake(conn, socketType, { asServer: true });
        try {
          await handle(front);
        } finally {
          front.close();
        }
      })().catch(() => {});
    }
  };

  // shell, control, stdin: a kernel-side DEALER per frontend connection, with its identity.
  const paired = (innerPort: number, serialise: boolean) => async (front: ZmtpConnection) => {
    const back = await ZmtpConnection.handshake(await connectKernel(ip, innerPort), "DEALER", {
      asServer: false,
      identity: front.peer.get("Identity"),
    });
    const fromKernel = (async () => {
      for (let m; (m = await back.receive());) await front.send(m);
    })();
    for (let m; (m = await front.receive());) {
      const msg = serialise ? parse(m) : undefined;
      if (msg?.header?.msg_type === "execute_request") {
        const frames = m;
        queue.push({ id: msg.header.msg_id, send: () => back.send(frames) });
        pump();
      } else await back.send(m);
    }
    back.close();
    await fromKernel.catch(() => {});
  };

  (async () => {
    const sub = await ZmtpConnection.handshake(await connectKernel(ip, inner.iopub_port), "SUB", {
      asServer: false,
    });
    await sub.send([Uint8Array.of(1)]); // subscribe to everything
    for (let m; (m = await sub.receive());) {
      const msg = parse(m);
      const parent = msg?.parent?.msg_id;
      if (parent && parent === inFlight) {
        lastOutput = performance.now();
        if (msg!.header.msg_type === "status" && msg!.content.execution_state === "idle") {
          release(parent, m); // held back until the cell's late outputs are out
          continue;
        }
      }
      publish(m);
    }
  })();

  await Promise.all([
    serve(info.shell_port, "ROUTER", paired(inner.shell_port, true)),
    serve(info.control_port, "ROUTER", paired(inner.control_port, false)),
    serve(info.stdin_port, "ROUTER", paired(inner.stdin_port, false)),
    serve(info.iopub_port, "PUB", async (front) => {
      subscribers.add(front);
      while (await front.receive()); // subscriptions: everything goes to everyone
      subscribers.delete(front);
    }),
    serve(info.hb_port, "REP", async (front) => {
      for (let m; (m = await front.receive());) await front.send(m);
    }),
  ]);
}

if (import.meta.main) {
  if (Deno.args.length !== 1) {
    console.error("usage: kernel_proxy.ts CONNECTION_FILE");
    Deno.exit(2);
  }
  await main(Deno.args[0]);
}
