"""Regenerates notebooks/*.ipynb (the exercises share structure, so they are
written from one place). Run: python3 scripts/make_notebooks.py
Needs nbformat (Debian: python3-nbformat). Edit here, not in the .ipynb files."""
import os

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "notebooks"))
import nbformat as nbf

KERNEL = {"display_name": "Deno (tl-lab)", "language": "typescript", "name": "tl-lab-deno"}
LANG = {"name": "typescript", "file_extension": ".ts", "mimetype": "text/x.typescript", "codemirror_mode": "typescript"}

def nb(name, cells):
    n = nbf.v4.new_notebook()
    n.metadata = {"kernelspec": KERNEL, "language_info": LANG}
    n.cells = [nbf.v4.new_markdown_cell(c[1]) if c[0] == "md" else nbf.v4.new_code_cell(c[1]) for c in cells]
    nbf.write(n, name)

QUICK_NOTE = "Set `TL_QUICK=1` before starting Jupyter for the quick variant CI runs (small real-format stand-ins, a few steps)."

nb("01_vgg_architectures.ipynb", [
 ("md", "# Exercise 1 — VGG architectures A–E\n\nThe VGG paper's Table 1 has six columns. Our builder reads the same configuration table (`VGG_CONFIGS`) and names every variable as TF-Slim does. Here we compute, rather than assert, what the paper says: the parameter counts, and why three stacked 3×3 convolutions beat one 7×7.\n\n" + QUICK_NOTE),
 ("code", "// Parameters\nconst params = { inputSize: 224, numClasses: 1000, channels: 256 };"),
 ("code", "import { htmlTable, showChart, showHtml, stackVsSingle, VGG_CONFIGS, vggParameters } from \"../mod.ts\";\nconst rows = Object.keys(VGG_CONFIGS).filter((k) => k !== \"small\").map((k) => ({ column: k, ...vggParameters(k, params) }));\nfor (const r of rows) console.log(`${r.column.padEnd(6)} ${r.config.padEnd(10)} ${r.weightLayers} weight layers  ${(r.total / 1e6).toFixed(1)}M parameters`);"),
 ("md", "Most parameters sit in the fully connected layers (fc6 alone is 7·7·512·4096 ≈ 103M):"),
 ("code", "await showChart({\n  data: [\n    { x: rows.map((r) => r.column), y: rows.map((r) => r.conv / 1e6), name: \"conv layers\", type: \"bar\" },\n    { x: rows.map((r) => r.column), y: rows.map((r) => r.fc / 1e6), name: \"fc layers\", type: \"bar\" },\n  ],\n  layout: { title: { text: \"Parameters (millions)\" }, barmode: \"stack\" },\n});"),
 ("md", "## Receptive fields\n\nA stack of *n* 3×3 convolutions (stride 1) sees *2n+1* pixels, with fewer weights than one large kernel of the same field and *n* non-linearities instead of one:"),
 ("code", "const table = [[\"stack\", \"receptive field\", \"weights (stacked 3×3)\", \"weights (single k×k)\", \"ratio\"]];\nfor (const n of [1, 2, 3]) {\n  const s = stackVsSingle(n, params.channels);\n  table.push([`${n}× 3×3`, `${s.field}×${s.field}`, String(s.stacked), String(s.single), (s.single / s.stacked).toFixed(2)]);\n  console.log(`${n} stacked 3×3 convs: field ${s.field}×${s.field}, ${s.stacked} weights vs ${s.single} for one ${s.field}×${s.field}`);\n}\nawait showHtml(htmlTable(table));"),
])

