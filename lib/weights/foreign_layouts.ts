/**
 * VGG weights from the other popular sources, presented under TF-Slim's
 * names and layouts so that `restore` (exclude, report) works unchanged:
 *
 * - torchvision / timm (`features.N.weight`, `classifier.{0,3,6}.weight`):
 *   convolutions OIHW → HWIO; linear layers [out, in] → [in, out], and the
 *   first one's input, flattened channels-first (C·H·W), reordered into the
 *   7×7×512×4096 `fc6` convolution (H, W, C);
 * - Keras applications (`block1_conv1/kernel`, Keras 1's `block1_conv1_W_1`, Keras 3's
 *   numbered `block1_conv1/0` beside its optimizer's variables,
 *   `fc1`, `fc2`, `predictions`): already HWIO and channels-last, reshaped.
 *
 * ResNet weights from Keras or torchvision are another architecture variant
 * than TF-Slim's ResNet-V1 (the stride sits in the 3×3, not the 1×1, of each
 * downsampling block): they are refused, not silently mis-restored.
 *
 * @module
 */
import type { Model } from "../models/mod.ts";
import { toFloat32, type WeightInfo, type WeightSource, type WeightValue } from "../io/mod.ts";

/** Where weights come from: TF-Slim names as they are, or another library's layout. */
export type WeightLayout = "tf-slim" | "keras" | "torchvision";

/** The layout a source's names show (`tf-slim` when none other matches). */
export function detectLayout(source: WeightSource): WeightLayout {
  const names = source.list().map((w) => w.name);
  if (names.some((n) => /^(features|classifier)\.\d+\.weight$/.test(n))) return "torchvision";
  if (names.some((n) => /^block\d+_conv\d+[/_]/.test(n))) return "keras";
  if (
    names.some((n) => /^layer\d\.\d+\.conv\d\.weight$|^(conv\d_block|res\d[a-f]_branch)/.test(n))
  ) {
    throw new Error(
      `${source.description}: ResNet weights from torchvision or Keras: their ResNet puts the ` +
        `stride of a downsampling block in another layer than TF-Slim's ResNet-V1, so they do ` +
        `not fit resnet_v1_*; use TF-Slim's resnet_v1_50.ckpt`,
    );
  }
  return "tf-slim";
}

interface Pair {
  kernel: string;
  bias: string;
}

/** The source's layers in network order: 13 or 16 convolutions, then three linear layers. */
function sourceLayers(source: WeightSource, layout: "keras" | "torchvision"): Pair[] {
  const names = source.list().map((w) => w.name);
  if (layout === "torchvision") {
    const indices = (part: string) =>
      names.map((n) => new RegExp(`^${part}\\.(\\d+)\\.weight$`).exec(n)).filter((m) => m)
        .map((m) => Number(m![1])).sort((a, b) => a - b);
    return [
      ...indices("features").map((i) => ({
        kernel: `features.${i}.weight`,
        bias: `features.${i}.bias`,
      })),
      ...indices("classifier").map((i) => ({
        kernel: `classifier.${i}.weight`,
        bias: `classifier.${i}.bias`,
      })),
    ];
  }
  const layers = new Map<string, Partial<Pair>>();
  for (const n of names) {
    const m = /^(block\d+_conv\d+|fc1|fc2|predictions)[/_](.*)$/.exec(n);
    if (!m) continue;
    const entry = layers.get(m[1]) ?? {};
    // Keras 1–2 name them (`_W_1:0`, `kernel`); Keras 3's .weights.h5 numbers them (0, 1).
    if (/(^|_)(kernel|W)(_\d+)?$|^0$/.test(m[2])) entry.kernel = n;
    else if (/(^|_)(bias|b)(_\d+)?$|^1$/.test(m[2])) entry.bias = n;
    layers.set(m[1], entry);
  }
  const order = (l: string) => {
    const m = /^block(\d+)_conv(\d+)$/.exec(l);
    return m ? Number(m[1]) * 100 + Number(m[2]) : { fc1: 1e4, fc2: 1e4 + 1 }[l] ?? 1e4 + 2;
  };
  return [...layers].sort(([a], [b]) => order(a) - order(b)).map(([layer, p]) => {
    if (!p.kernel || !p.bias) {
      throw new Error(`${source.description}: layer '${layer}' lacks its kernel or bias`);
    }
    return p as Pair;
  });
}

