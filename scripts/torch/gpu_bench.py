"""PyTorch reference for `deno task bench:gpu`: training (forward + backward +
Adam) images/s of one case on CUDA when available (else CPU), twice: fp32
with TF32 off (the same arithmetic as ours), and PyTorch's default settings
(cuDNN autotuning on, TF32 as PyTorch defaults it for convolutions).

usage: gpu_bench.py MODEL SIZE BATCH SECONDS  -> JSON on stdout
MODEL: vgg16 | resnet50 | small_vgg | vgg16@32
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torchvision

sys.path.insert(0, os.path.dirname(__file__))
from bench import MODELS  # noqa: E402  (the small VGG and VGG-16 layout at 32x32)


DEFAULT_MATMUL_TF32 = torch.backends.cuda.matmul.allow_tf32


def build(name):
    if name == "vgg16":
        return torchvision.models.vgg16(num_classes=10)
    if name == "resnet50":
        return torchvision.models.resnet50(num_classes=10)
    return MODELS["small_vgg" if name == "small_vgg" else "vgg_16@32"]()


def measure(name, size, batch, seconds, device, fp32):
    torch.backends.cuda.matmul.allow_tf32 = False if fp32 else DEFAULT_MATMUL_TF32
    torch.backends.cudnn.allow_tf32 = not fp32
    torch.backends.cudnn.benchmark = not fp32
    model = build(name).to(device)
    opt = torch.optim.Adam(model.parameters(), 1e-4)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(batch, 3, size, size, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    model.train()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(3):  # warm-up: cuDNN algorithm choice, allocator
        step()
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    sync()
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds or steps < 3:
        step()
        steps += 1
        if steps % 8 == 0:
            sync()
    sync()
    elapsed = time.perf_counter() - t0
    del model, opt
    if device == "cuda":
        torch.cuda.empty_cache()
    return {"train": steps * batch / elapsed, "steps": steps}


def main():
    name, size, batch, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    cuda = torch.cuda.is_available()
    device = "cuda" if cuda else "cpu"
    print(json.dumps({
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name(0) if cuda else "cpu",
        "fp32": measure(name, size, batch, seconds, device, True),
        "default": measure(name, size, batch, seconds, device, False) if cuda else None,
        "defaultMatmulTf32": DEFAULT_MATMUL_TF32,
    }))


if __name__ == "__main__":
    main()
