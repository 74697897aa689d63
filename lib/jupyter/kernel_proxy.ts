/**
 * The project's Jupyter kernel: Deno's own kernel behind a proxy that hands
 * it one cell at a time ({@linkcode CellQueue} says why). Every other message
 * (kernel info, completion, control, stdin) passes straight through, and the
 * proxy answers heartbeats itself.
 *
 * @module
 */
import { CellQueue } from "./cell_queue.ts";
import type { CellQueueOptions } from "./cell_queue.ts";
import { parseMessage } from "./message.ts";
import { ZmtpConnection } from "./zmtp.ts";

/** A Jupyter connection file's fields. */
export interface ConnectionInfo {
  /** The address every channel listens on. */
  ip: string;
  /** `tcp`. */
  transport: string;
  /** The shell channel's port. */
  shell_port: number;
  /** The iopub channel's port. */
  iopub_port: number;
  /** The stdin channel's port. */
  stdin_port: number;
  /** The control channel's port. */
  control_port: number;
  /** The heartbeat's port. */
  hb_port: number;
  /** The HMAC key. */
  key: string;
  /** `hmac-sha256`. */
  signature_scheme: string;
}

/** The kernel behind the proxy, as far as the proxy needs it. */
export interface KernelProcess {
  /** Resolves with the exit code when the kernel ends. */
  status: Promise<{ code: number }>;
  /** Sends the kernel a signal. */
  kill(signal: Deno.Signal): void;
}

/** Options of {@linkcode startKernelProxy}. */
export interface KernelProxyOptions extends CellQueueOptions {
  /**
   * Starts the kernel on the inner connection file (default: Deno's own,
   * `deno jupyter --kernel --conn FILE`). Tests start a scripted one.
   */
  startKernel?: (innerConnectionFile: string) => KernelProcess;
  /** Forward SIGINT/SIGTERM to the kernel (default true; off in tests). */
  forwardSignals?: boolean;
}

/** A running proxy. */
export interface KernelProxy {
  /** The ports the kernel itself listens on. */
  inner: ConnectionInfo;
  /** Resolves with the kernel's exit code once it has ended and the proxy is closed. */
  done: Promise<number>;
  /** Stops listening and closes every connection (the kernel is not killed). */
  close(): void;
}

function freePort(ip: string): number {
  const l = Deno.listen({ hostname: ip, port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function connectKernel(ip: string, port: number): Promise<Deno.Conn> {
  // The kernel opens its ports a moment after it starts.
  for (let i = 0;; i++) {
    try {
      return await Deno.connect({ hostname: ip, port });
    } catch (err) {
      if (i > 300) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function denoKernel(innerConnectionFile: string): KernelProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["jupyter", "--kernel", "--conn", innerConnectionFile],
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
}

/**
 * Starts the kernel on fresh inner ports and serves `connection`'s ports in
 * front of it, serialising execute requests through a {@linkcode CellQueue}.
 */
export async function startKernelProxy(
  connection: ConnectionInfo,
  options: KernelProxyOptions = {},
): Promise<KernelProxy> {
  const ip = connection.ip;
  const inner: ConnectionInfo = {
    ...connection,
    shell_port: freePort(ip),
    iopub_port: freePort(ip),
    stdin_port: freePort(ip),
    control_port: freePort(ip),
    hb_port: freePort(ip),
  };
  const innerFile = await Deno.makeTempFile({ prefix: "tl-kernel-", suffix: ".json" });
  await Deno.writeTextFile(innerFile, JSON.stringify(inner));
  const kernel = (options.startKernel ?? denoKernel)(innerFile);

  const listeners: Deno.Listener[] = [];
  const open = new Set<ZmtpConnection>();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    for (const l of listeners) l.close();
    for (const c of open) c.close();
  };
  const signals: [Deno.Signal, () => void][] = [];
  if (options.forwardSignals ?? true) {
    // Interrupt and terminate go to the kernel, which ends this proxy when it exits:
    // never an orphaned kernel.
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      const handler = () => {
        try {
          kernel.kill(signal);
        } catch { /* already gone */ }
      };
      Deno.addSignalListener(signal, handler);
      signals.push([signal, handler]);
    }
  }
  const done = kernel.status.then(async (s) => {
    await Deno.remove(innerFile).catch(() => {});
    for (const [signal, handler] of signals) Deno.removeSignalListener(signal, handler);
    close();
    return s.code;
  });

  const subscribers = new Set<ZmtpConnection>();
  const queue = new CellQueue((frames) => {
    for (const s of subscribers) s.send(frames).catch(() => subscribers.delete(s));
  }, options);

  const track = async (
    conn: Deno.Conn,
    type: string,
    as: Parameters<typeof ZmtpConnection.handshake>[2],
  ) => {
    const z = await ZmtpConnection.handshake(conn, type, as);
    if (closed) z.close();
    else open.add(z);
    return z;
  };

  const serve = (
    port: number,
    socketType: string,
    handle: (front: ZmtpConnection) => Promise<void>,
  ) => {
    const listener = Deno.listen({ hostname: ip, port });
    listeners.push(listener);
    return (async () => {
      try {
        for await (const conn of listener) {
          (async () => {
            const front = await track(conn, socketType, { asServer: true });
            try {
              await handle(front);
            } finally {
              front.close();
              open.delete(front);
            }
          })().catch(() => {});
        }
      } catch { /* closed */ }
    })();
  };

  // shell, control, stdin: a kernel-side DEALER per frontend connection, with its identity.
  const paired = (innerPort: number, serialise: boolean) => async (front: ZmtpConnection) => {
    const back = await track(await connectKernel(ip, innerPort), "DEALER", {
      asServer: false,
      identity: front.peer.get("Identity"),
    });
    const fromKernel = (async () => {
      for (let m; (m = await back.receive());) await front.send(m);
    })();
    for (let m; (m = await front.receive());) {
      const msg = serialise ? parseMessage(m) : undefined;
      if (msg?.header.msg_type === "execute_request") {
        const frames = m;
        queue.submit(msg.header.msg_id, () => back.send(frames).catch(() => {}));
      } else await back.send(m);
    }
    back.close();
    open.delete(back);
    await fromKernel.catch(() => {});
  };

  void (async () => {
    const sub = await track(await connectKernel(ip, inner.iopub_port), "SUB", { asServer: false });
    await sub.send([Uint8Array.of(1)]); // subscribe to everything
    for (let m; (m = await sub.receive());) {
      const msg = parseMessage(m);
      const idle = msg?.header.msg_type === "status" && msg.content?.execution_state === "idle";
      queue.fromKernel(m, msg?.parent.msg_id, idle);
    }
  })().catch(() => {});

  serve(connection.shell_port, "ROUTER", paired(inner.shell_port, true));
  serve(connection.control_port, "ROUTER", paired(inner.control_port, false));
  serve(connection.stdin_port, "ROUTER", paired(inner.stdin_port, false));
  serve(connection.iopub_port, "PUB", async (front) => {
    subscribers.add(front);
    while (await front.receive()); // subscriptions: everything goes to everyone
    subscribers.delete(front);
  });
  serve(connection.hb_port, "REP", async (front) => {
    for (let m; (m = await front.receive());) await front.send(m);
  });
  return { inner, done, close };
}
