/**
 * Progress display: a bar redrawn in place in terminals, one display updated
 * in place in Jupyter notebooks (Deno kernel `display_id`), and sparse plain
 * lines when output is piped (CI logs).
 *
 * @module
 */
import { escapeHtml } from "./html.ts";
import { inNotebook, jupyter } from "./jupyter.ts";

/** Options of {@linkcode createProgress}. */
export interface ProgressOptions {
  /** Label before the bar. */
  label?: string;
  /** Minimum milliseconds between redraws; default 100 (terminal), 500 (notebook), 5000 (pipe). */
  intervalMs?: number;
  /** Force a display kind instead of detecting it. */
  kind?: "terminal" | "notebook" | "lines" | "silent";
  /** Where lines go for `terminal`/`lines`; default stderr. */
  write?: (text: string) => void;
  /**
   * Seconds left, when the caller knows better than "the rest at the pace so
   * far" (a run whose later epochs are faster); NaN for unknown.
   */
  remaining?: () => number;
}

/** A live progress display. */
export interface Progress {
  /** Sets the position (and optionally the total) plus extra fields shown after the bar. */
  update(done: number, fields?: Record<string, string | number>, total?: number): void;
  /** Draws the final state and ends the line. */
  finish(fields?: Record<string, string | number>): void;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = String(m).padStart(2, "0"), ss = String(r).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Formats the bar text (also used for notebook text/plain). */
export function progressText(
  label: string,
  done: number,
  total: number | undefined,
  elapsedS: number,
  fields: Record<string, string | number>,
  options: { width?: number; remainingS?: number } = {},
): string {
  const width = options.width ?? 24;
  const extras = Object.entries(fields).map(([k, v]) =>
    `${k} ${typeof v === "number" ? (Number.isInteger(v) ? v : v.toPrecision(4)) : v}`
  );
  if (total && total > 0) {
    const frac = Math.min(1, done / total);
    const filled = Math.round(frac * width);
    const eta = options.remainingS ?? (done > 0 ? elapsedS * (total - done) / done : NaN);
    return `${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ` +
      `${(frac * 100).toFixed(1).padStart(5)}% ${done}/${total} ` +
      `${formatDuration(elapsedS)}<${formatDuration(eta)} ${extras.join(" ")}`.trimEnd();
  }
  return `${label} ${done} ${formatDuration(elapsedS)} ${extras.join(" ")}`.trimEnd();
}

/** Creates a progress display for `total` units of work (unknown when undefined). */
export function createProgress(total: number | undefined, options: ProgressOptions = {}): Progress {
  const kind = options.kind ??
    (inNotebook() ? "notebook" : Deno.stderr.isTerminal() ? "terminal" : "lines");
  const label = options.label ?? "";
  const write = options.write ??
    ((t: string) => Deno.stderr.writeSync(new TextEncoder().encode(t)));
  const interval = options.intervalMs ??
    (kind === "terminal" ? 100 : kind === "notebook" ? 500 : 5000);
  const start = performance.now();
  const displayId = `progress-${crypto.randomUUID()}`;
  let last = -Infinity;
  let shown = false;
  let done = 0;
  let fields: Record<string, string | number> = {};

  const draw = (final: boolean) => {
    const elapsed = (performance.now() - start) / 1000;
    const text = progressText(label, done, total, elapsed, fields, {
      remainingS: final ? undefined : options.remaining?.(),
    });
    if (kind === "silent") return;
    if (kind === "terminal") write(`\r\x1b[2K${text}${final ? "\n" : ""}`);
    else if (kind === "lines") write(`${text}\n`);
    else {
      const pct = total ? Math.min(100, (100 * done) / total) : 0;
      // One line: the HTML bar replaces the text's ASCII bar (text/plain keeps it for exports).
      const stats = text.slice(label.length).replace(/^ \[[#-]*\]/, "");
      const html = `<div style="font-family:monospace;white-space:nowrap;overflow:hidden;` +
        `text-overflow:ellipsis"><b>${escapeHtml(label)}</b> <progress value="${
          pct.toFixed(1)
        }" max="100" style="width:12em;vertical-align:middle"></progress>${
          escapeHtml(stats)
        }</div>`;
      void jupyter()!.display({ "text/plain": text, "text/html": html }, {
        raw: true,
        display_id: displayId,
        update: shown,
      });
    }
    shown = true;
  };

  // In a notebook the bar is shown at once, so the run's log lines come after it, not before.
  if (kind === "notebook") draw(false);
  return {
    update(d, f, t) {
      done = d;
      if (f) fields = f;
      if (t !== undefined) total = t;
      const now = performance.now();
      if (now - last >= interval) {
        last = now;
        draw(false);
      }
    },
    finish(f) {
      if (f) fields = f;
      draw(true);
    },
  };
}
