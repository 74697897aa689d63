// %% [markdown]
// # Exercise 1 — VGG architectures A–E
//
// The VGG paper's Table 1 has six columns. Our builder reads the same configuration table (`VGG_CONFIGS`) and names every variable as TF-Slim does. Here we compute, rather than assert, what the paper says: the parameter counts, and why three stacked 3×3 convolutions beat one 7×7.
//
// Nothing here trains: every cell is arithmetic on the configuration table, so the notebook runs in seconds on any machine and has no quick variant.

// %%
// Parameters
const params = { inputSize: 224, numClasses: 1000, channels: 256 };

// %%
import {
  htmlTable,
  showChart,
  showHtml,
  stackVsSingle,
  VGG_CONFIGS,
  vggParameters,
} from "../mod.ts";
const rows = Object.keys(VGG_CONFIGS).filter((k) => k !== "small").map((k) => ({
  column: k,
  ...vggParameters(k, params),
}));
await showHtml(htmlTable([
  [
    "column",
    "TF-Slim scope",
    "weight layers",
    "parameters",
    "of which fc",
    "receptive field at pool5",
  ],
  ...rows.map((
    r,
  ) => [
    r.column,
    r.config,
    String(r.weightLayers),
    `${(r.total / 1e6).toFixed(1)}M`,
    `${(r.fc / 1e6).toFixed(1)}M`,
    `${r.receptiveField}×${r.receptiveField}`,
  ]),
]));

// %% [markdown]
// Most parameters sit in the fully connected layers (fc6 alone is 7·7·512·4096 ≈ 103M):

// %%
await showChart({
  data: [
    {
      x: rows.map((r) => r.column),
      y: rows.map((r) => r.conv / 1e6),
      name: "conv layers",
      type: "bar",
    },
    {
      x: rows.map((r) => r.column),
      y: rows.map((r) => r.fc / 1e6),
      name: "fc layers",
      type: "bar",
    },
  ],
  layout: { title: { text: "Parameters (millions)" }, barmode: "stack" },
});

// %% [markdown]
// ## Receptive fields
//
// A stack of *n* 3×3 convolutions (stride 1) sees *2n+1* pixels (the table above gives each network's whole receptive field: every 3×3 adds 2 pixels times the stride so far, every pool doubles that stride), with fewer weights than one large kernel of the same field and *n* non-linearities instead of one:

// %%
const table = [[
  "stack",
  "receptive field",
  "weights (stacked 3×3)",
  "weights (single k×k)",
  "ratio",
]];
for (const n of [1, 2, 3]) {
  const s = stackVsSingle(n, params.channels);
  table.push([
    `${n}× 3×3`,
    `${s.field}×${s.field}`,
    String(s.stacked),
    String(s.single),
    (s.single / s.stacked).toFixed(2),
  ]);
}
await showHtml(htmlTable(table));

// %% [markdown]
// ## The families side by side
//
// The lab's slide on pretrained models names TF-Slim's AlexNet, VGG, Inception, ResNet and MobileNet. Each is built here at its native input size (299 for Inception-V3 and for ResNet-V2's published evaluation, 224 otherwise) with its checkpoint's classes (1001 — a "background" class first — for Inception, MobileNet and ResNet-V2; use `labelsOffset: 1` to evaluate those on 1000-class labels), and counted: parameters, multiply-adds for one image, and depth (layers with weights). Depth and parameters are not cost: VGG-16 has 33× MobileNet-V1's parameters and 27× its multiply-adds; Inception-V3 has five times VGG-19's layers with weights at under a third of its multiply-adds.

// %%
import { useBackend, zooSummary } from "../mod.ts";
await useBackend("auto", { log: () => {} });
const families = await zooSummary([
  "alexnet_v2",
  "vgg_16",
  "vgg_19",
  "inception_v1",
  "inception_v2",
  "inception_v3",
  "resnet_v1_50",
  "resnet_v2_50",
  "mobilenet_v1",
  "mobilenet_v1_025",
  "mobilenet_v2",
  "mobilenet_v2_140",
]);
await showHtml(htmlTable([
  [
    "model",
    "input",
    "classes",
    "parameters",
    "multiply-adds",
    "layers with weights",
    "TF-Slim checkpoint",
  ],
  ...families.map((f) => [
    f.name,
    `${f.inputSize}×${f.inputSize}`,
    String(f.classes),
    `${(f.parameters / 1e6).toFixed(1)}M`,
    `${(f.multiplyAdds / 1e9).toFixed(2)}G`,
    String(f.weightLayers),
    f.checkpoint?.archive ?? "—",
  ]),
]));
const LABEL_AT: Record<string, string> = {
  vgg_19: "bottom center",
  inception_v3: "bottom left",
  resnet_v2_50: "middle right",
  mobilenet_v1: "bottom center",
  mobilenet_v2: "bottom center",
  mobilenet_v1_025: "middle right",
};
await showChart({
  data: [{
    x: families.map((f) => f.multiplyAdds / 1e9),
    y: families.map((f) => f.parameters / 1e6),
    text: families.map((f) => f.name),
    mode: "markers+text",
    // Labels placed so that neighbours (vgg_16/vgg_19, inception_v3/resnet_v2_50) stay apart and the
    // leftmost one is not cut off.
    textposition: families.map((f) => LABEL_AT[f.name] ?? "top center"),
    type: "scatter",
  }],
  layout: {
    title: { text: "Cost per image vs size, at native input size" },
    xaxis: { title: { text: "multiply-adds per image (G, log)" }, type: "log" },
    yaxis: { title: { text: "parameters (M, log)" }, type: "log" },
  },
});

// %% [markdown]
// ## Your turn
//
// 1. VGG-19 (column E) instead of VGG-16 (D): how many more parameters and multiply-adds does it cost, and in which layers do they sit?
// 2. For a lab session on a laptop CPU, which family would you fine-tune, and which column of the table above tells you so?
// 3. Why does MobileNet-V1 ×0.25 have about 1/16 of the full network's multiply-adds but more than 1/16 of its parameters? (Hint: which layer does the multiplier not shrink?)