nb("02_vgg16_cifar10_scratch.ipynb", [
 ("md", "# Exercise 2 — VGG-16 on CIFAR-10 from scratch\n\nCIFAR-10 images (32×32) are resized to the network's input size batch by batch, as the lab does (32→224). The learning rate follows the lab's schedule: 0.001, ×0.1 every 5 epochs (staircase).\n\n**What it costs:** from scratch every layer trains: on this project's 2-core CPU (oneDNN backend) ~2–3 images/s at 224 and batch 8–32, hours per epoch; at `imageSize: 32` ~50 images/s (VGG-16 layout, batch 64). Memory at 224: ~2.0 GiB of weights, gradients and Adam slots plus ~62 MiB per image of the batch.\n\n" + QUICK_NOTE),
 ("code", "// Parameters\nimport { makeQuickCifar, quickMode } from \"../mod.ts\";\nconst params = {\n  cifar: \"../data/cifar-10-binary.tar.gz\", // binary version: https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz\n  epochs: 10,\n  imageSize: 224,\n  batchSize: 32,\n  learningRate: 0.001,\n  backend: \"auto\",\n  maxSteps: undefined as number | undefined,\n  logEvery: 100, // a log line every N steps, as the lab prints\n  out: \"../out/exercise2\",\n};\nif (quickMode()) {\n  const tmp = await Deno.makeTempDir();\n  Object.assign(params, { cifar: await makeQuickCifar(tmp, { perClass: 6, testPerClass: 4 }), epochs: 1, imageSize: 32, batchSize: 16, maxSteps: 3, logEvery: 1, out: `${tmp}/out` });\n}"),
 ("code", "import { loadCifar, requireFile, useBackend } from \"../mod.ts\";\nconst backend = await useBackend(params.backend as \"auto\");\nconst source = quickMode() ? params.cifar : await requireFile(params.cifar, \"cifar10\");\nconst train = await loadCifar(source);\nconst test = await loadCifar(source, { split: \"test\" });\nconsole.log(`${train.labels.length} training / ${test.labels.length} test images, ${train.classNames.length} classes; backend: ${backend.description}`);"),
 ("code", "import { buildModel, exponentialDecay, fit, STANDARDIZED_PREPROCESSING } from \"../mod.ts\";\nconst model = buildModel(\"vgg_16\", { numClasses: 10, inputSize: params.imageSize, preprocessing: STANDARDIZED_PREPROCESSING });\nconst stepsPerEpoch = Math.ceil(train.labels.length / params.batchSize);\nconst result = await fit(model, train, {\n  epochs: params.epochs,\n  batchSize: params.batchSize,\n  maxSteps: params.maxSteps,\n  learningRate: exponentialDecay(params.learningRate, { decaySteps: 5 * stepsPerEpoch, decayRate: 0.1, staircase: true }),\n  checkpointDir: `${params.out}/checkpoints`,\n  logEvery: params.logEvery,\n});\nconsole.log(`trained ${result.step} steps at ${result.imagesPerSecond.toFixed(1)} images/s`);"),
 ("code", "import { showChart, trainingCurves } from \"../mod.ts\";\nawait showChart(trainingCurves(result.history, result.epochs));"),
 ("code", "import { confusionHeatmap, evaluate } from \"../mod.ts\";\nconst ev = evaluate(model, test);\nconsole.log(`test accuracy: ${(ev.accuracy * 100).toFixed(2)}% (top-5 ${(ev.top5 * 100).toFixed(2)}%)`);\nawait showChart(confusionHeatmap(ev.confusion, test.classNames));"),
])

