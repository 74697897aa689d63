// %% [markdown]
// # Exercise 1 — VGG architectures A–E
//
// The VGG paper's Table 1 has six columns. Our builder reads the same configuration table (`VGG_CONFIGS`) and names every variable as TF-Slim does. Here we compute, rather than assert, what the paper says: the parameter counts, and why three stacked 3×3 convolutions beat one 7×7.
//
// Set `TL_QUICK=1` before starting Jupyter for the quick variant CI runs (small real-format stand-ins, a few steps).

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
