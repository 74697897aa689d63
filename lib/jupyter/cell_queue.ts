/**
 * One cell at a time, and each cell's idle only after its late outputs.
 *
 * Deno 2.9's kernel labels every output with the most recently received
 * execute request, and under Run All the frontend sends them all at once, so
 * a cell's output landed under later cells. It can also send a cell's last
 * display after that cell's idle, which frontends that stop at idle
 * (nbconvert included) drop. The queue holds each execute request until the
 * previous cell is idle and has been quiet for `lingerMs`, and holds back
 * that idle until then.
 *
 * @module
 */

/** The clock and timer the queue uses (tests drive a fake one). */
export interface QueueClock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Calls `fn` after `ms` milliseconds. */
  after(fn: () => void, ms: number): void;
}

const REAL_CLOCK: QueueClock = {
  now: () => performance.now(),
  after: (fn, ms) => void setTimeout(fn, ms),
};

/** Options of {@linkcode CellQueue}. */
export interface CellQueueOptions {
  /** Quiet time after a cell's idle before that idle goes out (default 300 ms). */
  lingerMs?: number;
  /** Clock and timer (default: the real ones). */
  clock?: QueueClock;
}

/** Execute requests in, one at a time; a cell's idle out once its late outputs are. */
export class CellQueue {
  #waiting: { id: string; send: () => unknown }[] = [];
  #inFlight: string | undefined;
  #lastOutput = 0;
  #linger: number;
  #clock: QueueClock;
  #publish: (frames: Uint8Array[]) => void;

  /** `publish` sends a message on to the frontends' iopub. */
  constructor(publish: (frames: Uint8Array[]) => void, options: CellQueueOptions = {}) {
    this.#publish = publish;
    this.#linger = options.lingerMs ?? 300;
    this.#clock = options.clock ?? REAL_CLOCK;
  }

  /** The request that runs now, if any. */
  get inFlight(): string | undefined {
    return this.#inFlight;
  }

  /** Requests not yet handed to the kernel. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Queues an execute request; `send` hands it to the kernel when its turn comes. */
  submit(id: string, send: () => unknown): void {
    this.#waiting.push({ id, send });
    this.#pump();
  }

  /**
   * One iopub message from the kernel: its parent's id and whether it is an
   * idle status. Everything is published at once except the running cell's
   * idle, which waits for quiet.
   */
  fromKernel(frames: Uint8Array[], parentId: string | undefined, idle: boolean): void {
    if (parentId !== undefined && parentId === this.#inFlight) {
      this.#lastOutput = this.#clock.now();
      if (idle) return this.#release(parentId, frames);
    }
    this.#publish(frames);
  }

  #pump(): void {
    if (this.#inFlight !== undefined || this.#waiting.length === 0) return;
    const next = this.#waiting.shift()!;
    this.#inFlight = next.id;
    next.send();
  }

  #release(id: string, idle: Uint8Array[]): void {
    const check = () => {
      if (this.#inFlight !== id) return;
      const quiet = this.#clock.now() - this.#lastOutput;
      if (quiet < this.#linger) return this.#clock.after(check, this.#linger - quiet);
      this.#publish(idle);
      this.#inFlight = undefined;
      this.#pump();
    };
    this.#clock.after(check, this.#linger);
  }
}