COST_VGG_FC = """**What it costs (CPU, this project's 2-core AVX-512 machine, oneDNN backend):** fc6–fc8 training at 224×224 runs at ~7–9 images/s (batch 32–100), so one epoch of CIFAR-10 (50,000 images) takes ~1.5–2 hours; PyTorch 1.13 on the same machine: ~2.5–2.8 images/s. Tensor memory is RAM: batch 32 needs ~2.2 GiB, batch 100 ~3.9 GiB (peak RSS ~2.8 and ~4.5 GiB; PyTorch: 3.3 and 5.8 GiB). A step that cannot fit in the free RAM stops before it starts and names the largest batch that fits. On a GPU (tfjs-node-gpu, where it installs) an epoch takes minutes; not measured on this project's machines yet."""
COST_VGG_ALL = """**What it costs (CPU, this project's 2-core AVX-512 machine, oneDNN backend):** all 16 layers at 224×224 train at ~2–3 images/s at batch 8 (PyTorch 1.13 on the same machine: ~1.25), so one epoch of CIFAR-10 takes ~5–7 hours: on a CPU run a few hundred steps (`maxSteps`) to see the curve move, or a GPU for whole epochs (not measured on this project's machines yet). Memory: weights, gradients and Adam's two slots are ~2.0 GiB, plus ~62 MiB per image: batch 8 needs ~2.5 GiB of tensors (peak RSS ~3.3 GiB; PyTorch 3.4), batch 32 ~4 GiB, the lab's batch 100 ~8 GiB. A step that cannot fit in the free RAM stops before it starts and names the largest batch that fits."""
COST_RESNET = """**What it costs (CPU, this project's 2-core AVX-512 machine, oneDNN backend):** training only the new logits is fast (the frozen blocks run once, off the gradient tape); all layers at 224×224 train at ~8–9 images/s at batch 32 (PyTorch 1.13 on the same machine: ~3.8), ~1.6–2 hours per CIFAR-10 epoch, with ~3.1 GiB of tensors (peak RSS ~3.6 GiB, PyTorch ~4 GiB; ~0.3 GiB + ~81 MiB per image). Set `trainable: undefined` to train every layer."""

def finetune(fname, title, intro, model_name, scope, exclude, trainable, known, ckpt_file, ckpt_note, lr, batch, cost, trainable_note):
    nb(fname, [
     ("md", f"# {title}\n\n{intro}\n\n{cost}\n\n" + QUICK_NOTE),
     ("code", "// Parameters\nimport { buildModel, makeQuickCheckpoint, makeQuickCifar, quickMode, useBackend, VGG_PREPROCESSING } from \"../mod.ts\";\n"
      f"const params = {{\n  cifar: \"../data/cifar-10-binary.tar.gz\", // https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz\n  checkpoint: \"../checkpoints/{ckpt_file}\", // {ckpt_note}\n  exclude: [\"{exclude}\"], // scopes not restored (new or reshaped layers)\n  trainable: {trainable} as string[] | undefined, // {trainable_note}\n  epochs: 5,\n  imageSize: 224,\n  batchSize: {batch},\n  learningRate: {lr}, // Adam\n  backend: \"auto\",\n  maxSteps: undefined as number | undefined,\n  logEvery: 100,\n  out: \"../out/{fname.split('_')[0]}\",\n}};\n"
      "if (quickMode()) {\n  const tmp = await Deno.makeTempDir();\n  await useBackend(params.backend as \"auto\");\n"
      f"  const stand_in = buildModel(\"{model_name}\", {{ numClasses: 1000, inputSize: 32, seed: 7 }});\n"
      f"  Object.assign(params, {{ cifar: await makeQuickCifar(tmp, {{ perClass: 6, testPerClass: 4 }}), checkpoint: await makeQuickCheckpoint(stand_in, `${{tmp}}/{ckpt_file}`), epochs: 1, imageSize: 32, batchSize: 16, maxSteps: 3, logEvery: 1, out: `${{tmp}}/out` }});\n"
      "  stand_in.store.dispose();\n}"),
     ("code", "import { loadCifar, requireFile } from \"../mod.ts\";\nconst backend = await useBackend(params.backend as \"auto\");\n"
      f"const cifar = quickMode() ? params.cifar : await requireFile(params.cifar, \"cifar10\");\nconst checkpoint = quickMode() ? params.checkpoint : await requireFile(params.checkpoint, \"{known}\");\n"
      "const train = await loadCifar(cifar);\nconst test = await loadCifar(cifar, { split: \"test\" });\nconsole.log(`${train.labels.length} training / ${test.labels.length} test images; backend: ${backend.description}`);"),
     ("md", f"Build `{scope}` for 10 classes and restore everything except `{exclude}` (TF-Slim's `get_variables_to_restore(exclude=[...])`). Preprocessing travels with the checkpoint: RGB minus the ImageNet means, no scaling."),
     ("code", "import { restore } from \"../mod.ts\";\n"
      f"const model = buildModel(\"{model_name}\", {{ numClasses: 10, inputSize: params.imageSize, preprocessing: VGG_PREPROCESSING }});\n"
      "const report = await restore(model, checkpoint, { exclude: params.exclude, listRestored: true });"),
     ("code", "import { fit } from \"../mod.ts\";\n"
      f"const result = await fit(model, train, {{\n  epochs: params.epochs,\n  batchSize: params.batchSize,\n  maxSteps: params.maxSteps,\n  learningRate: params.learningRate,\n  trainableScopes: params.trainable,\n  checkpointDir: `${{params.out}}/checkpoints`,\n  logEvery: params.logEvery,\n}});\n"
      "console.log(`trained ${result.step} steps of ${report.restored.length} restored variables' network`);"),
     ("code", "import { confusionHeatmap, evaluate, showChart, trainingCurves } from \"../mod.ts\";\nawait showChart(trainingCurves(result.history, result.epochs));\nconst ev = evaluate(model, test);\nconsole.log(`test accuracy: ${(ev.accuracy * 100).toFixed(2)}%`);\nawait showChart(confusionHeatmap(ev.confusion, test.classNames));"),
    ])

