/**
 * tfjs' backward pass, freeing memory as it goes. tfjs keeps every node's
 * saved activations and every intermediate gradient until the whole
 * backward pass ends (tape.ts), so a training step holds all activations
 * and all their gradients at once: about twice what PyTorch holds. This
 * replaces `engine.gradients` with the same walk over the same tape, the
 * same gradient functions in the same order (identical numbers), that
 * frees a node's saved tensors and its outputs' gradients once the node is
 * done, and drops the saved tensors of nodes that do not lead from the
 * variables to the loss at once. Higher-order gradients (nested tapes)
 * keep tfjs' behaviour.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T;
  gradients: unknown;
}

/** The nodes on paths from `xs` to `y`, inputs pruned to those that depend on xs (as tfjs). */
function filteredNodes(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      for (const o of node.outputs) fromX.add(o.id);
      nodesFromX.add(node.id);
    }
  }
  const toY = new Set([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((o) => toY.has(o.id))) {
      for (const t of Object.values(node.inputs)) toY.add(t.id);
      nodesToY.add(node.id);
    }
  }
  return tape.filter((n) => nodesFromX.has(n.id) && nodesToY.has(n.id)).map((node) => ({
    ...node,
    inputs: Object.fromEntries(Object.entries(node.inputs).filter(([, t]) => fromX.has(t.id))),
  }));
}

function disposeSaved(node: TapeNode): void {
  for (const t of node.saved ?? []) t.dispose();
}

let original: unknown;

/** True while the frugal backward pass replaces tfjs' own. */
export function frugalBackpropActive(): boolean {
  return original !== undefined;
}

/**
 * Turns the frugal backward pass on (the default for training steps) or
 * off (`false`: tfjs' own `engine.gradients` again, for comparison or if a
 * tfjs upgrade changes its tape). `TL_FRUGAL_BACKPROP=0` keeps it off.
 */
export function useFrugalBackprop(on = true): void {
  chosen = on;
  switchFrugalBackprop(on);
}

let chosen: boolean | undefined;

/** Turns it on unless {@linkcode useFrugalBackprop} turned it off (training steps call this). */
export function frugalBackpropByDefault(): void {
  if (chosen !== false) switchFrugalBackprop(true);
}

function switchFrugalBackprop(on: boolean): void {
  const engine = tf.engine() as unknown as EngineInternals;
  if (!on) {
    if (original !== undefined) engine.gradients = original;
    original = undefined;
    return;
  }
  if (original !== undefined || Deno.env.get("TL_FRUGAL_BACKPROP") === "0") return;
  original = engine.gradients;
  engine.gradients = function (
    this: EngineInternals,
    f: () => tf.Tensor,
    xs: tf.Tensor[],
    dy?: tf.Tensor,
    allowNoGradients = false,
  ) {
    if (xs.length === 0) throw new Error("gradients() received an empty list of xs.");
    if (dy != null && dy.dtype !== "float32") {
      throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
    }
    const y = this.scopedRun(
      () => this.startTape(),
      () => this.endTape(),
      () => this.tidy("forward", f),
    );
    if (!(y instanceof tf.Tensor)) {
      throw new Error("The result y returned by f() must be a tensor.");
    }
    const tape = this.state.activeTape ?? [];
    const filtered = filteredNodes(tape, xs, y);
    if (!allowNoGradients && filtered.length === 0) {
      throw new Error(
        "Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed " +
          "encloses all operations that lead from x to y.",
      );
    }
    // Nested tapes (higher-order gradients) need everything until the outer pass.
    const early = this.state.gradientDepth === 0;
    if (early) {
      const used = new Set(filtered.map((n) => n.id));
      for (const node of tape) if (!used.has(node.id)) disposeSaved(node);
    }
    const xIds = new Set(xs.map((x) => x.id));
    return this.tidy("backward", () => {
      const grads: Record<number, tf.Tensor> = {};
      grads[y.id] = dy ?? tf.ones(y.shape);
      for (let i = filtered.length - 1; i >= 0; i--) {
        const node = filtered[i];
        const dys = node.outputs.map((o) => grads[o.id] ?? null);
        if (node.gradient == null) {
          throw new Error(
            `Cannot compute gradient: gradient function not found for ${node.kernelName}.`,
          );
        }
        const inputGradients = node.gradient(dys);
        const produced = new Set<tf.Tensor>();
        for (const name in node.inputs) {
          if (!(name in inputGradients)) {
            throw new Error(
              `Cannot backprop through input ${name}. Available gradients found: ${
                Object.keys(inputGradients)
              }.`,
            );
          }
          const dx = this.tidy(() => inputGradients[name]());
          if (dx.dtype !== "float32") {
            throw new Error(
              `Error in gradient for op ${node.kernelName}. The gradient of input ${name} must ` +
                `have 'float32' dtype, but has '${dx.dtype}'`,
            );
          }
          const x = node.inputs[name];
          if (!tf.util.arraysEqual(dx.shape, x.shape)) {
            throw new Error(
              `Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has ` +
                `shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`,
            );
          }
          if (grads[x.id] == null) {
            grads[x.id] = dx;
          } else {
            const current = grads[x.id];
            grads[x.id] = tf.add(current, dx);
            current.dispose();
          }
          produced.add(grads[x.id]);
        }
        if (!early) continue;
        // This node is done: nothing before it on the tape reads its outputs' gradients
        // or its saved tensors (clones; the data lives while another node saved it).
        disposeSaved(node);
        for (const o of node.outputs) {
          const g = grads[o.id];
          if (g && g !== dy && !xIds.has(o.id) && !produced.has(g)) {
            g.dispose();
            delete grads[o.id];
          }
        }
      }
      const result = xs.map((x) => grads[x.id]);
      if (this.state.gradientDepth === 0) {
        for (const node of tape) disposeSaved(node);
        this.state.activeTape = null;
      }
      return { value: y, grads: result };
    });
  };
}
