/** lib/jupyter/cell_queue: one cell at a time, each idle after its late outputs (fake clock). */
import assert from "node:assert/strict";
import { CellQueue, type QueueClock } from "../../lib/jupyter/mod.ts";

/** A clock that moves only when told, running due timers in order. */
class FakeClock implements QueueClock {
  t = 0;
  timers: { at: number; fn: () => void }[] = [];
  now = () => this.t;
  after = (fn: () => void, ms: number) => void this.timers.push({ at: this.t + ms, fn });
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      if (!this.timers.length || this.timers[0].at > end) break;
      const next = this.timers.shift()!;
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}

const msg = (name: string) => [new TextEncoder().encode(name)];
const names = (published: Uint8Array[][]) => published.map((m) => new TextDecoder().decode(m[0]));

function setup() {
  const clock = new FakeClock();
  const published: Uint8Array[][] = [];
  const sent: string[] = [];
  const queue = new CellQueue((m) => published.push(m), { lingerMs: 300, clock });
  const submit = (id: string) => queue.submit(id, () => sent.push(id));
  return { clock, published, sent, queue, submit };
}

Deno.test("cell queue: the second request waits until the first is idle and quiet", () => {
  const { clock, published, sent, queue, submit } = setup();
  submit("a");
  submit("b");
  assert.deepEqual(sent, ["a"], "only the first goes to the kernel");
  assert.equal(queue.waiting, 1);
  queue.fromKernel(msg("a busy"), "a", false);
  queue.fromKernel(msg("a out"), "a", false);
  queue.fromKernel(msg("a idle"), "a", true);
  assert.deepEqual(names(published), ["a busy", "a out"], "idle held back");
  clock.advance(299);
  assert.deepEqual(sent, ["a"], "not before the linger");
  clock.advance(1);
  assert.deepEqual(names(published), ["a busy", "a out", "a idle"]);
  assert.deepEqual(sent, ["a", "b"]);
  assert.equal(queue.inFlight, "b");
});

Deno.test("cell queue: output after idle goes out before the idle, which waits for quiet again", () => {
  const { clock, published, sent, queue, submit } = setup();
  submit("a");
  submit("b");
  queue.fromKernel(msg("a idle"), "a", true);
  clock.advance(200);
  queue.fromKernel(msg("a late display"), "a", false);
  clock.advance(200); // 400 ms after idle, but only 200 ms of quiet
  assert.deepEqual(names(published), ["a late display"]);
  assert.deepEqual(sent, ["a"]);
  clock.advance(100);
  assert.deepEqual(names(published), ["a late display", "a idle"]);
  assert.deepEqual(sent, ["a", "b"]);
});

Deno.test("cell queue: other parents pass straight through, their idle included", () => {
  const { clock, published, sent, queue, submit } = setup();
  submit("a");
  queue.fromKernel(msg("info idle"), "kernel-info", true);
  queue.fromKernel(msg("no parent"), undefined, false);
  assert.deepEqual(names(published), ["info idle", "no parent"]);
  queue.fromKernel(msg("a idle"), "a", true);
  clock.advance(300);
  assert.equal(queue.inFlight, undefined);
  submit("c");
  assert.deepEqual(sent, ["a", "c"], "an empty queue sends at once");
});
