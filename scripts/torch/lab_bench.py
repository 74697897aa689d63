"""PyTorch CPU reference for the lab-size cases of `deno task bench`: training
(forward + backward + Adam) images/s at 224x224x3 with torchvision's models,
10 classes, in this process alone so that its peak RSS is the case's.

usage: lab_bench.py CASE SECONDS  -> JSON on stdout
CASE: vgg16-fc | vgg16-all | resnet50-all | mobilenet_v2-all | inception_v3-all, with the batch
as a suffix and optionally the input size: vgg16-fc:32, inception_v3-all:16:299
"""
import json
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torchvision

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1)))


def build(kind):
    if kind.startswith("vgg16"):
        model = torchvision.models.vgg16(num_classes=10)
        if kind == "vgg16-fc":
            # fc6-fc8 trainable, conv1-conv5 frozen (the lab's first fine-tuning stage).
            for p in model.features.parameters():
                p.requires_grad = False
        return model
    if kind == "mobilenet_v2-all":
        return torchvision.models.mobilenet_v2(num_classes=10)
    if kind == "inception_v3-all":
        # With its auxiliary head, as TF-Slim trains it; no scipy-based init.
        return torchvision.models.inception_v3(num_classes=10, aux_logits=True, init_weights=False)
    return torchvision.models.resnet50(num_classes=10)


def main():
    kind, batch, *size = sys.argv[1].split(":")
    batch = int(batch)
    size = int(size[0]) if size else 224
    seconds = float(sys.argv[2])
    model = build(kind)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, 1e-4)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(batch, 3, size, size)
    y = torch.randint(0, 10, (batch,))
    model.train()

    def step():
        opt.zero_grad()
        out = model(x)
        if isinstance(out, tuple):  # Inception-V3's (logits, aux_logits): TF-Slim's 0.4 weight
            loss = loss_fn(out[0], y) + 0.4 * loss_fn(out[1], y)
        else:
            loss = loss_fn(out, y)
        loss.backward()
        opt.step()

    step()  # warm-up: allocations, oneDNN primitives
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds or steps < 2:
        step()
        steps += 1
    elapsed = time.perf_counter() - t0
    print(json.dumps({
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "threads": torch.get_num_threads(),
        "train": steps * batch / elapsed,
        "steps": steps,
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
