/**
 * lib/jupyter/kernel_proxy against a scripted fake kernel: under Run All
 * (two execute requests at once) each cell's outputs, its late display
 * included, come before its idle, the kernel gets the second request only
 * after that, replies and heartbeats pass.
 */
import assert from "node:assert/strict";
import {
  type ConnectionInfo,
  type KernelProcess,
  messageFrames,
  parseMessage,
  startKernelProxy,
  ZmtpConnection,
} from "../../lib/jupyter/mod.ts";

const LINGER_MS = 150;
/** The fake kernel sends each cell's last display this long after the cell's idle. */
const LATE_MS = 60;

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A kernel that behaves as Deno 2.9's does: it sends a cell's last display after its idle. */
function fakeKernel(innerFile: string, log: { code: string; at: number }[]) {
  const info: ConnectionInfo = JSON.parse(Deno.readTextFileSync(innerFile));
  const listeners: Deno.Listener[] = [];
  const conns: ZmtpConnection[] = [];
  const subscribers: ZmtpConnection[] = [];
  const listen = (port: number, type: string, handle: (z: ZmtpConnection) => Promise<void>) => {
    const l = Deno.listen({ hostname: "127.0.0.1", port });
    listeners.push(l);
    (async () => {
      for await (const c of l) {
        const z = await ZmtpConnection.handshake(c, type, { asServer: true });
        conns.push(z);
        handle(z).catch(() => {});
      }
    })().catch(() => {});
  };
  const publish = async (parent: unknown, msgType: string, content: Record<string, unknown>) => {
    const frames = await messageFrames({
      msgType,
      parent: parent as Record<string, unknown>,
      content,
    }, info.key);
    for (const s of subscribers) await s.send(frames);
  };
  listen(info.iopub_port, "PUB", async (z) => {
    subscribers.push(z);
    while (await z.receive());
  });
  listen(info.shell_port, "ROUTER", async (z) => {
    for (let m; (m = await z.receive());) {
      const msg = parseMessage(m)!;
      const code = JSON.parse(new TextDecoder().decode(m[m.length - 1])).code as string;
      log.push({ code, at: performance.now() });
      const parent = msg.header;
      await publish(parent, "status", { execution_state: "busy" });
      await publish(parent, "stream", { name: "stdout", text: `ran ${code}` });
      await publish(parent, "status", { execution_state: "idle" });
      await new Promise((r) => setTimeout(r, LATE_MS));
      await publish(parent, "display_data", { data: { "text/plain": `late ${code}` } });
      await z.send(
        await messageFrames({ msgType: "execute_reply", parent, content: { status: "ok" } }),
      );
    }
  });
  for (const port of [info.control_port, info.stdin_port, info.hb_port]) {
    listen(port, "ROUTER", async (z) => void (await z.receive()));
  }
  let exit!: (s: { code: number }) => void;
  const kernel: KernelProcess & { subscribers: ZmtpConnection[] } = {
    status: new Promise((r) => (exit = r)),
    kill: () => {
      for (const l of listeners) l.close();
      for (const z of conns) z.close();
      exit({ code: 0 });
    },
    subscribers,
  };
  return kernel;
}

async function until(what: string, ok: () => boolean) {
  for (let i = 0; !ok(); i++) {
    if (i > 200) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("kernel proxy: Run All against a kernel with late outputs keeps each cell's output in its cell", async () => {
  const connection: ConnectionInfo = {
    ip: "127.0.0.1",
    transport: "tcp",
    shell_port: freePort(),
    iopub_port: freePort(),
    stdin_port: freePort(),
    control_port: freePort(),
    hb_port: freePort(),
    key: "secret",
    signature_scheme: "hmac-sha256",
  };
  const log: { code: string; at: number }[] = [];
  let kernel!: ReturnType<typeof fakeKernel>;
  let innerFile = "";
  const proxy = await startKernelProxy(connection, {
    lingerMs: LINGER_MS,
    forwardSignals: false,
    startKernel: (file) => (innerFile = file, kernel = fakeKernel(file, log)),
  });
  const connect = async (port: number, type: string) =>
    ZmtpConnection.handshake(await Deno.connect({ hostname: "127.0.0.1", port }), type, {
      asServer: false,
    });
  try {
    assert.notEqual(proxy.inner.shell_port, connection.shell_port);
    await until("the proxy's subscription", () => kernel.subscribers.length === 1);
    const iopub = await connect(connection.iopub_port, "SUB");
    await iopub.send([Uint8Array.of(1)]);
    const shell = await connect(connection.shell_port, "DEALER");
    await new Promise((r) => setTimeout(r, 100)); // the proxy registers its subscriber
    const requests: string[] = [];
    for (const code of ["cell1", "cell2"]) {
      const frames = await messageFrames({
        msgType: "execute_request",
        content: { code, silent: false },
      });
      requests.push(parseMessage(frames)!.header.msg_id);
      await shell.send(frames); // Run All: both at once
    }
    const seen: { parent: string; what: string; at: number }[] = [];
    const deadline = setTimeout(() => iopub.close(), 5000); // a stuck queue fails, not hangs
    while (seen.filter((s) => s.what === "idle").length < 2) {
      const m = await iopub.receive();
      assert.ok(m, `iopub ended after ${JSON.stringify(seen.map((s) => s.what))}`);
      const msg = parseMessage(m)!;
      const content = JSON.parse(new TextDecoder().decode(m[m.length - 1]));
      const what = msg.header.msg_type === "status"
        ? content.execution_state
        : content.text ?? content.data?.["text/plain"];
      seen.push({ parent: msg.parent.msg_id!, what, at: performance.now() });
    }
    clearTimeout(deadline);
    const cell = (id: string) => requests.indexOf(id) + 1;
    assert.deepEqual(seen.map((s) => `${cell(s.parent)}: ${s.what}`), [
      "1: busy",
      "1: ran cell1",
      "1: late cell1",
      "1: idle",
      "2: busy",
      "2: ran cell2",
      "2: late cell2",
      "2: idle",
    ]);
    assert.deepEqual(log.map((l) => l.code), ["cell1", "cell2"]);
    const late1 = seen[2].at;
    assert.ok(
      log[1].at - late1 >= LINGER_MS * 0.9,
      `cell2 went to the kernel ${(log[1].at - late1).toFixed(0)} ms after cell1's late output`,
    );
    const replies = [(await shell.receive())!, (await shell.receive())!].map((m) =>
      parseMessage(m)!
    );
    assert.deepEqual(replies.map((r) => r.header.msg_type), ["execute_reply", "execute_reply"]);
    assert.deepEqual(replies.map((r) => r.parent.msg_id), requests);

    const hb = await connect(connection.hb_port, "REQ");
    await hb.send([new TextEncoder().encode("ping")]);
    assert.deepEqual(await hb.receive(), [new TextEncoder().encode("ping")], "heartbeat echoed");
    for (const z of [iopub, shell, hb]) z.close();
  } finally {
    kernel.kill("SIGTERM");
    assert.equal(await proxy.done, 0);
  }
  assert.ok(!(await Deno.stat(innerFile).then(() => true, () => false)), "inner file removed");
});
