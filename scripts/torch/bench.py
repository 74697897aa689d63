"""PyTorch CPU reference for `deno task bench`: training (forward + backward +
Adam) and inference images/s of the same models at 32x32x3, batch 64.

usage: bench.py SECONDS_PER_CASE  -> JSON on stdout
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn

torch.set_num_threads(os.cpu_count() or 1)


def vgg(blocks, fc_units, classes=10, size=32):
    layers, c = [], 3
    for block in blocks:
        for out in block:
            layers += [nn.Conv2d(c, out, 3, padding=1), nn.ReLU(inplace=True)]
            c = out
        layers.append(nn.MaxPool2d(2))
        size //= 2
    widths = fc_units + [classes]
    for i, w in enumerate(widths):
        layers.append(nn.Conv2d(c, w, size if i == 0 else 1))
        if i < len(widths) - 1:
            layers += [nn.ReLU(inplace=True), nn.Dropout(0.5)]
        c = w
    layers.append(nn.Flatten())
    return nn.Sequential(*layers)


MODELS = {
    "small_vgg": lambda: vgg([[32, 32], [64, 64], [128]], [256]),
    "vgg_16@32": lambda: vgg([[64, 64], [128, 128], [256] * 3, [512] * 3, [512] * 3], [4096, 4096]),
}


def rate(fn, seconds, batch):
    fn()
    fn()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds or n < 2:
        fn()
        n += 1
    return n * batch / (time.perf_counter() - t0)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "models": {}}
    for name, make in MODELS.items():
        model = make()
        x = torch.randn(64, 3, 32, 32)
        y = torch.randint(0, 10, (64,))
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        loss_fn = nn.CrossEntropyLoss()

        def train():
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()

        model.train()
        tr = rate(train, seconds, 64)
        model.eval()
        with torch.no_grad():
            inf = rate(lambda: model(x), seconds / 2, 64)
        out["models"][name] = {"train": tr, "infer": inf}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
