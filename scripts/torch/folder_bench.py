"""PyTorch reference for the streamed image-folder pipeline of `deno task
bench`: torchvision's ImageFolder + DataLoader(num_workers=2) with
Resize((S, S)) + RandomHorizontalFlip + ToTensor + Normalize, batches of B,
shuffled; images/s over the first M images after one warm-up batch, and the
peak RSS of the main process plus its workers (sampled per batch).

usage: folder_bench.py ROOT SIZE BATCH M  -> JSON on stdout
"""
import json
import os
import sys
import time

import torch
import torchvision
from torchvision import transforms


def rss(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def main():
    root, size, batch, measure = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    ds = torchvision.datasets.ImageFolder(root, transform=transforms.Compose([
        transforms.Resize((size, size)),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ]))
    index_s = time.perf_counter() - t0
    loader = torch.utils.data.DataLoader(ds, batch_size=batch, shuffle=True, num_workers=2)
    it = iter(loader)
    peak = 0
    next(it)  # warm-up: workers started, first batch decoded
    seen, start = 0, time.perf_counter()
    while seen < measure:
        x, _ = next(it)
        seen += x.shape[0]
        pids = [os.getpid()] + [w.pid for w in it._workers]
        peak = max(peak, sum(rss(p) for p in pids))
    elapsed = time.perf_counter() - start
    print(json.dumps({"imagesPerSecond": seen / elapsed, "images": len(ds), "indexSeconds": index_s,
                      "peakRssBytes": peak, "workers": 2}))


if __name__ == "__main__":
    main()
