/** lib/jupyter/zmtp: handshake properties, multipart messages, short and long frames. */
import assert from "node:assert/strict";
import { ZmtpConnection } from "../../lib/jupyter/zmtp.ts";

Deno.test("ZMTP: READY properties, multipart messages with short and long frames, both ways", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const identity = new TextEncoder().encode("session-1");
  const [server, client] = await Promise.all([
    listener.accept().then((c) => ZmtpConnection.handshake(c, "ROUTER", { asServer: true })),
    Deno.connect({ hostname: "127.0.0.1", port }).then((c) =>
      ZmtpConnection.handshake(c, "DEALER", { asServer: false, identity })
    ),
  ]);
  const dec = new TextDecoder();
  assert.equal(dec.decode(server.peer.get("Socket-Type")), "DEALER");
  assert.equal(dec.decode(server.peer.get("Identity")), "session-1");
  assert.equal(dec.decode(client.peer.get("Socket-Type")), "ROUTER");
  const long = Uint8Array.from({ length: 70_000 }, (_, i) => i % 251);
  await client.send([new TextEncoder().encode("<IDS|MSG>"), new Uint8Array(0), long]);
  const got = await server.receive();
  assert.equal(got!.length, 3);
  assert.equal(dec.decode(got![0]), "<IDS|MSG>");
  assert.equal(got![1].length, 0);
  assert.deepEqual(got![2], long);
  await server.send([Uint8Array.of(1, 2, 3)]);
  assert.deepEqual(await client.receive(), [Uint8Array.of(1, 2, 3)]);
  client.close();
  assert.equal(await server.receive(), undefined, "the peer is gone");
  server.close();
  listener.close();
});