finetune("03_vgg16_finetune_fc8.ipynb", "Exercise 3 — VGG-16 from ImageNet, fine-tune the classifier (fc6–fc8)",
  "Start from TF-Slim's ImageNet checkpoint `vgg_16.ckpt` (V1, from `vgg_16_2016_08_28.tar.gz`), replace the 1000-class `fc8` by a 10-class one, and train the lab's first stage: `fc6`–`fc8` with `conv1`–`conv5` frozen, batch 100, Adam. The frozen convolutions run once per batch off the gradient tape; only the classifier gets gradients and optimizer state. For the narrowest variant train only `[\"vgg_16/fc8\"]`.",
  "vgg_16", "vgg_16", "vgg_16/fc8", "[\"vgg_16/fc6\", \"vgg_16/fc7\", \"vgg_16/fc8\"]", "vgg_16", "vgg_16.ckpt",
  "from http://download.tensorflow.org/models/vgg_16_2016_08_28.tar.gz (extract it)", "0.001", 100, COST_VGG_FC,
  "conv1–conv5 frozen; [\"vgg_16/fc8\"] for fc8 only")
finetune("04_vgg16_finetune_all.ipynb", "Exercise 4 — VGG-16 from ImageNet, fine-tune all layers",
  "Same start as exercise 3 (restore all but `vgg_16/fc8`), but every layer trains, at a lower learning rate so the pretrained features are adjusted rather than overwritten.\n\n**Backend:** with `libdnnl2` installed (`apt-get install libdnnl2`) `auto` picks the `onednn` backend, whose tensors live in RAM. Without it the wasm backend's 4 GiB heap fits all-layer training at 224 only at batch 1; the cell then stops with an error saying so (set `imageSize: 112, batchSize: 16, exclude: [\"vgg_16/fc6\", \"vgg_16/fc8\"]` there: 2.6 GiB).",
  "vgg_16", "vgg_16", "vgg_16/fc8", "undefined", "vgg_16", "vgg_16.ckpt",
  "from http://download.tensorflow.org/models/vgg_16_2016_08_28.tar.gz (extract it)", "0.0001", 32, COST_VGG_ALL,
  "undefined: every layer trains")
finetune("05_resnet_v1_50_finetune.ipynb", "Exercise 5 — ResNet-V1-50 fine-tuned from a checkpoint",
  "TF-Slim's `resnet_v1_50.ckpt` (from `resnet_v1_50_2016_08_28.tar.gz`): restore everything but `resnet_v1_50/logits`, then train the new logits. BatchNorm of the frozen scopes runs in inference mode: its moving statistics are used and never updated.",
  "resnet_v1_50", "resnet_v1_50", "resnet_v1_50/logits", "[\"resnet_v1_50/logits\"]", "resnet_v1_50", "resnet_v1_50.ckpt",
  "from http://download.tensorflow.org/models/resnet_v1_50_2016_08_28.tar.gz (extract it)", "0.001", 32, COST_RESNET,
  "the new head; undefined trains every layer")

