/**
 * One process at a time in a run folder: `<dir>/.lock` holds the owner's
 * PID and host, and its owner touches it every 20 s. A second process is
 * refused, naming the PID; a lock whose process is gone (killed, crashed) or
 * that nobody touched for 90 s is taken over. Re-entrant within a process,
 * so a job and the `fit` inside it can both hold it.
 *
 * @module
 */

const held = new Map<string, number>();
const beats = new Map<string, ReturnType<typeof setInterval>>();

// The owner touches its lock; one untouched for this long is a dead run's, on any host
// (a Slurm trial killed on one node and requeued on another cannot check the PID).
const HEARTBEAT_MS = 20_000;
const STALE_MS = 90_000;

interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

function readLock(path: string): LockInfo | undefined {
  try {
    const info = JSON.parse(Deno.readTextFileSync(path)) as LockInfo;
    return Number.isInteger(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes `dir`'s lock for this process (creating `dir`); `what` names the
 * folder in the refusal ("run folder"). Returns the release function.
 */
export function lockFolder(dir: string, what = "run folder"): () => void {
  Deno.mkdirSync(dir, { recursive: true });
  const got = take(`${dir}/.lock`);
  if (typeof got === "function") return got;
  throw new Error(
    `${dir}: this ${what} is in use by process ${got.pid} on ${got.host} (since ` +
      `${got.started}); wait for it to finish, stop it, or use another folder`,
  );
}

/**
 * Waits until lock file `path` is this process's (a download or a manifest
 * update that another process is doing at the moment), saying once what it
 * waits for; returns the release function.
 */
export async function waitForLock(
  path: string,
  options: { what: string; log?: (line: string) => void; pollMs?: number },
): Promise<() => void> {
  let said = false;
  for (;;) {
    const got = take(path);
    if (typeof got === "function") return got;
    if (!said) {
      (options.log ?? ((l: string) => console.error(l)))(
        `waiting for process ${got.pid} on ${got.host}, which is ${options.what}`,
      );
      said = true;
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
  }
}

// The lock, or the live owner that holds it.
function take(path: string): (() => void) | LockInfo {
  const release = () => {
    const n = (held.get(path) ?? 1) - 1;
    if (n > 0) return void held.set(path, n);
    held.delete(path);
    clearInterval(beats.get(path));
    beats.delete(path);
    if (readLock(path)?.pid === Deno.pid) {
      try {
        Deno.removeSync(path);
      } catch { /* already gone */ }
    }
  };
  if (held.has(path)) {
    held.set(path, held.get(path)! + 1);
    return release;
  }
  const me: LockInfo = { pid: Deno.pid, host: Deno.hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      Deno.writeTextFileSync(path, JSON.stringify(me), { createNew: true });
      held.set(path, 1);
      const beat = setInterval(() => {
        try {
          const now = new Date();
          Deno.utimeSync(path, now, now);
        } catch { /* folder gone: nothing to keep */ }
      }, HEARTBEAT_MS);
      Deno.unrefTimer(beat);
      beats.set(path, beat);
      return release;
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
    const owner = readLock(path);
    const touched = (() => {
      try {
        return Deno.statSync(path).mtime?.getTime() ?? 0;
      } catch {
        return 0;
      }
    })();
    const fresh = Date.now() - touched < STALE_MS;
    // Our own PID on a lock we do not hold is a dead run's (containers reuse PIDs).
    const live = owner && owner.pid !== Deno.pid && fresh &&
      (owner.host !== me.host || alive(owner.pid));
    if (live) return owner;
    // The owner is gone (or the lock is unreadable): take it over.
    try {
      Deno.removeSync(path);
    } catch { /* raced with another taker: the next attempt decides */ }
  }
  throw new Error(`cannot take the lock ${path}`);
}
