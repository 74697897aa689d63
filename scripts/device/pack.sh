#!/usr/bin/env bash
# Prepares what the GPU measurement carries to a lent device machine (64 MiB at most):
#   .device/deno.xz                the Deno binary, xz -9 (~30 MB of ~95 MB)
#   scripts/bench_gpu.bundle.js    `deno task bench:gpu` bundled with its npm packages (~4 MB):
#                                  no node_modules, no registry needed there
#   .gl/*.deb                      the Vulkan loader (libvulkan1), for images without it
# Then, with the device tool: run `bash scripts/device/gpu_bench.sh` carrying
# [".device", ".gl", "scripts/bench_gpu.bundle.js"].
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .device .gl
deno_bin=$(deno eval 'console.log(Deno.execPath())')
[ -s .device/deno.xz ] || xz -9 -T2 -c "$deno_bin" > .device/deno.xz
deno bundle --platform=deno scripts/bench_gpu.ts -o scripts/bench_gpu.bundle.js
if ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
  lists=/tmp/amd64-lists
  mkdir -p "$lists/partial"
  o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
  apt-get "${o[@]}" update -qq
  (cd .gl && apt-get "${o[@]}" download libvulkan1)
fi
du -ch .device/deno.xz scripts/bench_gpu.bundle.js .gl/*.deb | tail -1