nb("06_imbalanced_classes.ipynb", [
 ("md", "# Exercise 6 — imbalanced classes (the WBC case)\n\nIn the white-blood-cell data some classes have fewer than 200 images and others more than 40,000. A plain classifier then learns the prior. We compare three remedies on the same network: nothing, class weights (inverse frequency), and class-balanced sampling, by per-class recall and the confusion matrix.\n\n" + QUICK_NOTE),
 ("code", "// Parameters\nimport { quickMode } from \"../mod.ts\";\nconst params = {\n  wbc: \"../data/wbc\", // one sub-folder per class of PNG/JPEG images\n  imageSize: 64,\n  epochs: 3,\n  batchSize: 32,\n  learningRate: 0.001,\n  backend: \"auto\",\n  maxSteps: undefined as number | undefined,\n  // quick mode: Fashion-MNIST classes with these image counts instead\n  counts: [400, 400, 400, 30, 10],\n};\nif (quickMode()) Object.assign(params, { imageSize: 32, epochs: 1, batchSize: 16, maxSteps: 4, counts: [40, 40, 6, 3] });"),
 ("code", "import { classCounts, imbalancedSubset, loadFashionMnist, loadImageFolder, stratifiedSplit, useBackend } from \"../mod.ts\";\nawait useBackend(params.backend as \"auto\");\nlet all;\ntry {\n  all = await loadImageFolder(params.wbc, { size: [params.imageSize, params.imageSize] });\n} catch (err) {\n  console.log(`${(err as Error).message}\\n→ using an imbalanced Fashion-MNIST subset instead`);\n  all = imbalancedSubset((await loadFashionMnist()).dataset, params.counts);\n}\nconst { train, validation } = stratifiedSplit(all, { validationFraction: 0.25, seed: 1 });\nconsole.log(`class counts (train): ${classCounts(train).join(\", \")}`);"),
 ("code", "import { buildModel, evaluate, fit, STANDARDIZED_PREPROCESSING } from \"../mod.ts\";\nconst variants = [\n  { name: \"plain\", options: {} },\n  { name: \"class weights\", options: { classWeights: \"inverse\" as const } },\n  { name: \"balanced sampling\", options: { sampler: \"balanced\" as const } },\n];\nconst results = [];\nfor (const v of variants) {\n  const model = buildModel(\"small_vgg\", { numClasses: train.classNames.length, inputSize: params.imageSize, preprocessing: STANDARDIZED_PREPROCESSING, seed: 1 });\n  await fit(model, train, { epochs: params.epochs, batchSize: params.batchSize, maxSteps: params.maxSteps, learningRate: params.learningRate, seed: 1, log: () => {}, ...v.options });\n  const ev = evaluate(model, validation);\n  results.push({ name: v.name, ev });\n  console.log(`${v.name.padEnd(18)} accuracy ${(ev.accuracy * 100).toFixed(1)}%  balanced accuracy ${(ev.metrics.balancedAccuracy * 100).toFixed(1)}%  recall per class ${ev.metrics.recall.map((r) => r.toFixed(2)).join(\" \")}`);\n  model.store.dispose();\n}"),
 ("code", "import { confusionHeatmap, showChart } from \"../mod.ts\";\nawait showChart({\n  data: results.map((r) => ({ x: train.classNames, y: r.ev.metrics.recall, name: r.name, type: \"bar\" })),\n  layout: { title: { text: \"Recall per class\" }, barmode: \"group\", yaxis: { range: [0, 1] } },\n});\nfor (const r of results) await showChart(confusionHeatmap(r.ev.confusion, train.classNames), { height: 320 });"),
])
