"""Writes torchvision VGG weights in the layouts students bring, plus
PyTorch's own logits for a fixed input, for the restore tests:

- <out>/torchvision.pth          torch.save(model.state_dict()) (the zip format)
- <out>/torchvision_legacy.pth   the same in torch < 1.6's format (torchvision's published files)
- <out>/torchvision.safetensors  the same state dict as safetensors (timm / HF style)
- <out>/keras.h5                 Keras applications' layout, as the published
                                 vgg16_weights_tf_dim_ordering_tf_kernels.h5: layer
                                 groups block1_conv1..predictions, Keras 1 weight names
                                 (block1_conv1_W_1:0), HWIO kernels, fc1 rows in
                                 channels-last (h, w, c) flatten order
- <out>/keras3.weights.h5       Keras 3 save_weights after fit: layers/<name>/vars/<i>, and
                                 the optimizer's variables (int64 and float32 scalars, m, v)
- <out>/input.f32                2×224×224×3 float32, NHWC
- <out>/logits.f32               PyTorch's logits for it, 2×1000

usage: foreign_vgg.py vgg16|vgg19 OUT_DIR [FORMATS]   (FORMATS: pth,legacy,safetensors,keras,keras3; default all)
"""
import json
import struct
import sys

import h5py
import numpy as np
import torch
import torchvision

torch.set_num_threads(2)
name, out = sys.argv[1], sys.argv[2]
formats = sys.argv[3].split(",") if len(sys.argv) > 3 else ["pth", "legacy", "safetensors", "keras", "keras3"]
torch.manual_seed(0)
model = getattr(torchvision.models, name)(weights=None).eval()
with torch.no_grad():
    # torchvision's init gives logits near 0: scale the classifier so they are not.
    model.classifier[6].weight.mul_(30)
sd = model.state_dict()
if "pth" in formats:
    torch.save(sd, f"{out}/torchvision.pth")
if "legacy" in formats:  # torch < 1.6's format, as torchvision's published vgg16-397923af.pth
    torch.save(sd, f"{out}/torchvision_legacy.pth", _use_new_zipfile_serialization=False)


def write_safetensors(path):
    header, blobs, offset = {}, [], 0
    for k, v in sd.items():
        b = v.contiguous().numpy().astype("<f4").tobytes()
        header[k] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for b in blobs:
            f.write(b)


def write_keras(path):
    convs = [m for m in model.features if isinstance(m, torch.nn.Conv2d)]
    linears = [m for m in model.classifier if isinstance(m, torch.nn.Linear)]
    names, block, conv = [], 1, 0
    for m in model.features:
        if isinstance(m, torch.nn.Conv2d):
            conv += 1
            names.append(f"block{block}_conv{conv}")
        elif isinstance(m, torch.nn.MaxPool2d):
            block, conv = block + 1, 0
    with h5py.File(path, "w") as f:
        dense = ["fc1", "fc2", "predictions"]
        f.attrs["layer_names"] = [n.encode() for n in ["input_1", *names, "flatten", *dense]]
        f.create_group("input_1").attrs["weight_names"] = np.array([])
        f.create_group("flatten").attrs["weight_names"] = np.array([])
        for n, m in zip(names, convs):
            g = f.create_group(n)
            g.attrs["weight_names"] = [f"{n}_W_1:0".encode(), f"{n}_b_1:0".encode()]
            g.create_dataset(f"{n}_W_1:0", data=m.weight.detach().numpy().transpose(2, 3, 1, 0))
            g.create_dataset(f"{n}_b_1:0", data=m.bias.detach().numpy())
        for n, m in zip(dense, linears):
            w = m.weight.detach().numpy().T  # [in, out]
            if n == "fc1":  # rows (c, h, w) → (h, w, c)
                w = w.reshape(512, 7, 7, -1).transpose(1, 2, 0, 3).reshape(25088, -1)
            g = f.create_group(n)
            g.attrs["weight_names"] = [f"{n}_W_1:0".encode(), f"{n}_b_1:0".encode()]
            g.create_dataset(f"{n}_W_1:0", data=w)
            g.create_dataset(f"{n}_b_1:0", data=m.bias.detach().numpy())


def write_keras3(path):
    """Keras 3 `model.save_weights("x.weights.h5")` after fit with the base frozen (Adam built
    slots for `predictions` only): layers/<name>/vars/<i>, empty vars for weightless layers,
    optimizer/vars: iterations (int64 scalar), learning rate (float32 scalar), m and v."""
    convs = [m for m in model.features if isinstance(m, torch.nn.Conv2d)]
    linears = [m for m in model.classifier if isinstance(m, torch.nn.Linear)]
    layers, block, conv = [("input_layer", [])], 1, 0
    it = iter(convs)
    for m in model.features:
        if isinstance(m, torch.nn.Conv2d):
            conv += 1
            c = next(it)
            layers.append((f"block{block}_conv{conv}",
                           [c.weight.detach().numpy().transpose(2, 3, 1, 0), c.bias.detach().numpy()]))
        elif isinstance(m, torch.nn.MaxPool2d):
            layers.append((f"block{block}_pool", []))
            block, conv = block + 1, 0
    layers.append(("flatten", []))
    for n, m in zip(["fc1", "fc2", "predictions"], linears):
        w = m.weight.detach().numpy().T
        if n == "fc1":
            w = w.reshape(512, 7, 7, -1).transpose(1, 2, 0, 3).reshape(25088, -1)
        layers.append((n, [w, m.bias.detach().numpy()]))
    with h5py.File(path, "w") as f:
        f.create_group("vars")
        for n, vals in layers:
            g = f.create_group(f"layers/{n}/vars")
            for i, v in enumerate(vals):
                g.create_dataset(str(i), data=v)
        opt = f.create_group("optimizer/vars")
        opt.create_dataset("0", data=np.array(390, "i8"))
        opt.create_dataset("1", data=np.array(1e-3, "f4"))
        for i, v in enumerate(layers[-1][1]):
            opt.create_dataset(str(2 + 2 * i), data=np.full_like(v, 1e-3))
            opt.create_dataset(str(3 + 2 * i), data=np.full_like(v, 1e-6))


if "safetensors" in formats:
    write_safetensors(f"{out}/torchvision.safetensors")
if "keras" in formats:
    write_keras(f"{out}/keras.h5")
if "keras3" in formats:
    write_keras3(f"{out}/keras3.weights.h5")

rng = np.random.default_rng(3)
x = rng.standard_normal((2, 224, 224, 3)).astype("<f4")
x.tofile(f"{out}/input.f32")
with torch.no_grad():
    logits = model(torch.from_numpy(x).permute(0, 3, 1, 2).contiguous())
logits.numpy().astype("<f4").tofile(f"{out}/logits.f32")