/** [O, I, H, W] → [H, W, I, O]. */
function oihwToHwio(x: Float32Array, [o, i, h, w]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let a = 0; a < o; a++) {
    for (let b = 0; b < i; b++) {
      for (let y = 0; y < h; y++) {
        for (let z = 0; z < w; z++) {
          out[((y * w + z) * i + b) * o + a] = x[((a * i + b) * h + y) * w + z];
        }
      }
    }
  }
  return out;
}

/**
 * torch's linear [out, in] → [kh, kw, c, out], the input index being c·kh·kw
 * + h·kw + w (channels-first flatten, as `torch.flatten` after the last pool).
 */
function linearToConv(x: Float32Array, [out, inn]: number[], [kh, kw, c]: number[]): Float32Array {
  const y = new Float32Array(x.length);
  const hw = kh * kw;
  for (let o = 0; o < out; o++) {
    const row = o * inn;
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < hw; p++) y[(p * c + ch) * out + o] = x[row + ch * hw + p];
    }
  }
  return y;
}

/**
 * `source` (torchvision or Keras VGG weights) as a weight source with the
 * model's TF-Slim names and shapes. Counts must match layer for layer.
 */
export function vggWeightsFrom(
  source: WeightSource,
  model: Model,
  options: { layout: "keras" | "torchvision" },
): WeightSource {
  const layout = options.layout;
  if (!model.scope.includes("vgg")) {
    throw new Error(
      `${source.description}: ${layout} weights are read for VGG models only (this is ${model.scope})`,
    );
  }
  let vars = model.store.list().filter((v) => /\/weights$/.test(v.name));
  const layers = sourceLayers(source, layout);
  const convs = vars.filter((v) => !/\/fc\d+\/weights$/.test(v.name));
  // Convolutions only (Keras' "notop" files, a torchvision `features` state dict): the fc
  // layers are then missing, to be excluded as a new head is.
  if (layers.length === convs.length) vars = convs;
  if (layers.length !== vars.length) {
    throw new Error(
      `${source.description}: ${layers.length} ${layout} layers for the ${vars.length} weight ` +
        `layers of ${model.scope} (a VGG of another depth?)`,
    );
  }
  const infos = new Map(source.list().map((w) => [w.name, w]));
  const plan = new Map<string, { from: string; shape: number[]; kind: "kernel" | "bias" }>();
  vars.forEach((v, k) => {
    const scope = v.name.slice(0, -"/weights".length);
    plan.set(v.name, { from: layers[k].kernel, shape: v.variable.shape, kind: "kernel" });
    plan.set(`${scope}/biases`, {
      from: layers[k].bias,
      shape: [v.variable.shape.at(-1)!],
      kind: "bias",
    });
  });
  return {
    description: `${source.description} (${layout} layout)`,
    list: (): WeightInfo[] =>
      [...plan].map(([name, p]) => {
        const src = infos.get(p.from)!;
        // The target shape when the element counts agree; else the source's, so the
        // restore report names a real mismatch (e.g. fc6 of a VGG built for 32×32).
        const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
        return { name, dtype: src.dtype, shape: n(src.shape) === n(p.shape) ? p.shape : src.shape };
      }),
    async read(name: string): Promise<WeightValue> {
      const p = plan.get(name);
      if (!p) throw new Error(`${source.description}: no variable '${name}' in the mapping`);
      const value = await source.read(p.from);
      const x = toFloat32(value, `${source.description}: ${p.from}`);
      let data = x;
      if (p.kind === "kernel" && layout === "torchvision") {
        data = value.shape.length === 4
          ? oihwToHwio(x, value.shape)
          : linearToConv(x, value.shape, p.shape.slice(0, 3));
      }
      return { dtype: "float32", shape: p.shape, data };
    },
  };
}
