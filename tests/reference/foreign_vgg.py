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
- <out>/input.f32                2×224×224×3 float32, NHWC
- <out>/logits.f32               PyTorch's logits for it, 2×1000

usage: foreign_vgg.py vgg16|vgg19 OUT_DIR [FORMATS]   (FORMATS: pth,legacy,safetensors,keras; default all)
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
formats = sys.argv[3].split(",") if len(sys.argv) > 3 else ["pth", "legacy", "safetensors", "keras"]
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


if "safetensors" in formats:
    write_safetensors(f"{out}/torchvision.safetensors")
if "keras" in formats:
    write_keras(f"{out}/keras.h5")

rng = np.random.default_rng(3)
x = rng.standard_normal((2, 224, 224, 3)).astype("<f4")
x.tofile(f"{out}/input.f32")
with torch.no_grad():
    logits = model(torch.from_numpy(x).permute(0, 3, 1, 2).contiguous())
logits.numpy().astype("<f4").tofile(f"{out}/logits.f32")
