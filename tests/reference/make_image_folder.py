"""Writes a benchmark image folder of real JPEGs with PIL: N images of
256-500 px per side in 5 imbalanced classes (50/25/15/7/3 %), textured so
that they do not compress to nothing. Two processes; skips files that exist.

usage: make_image_folder.py ROOT N
"""
import os
import random
import sys
from multiprocessing import Pool

from PIL import Image, ImageDraw, ImageFilter

SHARES = [0.50, 0.25, 0.15, 0.07, 0.03]


def write(job):
    root, c, i = job
    path = f"{root}/class_{c}/img_{i:06d}.jpg"
    if os.path.exists(path):
        return
    rnd = random.Random(c * 1_000_003 + i)
    w, h = rnd.randint(256, 500), rnd.randint(256, 500)
    img = Image.effect_noise((w, h), 40 + 10 * c).convert("RGB")
    d = ImageDraw.Draw(img)
    for _ in range(12):
        x0, y0 = rnd.randint(0, w - 1), rnd.randint(0, h - 1)
        d.ellipse([x0, y0, x0 + rnd.randint(10, 120), y0 + rnd.randint(10, 120)],
                  fill=(rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(0, 255)))
    img = img.filter(ImageFilter.GaussianBlur(1))
    tmp = path + ".tmp"
    img.save(tmp, "JPEG", quality=90)
    os.replace(tmp, path)


def main():
    root, n = sys.argv[1], int(sys.argv[2])
    jobs = []
    for c, share in enumerate(SHARES):
        os.makedirs(f"{root}/class_{c}", exist_ok=True)
        count = round(n * share)
        jobs += [(root, c, i) for i in range(count)]
    with Pool(2) as pool:
        pool.map(write, jobs, chunksize=64)


if __name__ == "__main__":
    main()
