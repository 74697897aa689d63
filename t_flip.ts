import { KerasH5Reader } from "./lib/io/keras_h5.ts";
const b = Deno.readFileSync("/tmp/h5t/ok.h5");
const msgs = new Map<string, number>();
let ok = 0;
for (let i = 0; i < b.length; i += 3) {
  const c = b.slice();
  c[i] ^= 0xff;
  Deno.writeFileSync("/tmp/h5t/f.h5", c);
  try {
    const r = await KerasH5Reader.open("/tmp/h5t/f.h5");
    for (const w of r.list()) await r.read(w.name);
    r.close();
    ok++;
  } catch (e) {
    const m = (e as Error).message.replace(/\d+/g, "N").slice(0, 160);
    msgs.set(m, (msgs.get(m) ?? 0) + 1);
  }
}
console.log("ok", ok);
for (const [m, n] of msgs) console.log(n, m);
